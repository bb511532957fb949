"""The card terminal's end-of-day at the closing of a shift (docs/payments.md, "End-of-day").

Before a register with a connected terminal closes its shift, the terminal closes its day (06 50, sent once
by the store node's worker). The closing waits on a page that shows the terminal's status; once the
end-of-day is finished (totals read, or not: refused, unreachable, link broken) the shift closes with the
reconciliation in its Z report. The cashier may also close without waiting: the Z report then says the
terminal's totals were not read.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from kasse.core.actors import Actor
from kasse.payments import settlement as settlements
from kasse.payments import wakeup
from kasse.payments.models import SETTLEMENT_RUNNING, CardSettlement
from kasse.payments.services import terminal_for
from kasse.register.access import register_view
from kasse.register.live import publish_display
from kasse.register.services.training import in_training
from kasse.sales.models import Shift
from kasse.sales.services.errors import SaleError
from kasse.tenancy.models import Register
from kasse.tenancy.requests import CashierRequest


def reconciliation_or_wait(
    request: CashierRequest, shift: Shift, count: dict[str, str], page: Any
) -> dict[str, Any] | HttpResponse:
    """The reconciliation to close ``shift`` with ({} without a terminal), or the page that waits for the
    terminal's end-of-day (started here once)."""
    register = request.register
    if terminal_for(register) is None or in_training(register):
        return {}
    settlement = settlements.settlement_for(shift)
    skip = request.POST.get("without_terminal") == "1"
    if settlement is None and not skip:
        try:
            settlement = settlements.start_end_of_day(
                actor=Actor.for_employee(request.cashier), register=register, shift=shift
            )
        except ValidationError as exc:
            raise SaleError(" ".join(exc.messages)) from exc
    if settlement is not None and settlement.status in SETTLEMENT_RUNNING and not skip:
        return page(
            request,
            "register/shift/end_of_day.html",
            {"shift": shift, "count": count, **_shown(register, settlement)},
        )
    if skip:  # closing without the terminal: the display said "closing" while it waited, now it is closed
        publish_display(register, "register/partials/display_end_of_day.html", {"settlement": settlement})
    return settlements.reconciliation(settlement) if settlement is not None else {}


def _context(settlement: CardSettlement) -> dict[str, Any]:
    return {
        "settlement": settlement,
        "running": settlement.status in SETTLEMENT_RUNNING,
        "node_running": wakeup.running(),
    }


def _shown(register: Register, settlement: CardSettlement) -> dict[str, Any]:
    """The end-of-day's context; the customer display says that the register is closing (card payments are
    not possible while the terminal closes its day), then that it is closed."""
    context = _context(settlement)
    publish_display(register, "register/partials/display_end_of_day.html", context)
    return context


@require_GET
@register_view()
def end_of_day_status(request: CashierRequest, settlement_id: uuid.UUID) -> HttpResponse:
    settlement = get_object_or_404(CardSettlement, pk=settlement_id, register=request.register)
    return render(request, "register/shift/partials/end_of_day_status.html", _shown(request.register, settlement))
