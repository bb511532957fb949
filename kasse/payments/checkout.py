"""The card payments a sale names, checked and bound to it in the sale's own transaction.

At a register with a connected terminal a card tender is only money when it names an approved card payment
of this register (`zvt:<id>`) of the same amount that no other sale took; a tap on "approved" cannot make a
sale paid. While a card payment of the register is unknown, no sale of that cart completes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

from django.utils.translation import gettext as _

from kasse.payments.models import CardPayment, CardPaymentKind, CardPaymentStatus
from kasse.payments.qr.checkout import claim_qr_tenders, payment_flags
from kasse.payments.syncing import report_payments
from kasse.sales.services.errors import SaleError
from kasse.tenancy.models import Register

PREFIX = "zvt:"


class Tender(Protocol):
    method: str
    amount: Decimal
    reference: str


def _payment_id(reference: str) -> uuid.UUID | None:
    if not reference.startswith(PREFIX):
        return None
    try:
        return uuid.UUID(reference[len(PREFIX) :])
    except ValueError:
        return None


def claim_card_tenders(*, register: Register, tenders: Iterable[Tender], sale_id: Any) -> None:
    """Bind the card payments named by ``tenders`` to the sale, or raise `SaleError` (nothing is written)."""
    tenders = list(tenders)
    has_terminal, unclear_card, unclear_qr = payment_flags(register, sale_id)  # one query
    claim_qr_tenders(register=register, tenders=tenders, sale_id=sale_id, unclear=unclear_qr)  # kasse/payments/qr
    if not has_terminal:
        return  # a standalone terminal: the cashier confirms by hand, as before
    if unclear_card:
        raise SaleError(_("A card payment of this sale is still unclear; a manager has to clear it up first."))
    for tender in tenders:
        if tender.method != "card":
            continue
        payment_id = _payment_id(tender.reference)
        payment = (
            CardPayment.objects.select_for_update()
            .filter(pk=payment_id, register=register, kind=CardPaymentKind.PAYMENT, provider="zvt")
            .first()
            if payment_id
            else None
        )
        if payment is None or payment.status != CardPaymentStatus.APPROVED or payment.amount != tender.amount:
            raise SaleError(_("This card payment was not approved by the terminal."))
        if payment.sale_id not in (None, sale_id):
            raise SaleError(_("This card payment already paid another sale."))
        if payment.sale_id is None:
            payment.sale_id = sale_id
            payment.save(update_fields=["sale_id", "updated_at"])
            report_payments([payment])
