"""Reads for the Z report archive: which stores and registers a person may see, the closings of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet, Sum
from django.http import Http404

from kasse.sales.models import Shift, ShiftStatus
from kasse.tenancy.models import Employee, Register, Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import stores_with_capability

# Closings on one page of the archive.
PAGE_SIZE = 50


def visible_stores(employee: Employee | None, capability: str = Capability.VIEW_REPORTS) -> QuerySet[Store]:
    """The stores whose figures ``employee`` may read: every store for owners and all-stores managers."""
    stores = Store.objects.order_by("number", "name")
    allowed = stores_with_capability(employee, capability)
    return stores if allowed is None else stores.filter(pk__in=allowed)


def visible_registers(employee: Employee | None) -> QuerySet[Register]:
    return (
        Register.objects.filter(store__in=visible_stores(employee))
        .select_related("store")
        .order_by("store__number", "number")
    )


def visible_store(employee: Employee | None, store_id: Any) -> Store:
    """One store the person may read; another store's id is the same 404 as a missing one."""
    store = visible_stores(employee).filter(pk=store_id).first()
    if store is None:
        raise Http404
    return store


def visible_closing(employee: Employee | None, shift_id: Any) -> Shift:
    """One closed shift (Z report) in a store the person may read, else 404."""
    shift = (
        Shift.objects.filter(pk=shift_id, status=ShiftStatus.CLOSED, store__in=visible_stores(employee))
        .select_related("store__organization", "register", "opened_by", "closed_by")
        .first()
    )
    if shift is None:
        raise Http404
    return shift


@dataclass(frozen=True)
class ClosingCursor:
    """Where the next page starts: the last closing shown (closed at, id); newest first."""

    closed_at: datetime
    pk: Any

    def encode(self) -> str:
        return f"{self.closed_at.isoformat()}_{self.pk}"

    @classmethod
    def decode(cls, text: str) -> ClosingCursor | None:
        """The cursor of a link; ``None`` for anything that is not one (the first page is shown)."""
        import uuid

        when, _sep, pk = (text or "").rpartition("_")
        try:
            closed_at = datetime.fromisoformat(when)
            return cls(closed_at, uuid.UUID(pk)) if closed_at.tzinfo else None
        except ValueError:
            return None


def closings(
    employee: Employee | None,
    *,
    store: Store | None = None,
    register: Register | None = None,
    after: ClosingCursor | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[Shift], ClosingCursor | None]:
    """A page of Z reports, newest first, with each one's receipts total (``receipts_total``) and the
    cursor of the next page (``None`` on the last)."""
    shifts = Shift.objects.filter(status=ShiftStatus.CLOSED, store__in=visible_stores(employee))
    if store is not None:
        shifts = shifts.filter(store=store)
    if register is not None:
        shifts = shifts.filter(register=register)
    if after is not None:
        shifts = shifts.filter(closed_at__lte=after.closed_at).exclude(closed_at=after.closed_at, pk__gte=after.pk)
    page: list[Shift] = list(
        shifts.select_related("store", "register", "opened_by", "closed_by")
        .annotate(receipts_total=Sum("sales__total"))
        .order_by("-closed_at", "-pk")[: limit + 1]
    )
    more = len(page) > limit
    page = page[:limit]
    cursor = ClosingCursor(page[-1].closed_at, page[-1].pk) if more and page[-1].closed_at else None
    return page, cursor
