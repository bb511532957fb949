"""The register's QR payment step: a customer's payment code, scanned wherever the focus is, starts a
payment of what is still due through the code's provider; the step shows the provider's progress and ends
with the payment's reference (``qr:<id>``), which the sale accepts only when the provider approved it
(kasse/payments/qr/checkout.py).
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from kasse.catalog.selectors import variant_by_barcode
from kasse.core.actors import Actor
from kasse.core.money import MoneyError, parse_money
from kasse.payments.models import UNRESOLVED, CardPayment
from kasse.payments.qr import messages, routing
from kasse.payments.qr.services import (
    QR_PROVIDERS,
    account_for,
    request_qr_cancel,
    start_qr_payment,
    start_qr_refund,
)
from kasse.register.access import register_view
from kasse.register.live import publish_display
from kasse.register.services import cart as carts
from kasse.sales.models import PaymentMethod, Sale
from kasse.tenancy.requests import CashierRequest


def route_payment_code(request: CashierRequest, code: str) -> HttpResponse | str | None:
    """A scanned code that is a customer's payment code: an answer that makes the register start the
    payment (``kasse:payment-code``), or the translated reason it cannot; None for any other code."""
    code = (code or "").strip()
    scheme = routing.payment_scheme(code)
    if scheme is None or variant_by_barcode(request.register.organization, code) is not None:
        return None
    if not scheme.supported:
        return messages.unsupported_scheme(scheme.label)
    if account_for(request.register.store, scheme.key) is None:
        return messages.not_set_up(scheme.label)
    response = HttpResponse(status=204)
    response["HX-Trigger"] = json.dumps({"kasse:payment-code": code})
    return response


def _status(request: CashierRequest, payment: CardPayment, error: str = "") -> HttpResponse:
    running = payment.status in UNRESOLVED and payment.status != "unknown"
    text = messages.progress(payment) if running else payment.message
    publish_display(request.register, "register/partials/display_card.html", {"payment": payment, "text": text})
    return render(
        request,
        "register/partials/qr_payment.html",
        {"payment": payment, "running": running, "text": text, "error": error},
    )


@require_POST
@register_view()
def qr_start(request: CashierRequest) -> HttpResponse:
    """Write the payment intent for the scanned code; the QR worker sends it to the provider."""
    try:
        amount = parse_money(request.POST.get("amount", ""))
    except MoneyError:
        amount = Decimal("0.00")
    cart = carts.active_cart(request.register, request.cashier)
    try:
        payment = start_qr_payment(
            actor=Actor.for_employee(request.cashier),
            register=request.register,
            amount=amount,
            code=request.POST.get("code", ""),
            cart_id=cart.pk,
        )
    except ValidationError as exc:
        return render(request, "register/partials/qr_payment.html", {"error": " ".join(exc.messages)})
    return _status(request, payment)


def _payment(request: CashierRequest, payment_id: uuid.UUID) -> CardPayment:
    return get_object_or_404(CardPayment, pk=payment_id, register=request.register, provider__in=QR_PROVIDERS)


@require_GET
@register_view()
def qr_status(request: CashierRequest, payment_id: uuid.UUID) -> HttpResponse:
    return _status(request, _payment(request, payment_id))


@require_POST
@register_view()
def qr_cancel(request: CashierRequest, payment_id: uuid.UUID) -> HttpResponse:
    """Before it is sent: cancelled at once. At the provider: the worker asks the provider to cancel it."""
    payment = request_qr_cancel(actor=Actor.for_employee(request.cashier), payment=_payment(request, payment_id))
    return _status(request, payment)


def refundable(refund: Sale) -> Decimal | None:
    """What of a return goes back as a QR payment the original sale was paid with (the ``qr`` share of its
    tenders; ``other`` for a sale paid before QR payments had their own method), when there is such a
    payment; None otherwise."""
    methods = (PaymentMethod.QR, PaymentMethod.OTHER)
    back = -sum((p.amount for p in refund.payments.all() if p.method in methods), Decimal("0.00"))
    if back <= 0 or refund.original_sale_id is None:
        return None
    paid = CardPayment.objects.filter(
        sale_id=refund.original_sale_id, provider__in=QR_PROVIDERS, kind="payment", status="approved"
    )
    return back if paid.exists() else None


@require_POST
@register_view()
def qr_refund(request: CashierRequest, sale_id: uuid.UUID) -> HttpResponse:
    """Pay a return's QR share back through the provider of the original sale's QR payment."""
    refund: Sale = get_object_or_404(Sale, pk=sale_id, register=request.register, original_sale__isnull=False)
    amount = refundable(refund)
    original = (
        CardPayment.objects.filter(
            sale_id=refund.original_sale_id, provider__in=QR_PROVIDERS, kind="payment", status="approved"
        )
        .order_by("-amount")
        .first()
    )
    if amount is None or original is None:
        return render(request, "register/partials/qr_payment.html", {"error": messages.nothing_to_refund()})
    try:
        payment = start_qr_refund(
            actor=Actor.for_employee(request.cashier),
            register=request.register,
            original=original,
            amount=amount,
            reason=f"return {refund.receipt_number}",
            return_id=refund.pk,
        )
    except ValidationError as exc:
        return render(request, "register/partials/qr_payment.html", {"error": " ".join(exc.messages)})
    return _status(request, payment)
