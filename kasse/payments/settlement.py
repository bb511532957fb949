"""End-of-day (06 50) of a register's card terminal at the closing of its shift, and its reconciliation.

The register asks for it before the shift closes (`start_end_of_day`: a durable intent, like a payment);
the terminal's worker on the store node sends 06 50 once and records the terminal's totals per card family
(`record_end_of_day`). kasse's side is what it booked through the same terminal since the terminal's
previous end-of-day: approved payments less approved refunds and reversals (`kasse_totals`). The Z report
shows both and the difference (`reconciliation`, a snapshot written into the shift at its closing).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.money import ZERO
from kasse.core.services import tenant_service
from kasse.hardware.terminals.zvt import texts
from kasse.hardware.terminals.zvt.client import Outcome, Result
from kasse.payments import wakeup
from kasse.payments.models import (
    SETTLEMENT_RUNNING,
    CardPayment,
    CardPaymentKind,
    CardPaymentStatus,
    CardSettlement,
    CardSettlementStatus,
    CardTerminal,
)
from kasse.payments.services import PaymentError
from kasse.sales.models import Shift
from kasse.sync.engine.changes import record
from kasse.tenancy.models import Register

CENT = Decimal("0.01")


def _euros(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


FINAL = (CardSettlementStatus.DONE, CardSettlementStatus.FAILED, CardSettlementStatus.UNKNOWN)


def settlement_for(shift: Shift) -> CardSettlement | None:
    """The latest end-of-day asked for at this shift's closing, if any."""
    return CardSettlement.objects.filter(shift=shift).select_related("terminal").order_by("-created_at").first()


@tenant_service
def start_end_of_day(*, actor: Actor, register: Register, shift: Shift | None = None) -> CardSettlement:
    """Write the end-of-day intent for the register's terminal; its worker sends 06 50 after the commit.

    One at a time per terminal: a running one is returned instead of a second.
    """
    terminal = CardTerminal.objects.select_for_update().filter(register=register, is_active=True).first()
    if terminal is None:
        raise PaymentError(_("This register has no connected card terminal."))
    running = CardSettlement.objects.filter(terminal=terminal, status__in=SETTLEMENT_RUNNING).first()
    if running is not None:
        return running
    settlement = CardSettlement.objects.create(
        organization_id=register.organization_id,
        store_id=register.store_id,
        register=register,
        terminal=terminal,
        shift=shift,
    )
    log_action(
        register.organization,
        actor,
        "payments.end_of_day.started",
        settlement,
        {"register": str(register.pk), "shift": str(shift.pk) if shift else None},
    )
    record("card_settlement", [settlement])
    terminal_id = terminal.pk
    transaction.on_commit(lambda: wakeup.notify(terminal_id))
    return settlement


@tenant_service
def claim_end_of_day(*, settlement_id: Any, organization: Any) -> CardSettlement | None:
    """pending → sent, committed before 06 50 goes out; None when it was taken already."""
    settlement = CardSettlement.objects.select_for_update().filter(pk=settlement_id).first()
    if settlement is None or settlement.status != CardSettlementStatus.PENDING:
        return None
    settlement.status = CardSettlementStatus.SENT
    settlement.sent_at = timezone.now()
    settlement.save(update_fields=["status", "sent_at", "updated_at"])
    record("card_settlement", [settlement])
    return settlement


@dataclass(frozen=True)
class KasseTotals:
    count: int
    amount: Decimal
    unclear: int


def _previous_end(settlement: CardSettlement) -> Any:
    """When the terminal's previous end-of-day closed its batch (None: never, as far as kasse knows)."""
    earlier = (
        CardSettlement.objects.filter(terminal_id=settlement.terminal_id, status=CardSettlementStatus.DONE)
        .exclude(pk=settlement.pk)
        .filter(sent_at__lt=settlement.sent_at or timezone.now())
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    return earlier


def kasse_totals(settlement: CardSettlement) -> KasseTotals:
    """What kasse booked through the terminal in the batch this end-of-day closes.

    Approved payments count once each (a reversed one not at all, as the terminal counts them) and add their
    amount; approved refunds subtract theirs. Payments still unknown are counted apart: they explain a
    difference a manager still has to clear up.
    """
    since = _previous_end(settlement)
    until = settlement.sent_at or timezone.now()
    rows = CardPayment.objects.filter(terminal_id=settlement.terminal_id, sent_at__lt=until)
    if since is not None:
        rows = rows.filter(sent_at__gte=since)
    count, amount = 0, ZERO
    approved = rows.filter(status=CardPaymentStatus.APPROVED)
    reversed_ids = set(
        CardPayment.objects.filter(kind=CardPaymentKind.REVERSAL, status=CardPaymentStatus.APPROVED)
        .filter(Q(original_payment__in=approved.filter(kind=CardPaymentKind.PAYMENT)))
        .values_list("original_payment_id", flat=True)
    )
    for payment in approved:
        if payment.kind == CardPaymentKind.PAYMENT and payment.pk not in reversed_ids:
            count += 1
            amount += payment.amount
        elif payment.kind == CardPaymentKind.REFUND:
            amount -= payment.amount
    unclear = rows.filter(status=CardPaymentStatus.UNKNOWN).count()
    return KasseTotals(count, amount, unclear)


@tenant_service
def record_end_of_day(*, settlement: CardSettlement, result: Result) -> CardSettlement:
    """sent → done (with the terminal's totals), failed (nothing reached it) or unknown (the link broke)."""
    settlement = CardSettlement.objects.select_for_update().select_related("organization").get(pk=settlement.pk)
    if settlement.status != CardSettlementStatus.SENT:
        return settlement
    language = str(settlement.organization.language or "de")
    status = result.status
    settlement.result_code = (
        result.result_code if result.result_code is not None else (status.result_code if status is not None else None)
    )
    settlement.receipts = [{"type": r.receipt_type, "lines": list(r.lines)} for r in result.receipts]
    if status is not None and status.approved and result.outcome is not Outcome.ABORTED:
        totals = status.totals
        settlement.status = CardSettlementStatus.DONE
        settlement.trace_number = status.trace_number
        if totals is not None:
            settlement.first_receipt, settlement.last_receipt = totals.first_receipt, totals.last_receipt
            settlement.terminal_count = totals.count
            settlement.families = [
                {"family": f.family, "count": f.count, "amount": str(_euros(f.amount_cents))}
                for f in totals.families
                if f.count or f.amount_cents
            ]
        cents = status.amount_cents if status.amount_cents is not None else (totals.amount_cents if totals else 0)
        settlement.terminal_amount = _euros(cents)
        settlement.message = _("The terminal closed its day.")
    elif result.outcome in (Outcome.REFUSED, Outcome.NOT_SENT):
        settlement.status = CardSettlementStatus.FAILED
        detail = texts.result_text(result.result_code, language) if result.result_code is not None else ""
        settlement.message = _("The terminal could not be reached or refused the end-of-day.") + (
            f" ({detail})" if detail else ""
        )
    elif result.outcome in (Outcome.ABORTED, Outcome.COMPLETED):
        settlement.status = CardSettlementStatus.FAILED
        code = settlement.result_code if settlement.result_code is not None else 0xFF
        settlement.message = _("The terminal refused the end-of-day: %(reason)s") % {
            "reason": texts.result_text(code, language)
        }
    else:
        settlement.status = CardSettlementStatus.UNKNOWN
        settlement.message = _(
            "The connection broke during the end-of-day; the terminal may have closed its day. "
            "Print its totals on the terminal."
        )
    totals_of_kasse = kasse_totals(settlement)
    settlement.kasse_count, settlement.kasse_amount = totals_of_kasse.count, totals_of_kasse.amount
    settlement.unclear_count = totals_of_kasse.unclear
    settlement.finished_at = timezone.now()
    settlement.save()
    log_action(
        settlement.organization,
        Actor.system("card terminal"),
        f"payments.end_of_day.{settlement.status}",
        settlement,
        {
            "terminal": str(settlement.terminal_amount) if settlement.terminal_amount is not None else None,
            "kasse": str(settlement.kasse_amount),
            "error": result.error[:200],
        },
    )
    record("card_settlement", [settlement])
    return settlement


@tenant_service
def mark_end_of_day_interrupted(*, terminal_id: Any, organization: Any) -> int:
    """At a worker's start: an end-of-day left at the terminal by a crash has unknown totals (never resent)."""
    stuck = list(
        CardSettlement.objects.select_for_update().filter(terminal_id=terminal_id, status=CardSettlementStatus.SENT)
    )
    for settlement in stuck:
        settlement.status = CardSettlementStatus.UNKNOWN
        settlement.message = _("The store node stopped during the end-of-day; print its totals on the terminal.")
        settlement.finished_at = timezone.now()
        settlement.save(update_fields=["status", "message", "finished_at", "updated_at"])
    if stuck:
        record("card_settlement", stuck)
    return len(stuck)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def reconciliation(settlement: CardSettlement | None) -> dict[str, Any]:
    """The snapshot the Z report shows (written into the shift when it closes); {} without a terminal."""
    if settlement is None:
        return {}
    if settlement.kasse_amount is None:  # not finished: kasse's side as it stands
        mine = kasse_totals(settlement)
        kasse_count, kasse_amount, unclear = mine.count, mine.amount, mine.unclear
    else:
        kasse_count, kasse_amount, unclear = (
            settlement.kasse_count or 0,
            settlement.kasse_amount,
            settlement.unclear_count,
        )
    difference = settlement.difference
    return {
        "settlement": str(settlement.pk),
        "terminal": settlement.terminal.name,
        "status": settlement.status,
        "message": settlement.message,
        "terminal_count": settlement.terminal_count,
        "terminal_amount": _money(settlement.terminal_amount),
        "kasse_count": kasse_count,
        "kasse_amount": _money(kasse_amount),
        "difference": _money(difference),
        "count_difference": (
            settlement.terminal_count - kasse_count if settlement.terminal_count is not None else None
        ),
        "unclear": unclear,
        "families": settlement.families,
        "first_receipt": settlement.first_receipt,
        "last_receipt": settlement.last_receipt,
        "finished_at": settlement.finished_at.isoformat() if settlement.finished_at else None,
    }
