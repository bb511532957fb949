"""Card money going back through the register's terminal when goods are returned (docs/payments.md,
"Refunds and reversals").

The same day and in the same batch (no end-of-day of that terminal since), a return of the whole amount of
a card payment made on this register's terminal is a **reversal** (06 30) of the payment's terminal
receipt number: the customer's bank never books it. Otherwise the money goes back as a **refund** (06 31)
of the card share of the return, with the customer's card at the terminal. Either is a card payment intent
(`kind` refund or reversal, `cart_id` = the return's id) with the same rules as a payment: written before
anything is sent, never resent, an unknown outcome cleared up by recovery or a manager. The return itself is
only stored once the terminal approved (`check_card_refund`, in the return's own transaction).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.services import tenant_service
from kasse.payments.models import (
    UNRESOLVED,
    CardPayment,
    CardPaymentKind,
    CardPaymentStatus,
    CardSettlement,
    CardSettlementStatus,
    CardTerminal,
    PaymentProvider,
)
from kasse.payments.services import start_card_payment
from kasse.payments.syncing import report_payments
from kasse.sales.services.errors import SaleError
from kasse.tenancy.models import Register

REFUND_KINDS = (CardPaymentKind.REFUND, CardPaymentKind.REVERSAL)
PREFIX = "zvt:"


def reversible_payment(terminal: CardTerminal, original_sale_id: Any, amount: Decimal) -> CardPayment | None:
    """The payment of the original sale a return of ``amount`` can reverse (06 30), or None (then: refund).

    Only a single approved payment of exactly that amount, booked on this terminal today (in the store's
    time) with a receipt number, not reversed yet, and with no end-of-day of the terminal since: after an
    end-of-day the terminal has passed its batch on and can only refund. ZVT's 06 30 names the payment by
    its receipt number and carries no amount: it takes back the whole authorisation, never a part.

    A payment whose reversal the terminal declined (many terminals reverse only their last transaction,
    others refuse for reasons of their own) is refunded instead: asking again would be declined again.
    """
    payments = list(
        CardPayment.objects.filter(
            sale_id=original_sale_id,
            kind=CardPaymentKind.PAYMENT,
            status=CardPaymentStatus.APPROVED,
            provider=PaymentProvider.ZVT,
        ).select_related("store")
    )
    if len(payments) != 1:
        return None
    payment = payments[0]
    if payment.terminal_id != terminal.pk or payment.amount != amount or payment.receipt_number is None:
        return None
    tz = payment.store.tzinfo
    booked = payment.finished_at or payment.sent_at
    if booked is None or booked.astimezone(tz).date() != timezone.now().astimezone(tz).date():
        return None
    if payment.refunds.filter(status__in=(*UNRESOLVED, CardPaymentStatus.APPROVED)).exists():
        return None
    if payment.refunds.filter(kind=CardPaymentKind.REVERSAL, status=CardPaymentStatus.DECLINED).exists():
        return None
    settled = CardSettlement.objects.filter(
        terminal=terminal,
        status__in=(CardSettlementStatus.DONE, CardSettlementStatus.UNKNOWN, CardSettlementStatus.SENT),
        sent_at__gt=payment.sent_at,
    )
    return None if settled.exists() else payment


def refund_payment(register: Register, refund_id: uuid.UUID) -> CardPayment | None:
    """The card refund of this return that still counts: approved, or not finished; None when none does."""
    return (
        CardPayment.objects.filter(
            register=register, cart_id=refund_id, kind__in=REFUND_KINDS, provider=PaymentProvider.ZVT
        )
        .filter(status__in=(*UNRESOLVED, CardPaymentStatus.APPROVED))
        .order_by("-created_at")
        .first()
    )


@tenant_service
def start_card_refund(
    *, actor: Actor, register: Register, refund_id: uuid.UUID, original_sale_id: Any, amount: Decimal
) -> CardPayment:
    """Write the intent to give ``amount`` back to the card (reversal or refund); idempotent by ``refund_id``:
    while this return's card refund runs, is unknown or was approved, that one is returned, never a second."""
    existing = refund_payment(register, refund_id)
    if existing is not None:
        return existing
    terminal = CardTerminal.objects.filter(register=register, is_active=True).first()
    original = reversible_payment(terminal, original_sale_id, amount) if terminal is not None else None
    return start_card_payment(
        actor=actor,
        register=register,
        amount=amount,
        cart_id=refund_id,
        kind=CardPaymentKind.REVERSAL if original is not None else CardPaymentKind.REFUND,
        original=original,
    )


def _payment_id(reference: str) -> uuid.UUID | None:
    if not reference.startswith(PREFIX):
        return None
    try:
        return uuid.UUID(reference[len(PREFIX) :])
    except ValueError:
        return None


def check_card_refund(*, register: Register, refund_id: uuid.UUID, card_amount: Decimal, reference: str) -> None:
    """In the return's transaction: raise `SaleError` unless the card money of this return went back through
    the terminal as approved (and bind it to the return), or none is due at this register.

    Also with another tender: a return whose card refund is unclear or approved already cannot be paid out
    again in cash.
    """
    mine = list(
        CardPayment.objects.select_for_update()
        .filter(register=register, cart_id=refund_id, kind__in=REFUND_KINDS, provider=PaymentProvider.ZVT)
        .filter(status__in=(*UNRESOLVED, CardPaymentStatus.APPROVED))
    )
    if any(p.status in UNRESOLVED for p in mine):
        raise SaleError(_("The card refund of this return is still unclear; a manager has to clear it up first."))
    named = _payment_id(reference)
    approved = [p for p in mine if p.status == CardPaymentStatus.APPROVED]
    if approved and (card_amount <= 0 or named not in {p.pk for p in approved}):
        raise SaleError(_("The terminal already gave this money back to the card; complete the return “As paid”."))
    if card_amount <= 0 or not CardTerminal.objects.filter(register=register, is_active=True).exists():
        return  # nothing back to a card, or a standalone terminal: the cashier refunds it by hand
    payment = next((p for p in approved if p.pk == named), None)
    if payment is None or payment.amount != card_amount:
        raise SaleError(_("The card refund was not approved by the terminal."))
    if payment.sale_id not in (None, refund_id):
        raise SaleError(_("This card refund already belongs to another return."))
    if payment.sale_id is None:
        payment.sale_id = refund_id
        payment.save(update_fields=["sale_id", "updated_at"])
        report_payments([payment])
