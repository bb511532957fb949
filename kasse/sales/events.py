"""What the sales app publishes (kasse/notifications): a sale or refund completed, a shift closed.

Called by the services in the cloud (``complete_sale``, ``refund_sale``, ``close_shift``) and, for what a
store node uploads, by the tables' ``published`` sync rules (``syncing.py``). Each builder reads only the
row's own attributes, so it works on a model object and on the values of an uploaded row alike.
"""

from __future__ import annotations

from typing import Any

from kasse.notifications.events import publish
from kasse.sales.models import SaleKind, ShiftStatus


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def sale_payload(sale: Any) -> dict[str, Any]:
    """The body of ``sale.completed`` and ``refund.created`` (docs/notifications.md, OpenAPI)."""
    return {
        "sale_id": str(sale.id),
        "kind": sale.kind,
        "register_id": str(sale.register_id),
        "receipt_number": sale.receipt_number,
        "employee": sale.employee_name,
        "customer_id": str(sale.customer_id) if sale.customer_id else None,
        "original_sale_id": str(sale.original_sale_id) if getattr(sale, "original_sale_id", None) else None,
        "currency": sale.currency,
        "total": str(sale.total),
        "completed_at": _iso(sale.completed_at),
    }


def publish_sale(sale: Any) -> None:
    if getattr(sale, "is_training", False):  # a training receipt is no business event (docs/fiscal.md, item 6)
        return
    event = "refund.created" if sale.kind == SaleKind.REFUND else "sale.completed"
    publish(event, sale.organization_id, sale.store_id, sale_payload(sale))


def shift_payload(shift: Any) -> dict[str, Any]:
    """The body of ``shift.closed``: the Z report's number and the cash count against the expected."""
    return {
        "shift_id": str(shift.id),
        "register_id": str(shift.register_id),
        "z_number": shift.closing_number,
        "opened_at": _iso(shift.opened_at),
        "closed_at": _iso(shift.closed_at),
        "counted_cash": None if shift.counted_cash is None else str(shift.counted_cash),
        "expected_cash": None if shift.expected_cash is None else str(shift.expected_cash),
        "cash_difference": None if shift.difference is None else str(shift.difference),
    }


def aborted_payload(aborted: Any) -> dict[str, Any]:
    """The body of ``receipt.aborted``: a cart given up with items (AVBelegabbruch)."""
    return {
        "aborted_id": str(aborted.id),
        "register_id": str(aborted.register_id),
        "employee": aborted.employee_name,
        "items": len(aborted.lines or []),
        "total": str(aborted.total),
        "started_at": _iso(aborted.started_at),
        "aborted_at": _iso(aborted.aborted_at),
    }


def publish_aborted(aborted: Any) -> None:
    if getattr(aborted, "training", False):  # training is no business event
        return
    publish("receipt.aborted", aborted.organization_id, aborted.store_id, aborted_payload(aborted))


def publish_shift_closed(shift: Any) -> None:
    publish("shift.closed", shift.organization_id, shift.store_id, shift_payload(shift))


# --- the sync rules: rows a node uploaded --------------------------------------------------------------


def sale_uploaded(sale: Any, before: dict[str, Any] | None) -> None:
    if before is None:
        publish_sale(sale)


def aborted_uploaded(aborted: Any, before: dict[str, Any] | None) -> None:
    if before is None:
        publish_aborted(aborted)


def shift_uploaded(shift: Any, before: dict[str, Any] | None) -> None:
    """A shift that arrives closed, or was open in the cloud and arrives closed."""
    if shift.status != ShiftStatus.CLOSED:
        return
    if before is None or before.get("status") != ShiftStatus.CLOSED:
        publish_shift_closed(shift)
