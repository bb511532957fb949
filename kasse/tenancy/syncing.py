"""What a store node receives of the employees: PIN digests only of those who may work in its store.

Every node gets every employee's row (names appear on receipts and shifts), but the PIN
digest only of employees with a role in the node's store or in all stores. A stolen
shop PC then holds no PIN of a cashier or manager of another store (docs/security.md).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django_scopes import scopes_disabled

EMPLOYEE = "tenancy.Employee"
NODE_HIDDEN = {"pin_digest": "", "pin_is_long": False}


def employee_rows_for_store(rows: list[dict[str, Any]], store_id: Any) -> list[dict[str, Any]]:
    """``rows`` (encoded employees) as the node of ``store_id`` receives them."""
    from kasse.tenancy.models import StoreRole

    ids = [row["id"] for row in rows if row and row.get("pin_digest")]
    if not ids:
        return rows
    with scopes_disabled():
        working = {str(pk) for pk in StoreRole.objects.filter(employee_id__in=ids).filter(
            Q(store_id=store_id) | Q(store__isnull=True)).values_list("employee_id", flat=True)}
    return [row if not row or not row.get("pin_digest") or str(row["id"]) in working else {**row, **NODE_HIDDEN}
            for row in rows]
