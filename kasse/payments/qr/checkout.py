"""The QR payments a sale names, checked and bound to it in the sale's own transaction.

A tender that names a QR payment (``qr:<id>``) is only money when that payment of this register was
approved by its provider, for the same amount, and no other sale took it; while a QR payment of the cart is
at the provider or unknown, the cart cannot be paid at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from kasse.payments.models import CardPayment, CardPaymentKind, CardPaymentStatus
from kasse.payments.qr.services import QR_PROVIDERS
from kasse.sales.services.errors import SaleError
from kasse.tenancy.models import Register

PREFIX = "qr:"


def _payment_id(reference: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(reference[len(PREFIX) :])
    except ValueError:
        return None


def claim_qr_tenders(*, register: Register, tenders: Iterable[Any], sale_id: Any) -> None:
    """Bind the QR payments named by ``tenders`` to the sale, or raise `SaleError` (nothing is written)."""
    unclear = CardPayment.objects.filter(
        register=register,
        cart_id=sale_id,
        provider__in=QR_PROVIDERS,
        status__in=(CardPaymentStatus.PENDING, CardPaymentStatus.SENT, CardPaymentStatus.UNKNOWN),
    )
    if unclear.exists():
        raise SaleError(_("A QR payment of this sale is still open or unclear; it has to be settled first."))
    for tender in tenders:
        reference = str(getattr(tender, "reference", "") or "")
        if not reference.startswith(PREFIX):
            continue
        payment_id = _payment_id(reference)
        payment = (
            CardPayment.objects.select_for_update()
            .filter(pk=payment_id, register=register, kind=CardPaymentKind.PAYMENT, provider__in=QR_PROVIDERS)
            .first()
            if payment_id
            else None
        )
        if (
            payment is None
            or tender.method != "other"
            or payment.status != CardPaymentStatus.APPROVED
            or payment.amount != tender.amount
        ):
            raise SaleError(_("This QR payment was not approved by its provider."))
        if payment.sale_id not in (None, sale_id):
            raise SaleError(_("This QR payment already paid another sale."))
        if payment.sale_id is None:
            payment.sale_id = sale_id
            payment.save(update_fields=["sale_id", "updated_at"])
