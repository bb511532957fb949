"""How the tenancy's tables sync: the organization, its stores, registers, employees and their roles.

All come down from the cloud. The organization and store tables are the ones the engine scopes every
row by (``Role``). Every node gets every employee's row (names appear on receipts and shifts), but the PIN
digest only of employees with a role in the node's store or in all stores. A stolen
shop PC then holds no PIN of a cashier or manager of another store (docs/security.md).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django_scopes import scopes_disabled

from kasse.sync.engine.registry import Direction, Role, Scope, SyncSpec, register

EMPLOYEE = "tenancy.Employee"
NODE_HIDDEN = {"pin_digest": "", "pin_is_long": False}


def employee_rows_for_store(rows: list[dict[str, Any]], store_id: Any) -> list[dict[str, Any]]:
    """``rows`` (encoded employees) as the node of ``store_id`` receives them."""
    from kasse.tenancy.models import StoreRole

    ids = [row["id"] for row in rows if row and row.get("pin_digest")]
    if not ids:
        return rows
    with scopes_disabled():
        working = {
            str(pk)
            for pk in StoreRole.objects.filter(employee_id__in=ids)
            .filter(Q(store_id=store_id) | Q(store__isnull=True))
            .values_list("employee_id", flat=True)
        }
    return [
        row if not row or not row.get("pin_digest") or str(row["id"]) in working else {**row, **NODE_HIDDEN}
        for row in rows
    ]


register(
    SyncSpec("tenancy.Organization", Direction.DOWN, role=Role.ORGANIZATION),
    SyncSpec("tenancy.Store", Direction.DOWN, role=Role.STORE, on_register_screen=True),
    SyncSpec("tenancy.Register", Direction.DOWN, Scope.STORE, on_register_screen=True),
    SyncSpec(EMPLOYEE, Direction.DOWN, node_drops=frozenset({"user_id"}), for_node=employee_rows_for_store),
    SyncSpec("tenancy.StoreRole", Direction.DOWN),
)
