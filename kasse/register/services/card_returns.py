"""A return whose money goes back to a card through the register's connected terminal.

The card share of a return "as paid" is given back by the terminal first (kasse.payments.refunds: a
reversal the same day, else a refund); the return is stored only when the terminal approved it, in one
transaction with the check that binds the card refund to it. A return in training mode moves no money and
never drives the terminal.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import transaction

from kasse.core.actors import Actor
from kasse.core.money import ZERO
from kasse.payments.refunds import check_card_refund, refund_payment
from kasse.payments.services import terminal_for
from kasse.sales.models import PaymentMethod, Sale
from kasse.sales.services.refunds import RefundLineInput, refund_sale, split_to_original_tenders
from kasse.tenancy.models import Employee, Register


def card_share(original: Sale, credit: Decimal) -> Decimal:
    """What of a return worth ``credit`` goes back to the card when it goes back "as paid"."""
    if credit <= 0:
        return ZERO
    return sum(
        (amount for method, amount in split_to_original_tenders(original, credit) if method == PaymentMethod.CARD),
        ZERO,
    )


def needs_terminal(register: Register, card_amount: Decimal, *, training: bool) -> bool:
    return card_amount > 0 and not training and terminal_for(register) is not None


def complete_return(
    *,
    actor: Actor,
    register: Register,
    employee: Employee,
    original: Sale,
    lines: list[RefundLineInput],
    refund_id: uuid.UUID,
    as_paid: bool,
    card_amount: Decimal,
    training: bool,
) -> Sale:
    """Store the return of ``lines`` of ``original``; with a terminal its card share must have been given back
    by the terminal (approved) first, else `SaleError` and nothing is stored."""
    due = card_amount if as_paid and not training else ZERO
    payment = refund_payment(register, refund_id)
    reference = payment.reference if payment is not None else ""
    with transaction.atomic():
        check_card_refund(register=register, refund_id=refund_id, card_amount=due, reference=reference)
        return refund_sale(
            actor=actor,
            register=register,
            employee=employee,
            original=original,
            lines=lines,
            refund_id=refund_id,
            tender=None if as_paid else PaymentMethod.CASH,
            training=training,
            references={PaymentMethod.CARD.value: reference} if due > 0 and reference else None,
        )
