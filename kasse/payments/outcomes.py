"""What a terminal's answer means for a card payment: the result of the dialog written into the intent, and
recovery of an unknown outcome from the terminal's repeat receipt (06 20), matched against the intent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.hardware.terminals.zvt import texts
from kasse.hardware.terminals.zvt.client import Outcome, Result
from kasse.hardware.terminals.zvt.records import StatusInformation
from kasse.payments.models import CardPayment, CardPaymentStatus
from kasse.payments.syncing import report_payments

# The terminal's clock and ours may differ a little; a booking this much before the intent was sent is older.
CLOCK_SKEW = dt.timedelta(minutes=5)


def _language(payment: CardPayment) -> str:
    return str(payment.organization.language or "de")


def _store_status(payment: CardPayment, status: StatusInformation) -> None:
    if status.amount_cents is not None:
        payment.terminal_amount = Decimal(status.amount_cents) / 100
    payment.trace_number = status.trace_number
    payment.receipt_number = status.receipt_number
    payment.card_name = status.card_name[:60]
    payment.card_type = status.card_type
    payment.masked_pan = status.masked_pan[:30]
    payment.terminal_number = status.terminal_id[:16]
    payment.booked_at = status.timestamp(timezone.now().astimezone(payment.store.tzinfo).year, payment.store.tzinfo)


def _receipts(result: Result) -> list[dict[str, Any]]:
    return [{"type": r.receipt_type, "lines": list(r.lines)} for r in result.receipts]


@tenant_service
def record_result(*, payment: CardPayment, result: Result) -> CardPayment:
    """sent → approved, declined, failed (nothing reached the terminal) or unknown."""
    payment = CardPayment.objects.select_for_update().select_related("store", "organization").get(pk=payment.pk)
    if payment.status != CardPaymentStatus.SENT:
        return payment  # recorded already (a second worker, a manager): the first answer stands
    language = _language(payment)
    if result.status is not None:
        _store_status(payment, result.status)
    payment.receipts = _receipts(result) or payment.receipts
    payment.result_code = (
        result.result_code
        if result.result_code is not None
        else (result.status.result_code if result.status is not None else None)
    )
    if result.approved and result.known:
        amount_ok = payment.terminal_amount in (None, payment.amount) or payment.kind == "reversal"
        payment.status = CardPaymentStatus.APPROVED if amount_ok else CardPaymentStatus.UNKNOWN
        payment.message = texts.result_text(0, language) if amount_ok else _("The terminal booked a different amount.")
    elif result.outcome in (Outcome.ABORTED, Outcome.COMPLETED) or (result.status is not None):
        payment.status = CardPaymentStatus.DECLINED
        code = payment.result_code if payment.result_code is not None else 0xFF
        payment.message = texts.result_text(code, language)
    elif result.outcome in (Outcome.REFUSED, Outcome.NOT_SENT):
        payment.status = CardPaymentStatus.FAILED
        detail = texts.result_text(result.result_code, language) if result.result_code is not None else ""
        payment.message = _("The terminal could not be reached or refused the command.") + (
            f" ({detail})" if detail else ""
        )
    else:
        payment.status = CardPaymentStatus.UNKNOWN
        payment.message = _("The connection to the terminal broke; whether the card was charged is not known yet.")
    payment.finished_at = timezone.now()
    payment.save()
    report_payments([payment])
    log_action(
        payment.organization,
        Actor.system("card terminal"),
        f"payments.card.{payment.status}",
        payment,
        {"outcome": result.outcome.value, "error": result.error[:200], "result_code": payment.result_code},
    )
    return payment


def match_repeat_receipt(payment: CardPayment, status: StatusInformation | None) -> str | None:
    """What the terminal's last booking says about an unknown payment: approved, declined, or None (unclear).

    The last booking is ours when its trace number is newer than the last one we knew before sending,
    it is not older than the intent, and its amount is ours. An older trace number means the terminal has
    booked nothing since: ours did not happen.
    """
    if status is None or status.trace_number is None:
        return None
    if payment.last_trace_number is not None and status.trace_number <= payment.last_trace_number:
        return CardPaymentStatus.DECLINED
    if payment.last_trace_number is None:
        return None  # no earlier trace number to compare with: a manager decides
    booked = status.timestamp(timezone.now().astimezone(payment.store.tzinfo).year, payment.store.tzinfo)
    if booked is not None and payment.sent_at is not None and booked < payment.sent_at - CLOCK_SKEW:
        return CardPaymentStatus.DECLINED
    if not status.approved:
        return CardPaymentStatus.DECLINED
    if status.amount_cents is not None and Decimal(status.amount_cents) / 100 == payment.amount:
        return CardPaymentStatus.APPROVED
    return None


@tenant_service
def record_recovery(*, payment: CardPayment, result: Result) -> CardPayment:
    """An unknown payment after a repeat receipt: decided when the receipt matches, else still unknown."""
    payment = CardPayment.objects.select_for_update().select_related("store", "organization").get(pk=payment.pk)
    if payment.status != CardPaymentStatus.UNKNOWN:
        return payment
    decided = match_repeat_receipt(payment, result.status) if result.known else None
    if decided is None:
        payment.message = _("The terminal's last receipt does not settle it; a manager has to decide.")
        payment.save(update_fields=["message", "updated_at"])
        report_payments([payment])
        return payment
    payment.status = decided
    if decided == CardPaymentStatus.APPROVED and result.status is not None:
        _store_status(payment, result.status)
        payment.receipts = _receipts(result) or payment.receipts
        payment.message = _("Recovered from the terminal: paid.")
    else:
        payment.message = _("Recovered from the terminal: not charged.")
    payment.finished_at = timezone.now()
    payment.save()
    report_payments([payment])
    log_action(
        payment.organization, Actor.system("card terminal"), "payments.card.recovered", payment, {"status": decided}
    )
    return payment


@tenant_service
def mark_interrupted(*, terminal_id: Any, organization: Any) -> list[CardPayment]:
    """At a worker's start: payments left at the terminal by a crash are unknown, never failed."""
    stuck = list(CardPayment.objects.select_for_update().filter(terminal_id=terminal_id, status=CardPaymentStatus.SENT))
    for payment in stuck:
        payment.status = CardPaymentStatus.UNKNOWN
        payment.message = _("The store node stopped while the terminal had the payment.")
        payment.save(update_fields=["status", "message", "updated_at"])
    if stuck:
        report_payments(stuck)
    return stuck
