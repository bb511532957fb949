"""The register's card step with a connected terminal (ZVT, driven by the store node): start the payment,
watch the terminal's status live, cancel it before it is sent or ask the terminal to abort it.

The page never decides that a card was charged: the final partial names the card payment (`zvt:<id>`),
and the sale only accepts it when the terminal approved that payment (kasse/payments/checkout.py).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from kasse.core.actors import Actor
from kasse.core.money import MoneyError, parse_money
from kasse.payments import services, wakeup
from kasse.payments.models import UNRESOLVED, CardPayment
from kasse.register.access import register_view
from kasse.register.live import publish_display
from kasse.register.services import cart as carts
from kasse.tenancy.requests import CashierRequest


def _status(request: CashierRequest, payment: CardPayment, error: str = "") -> HttpResponse:
    running = payment.status in UNRESOLVED and payment.status != "unknown"
    text = (payment.display_text or payment.get_status_display()) if running else payment.message
    publish_display(request.register, "register/partials/display_card.html", {"payment": payment, "text": text})
    return render(
        request,
        "register/partials/card_terminal.html",
        {
            "payment": payment,
            "running": running,
            "node_running": wakeup.running(),
            "error": error,
        },
    )


@require_POST
@register_view()
def card_start(request: CashierRequest) -> HttpResponse:
    """Write the payment intent; the terminal's worker on the store node sends it."""
    try:
        amount = parse_money(request.POST.get("amount", ""))
    except MoneyError:
        amount = Decimal("0.00")
    cart = carts.active_cart(request.register, request.cashier)
    try:
        payment = services.start_card_payment(
            actor=Actor.for_employee(request.cashier), register=request.register, amount=amount, cart_id=cart.pk
        )
    except ValidationError as exc:
        return render(request, "register/partials/card_terminal.html", {"error": " ".join(exc.messages)})
    return _status(request, payment)


def _payment(request: CashierRequest, payment_id: uuid.UUID) -> CardPayment:
    return get_object_or_404(CardPayment, pk=payment_id, register=request.register)


@require_GET
@register_view()
def card_status(request: CashierRequest, payment_id: uuid.UUID) -> HttpResponse:
    return _status(request, _payment(request, payment_id))


@require_POST
@register_view()
def card_cancel(request: CashierRequest, payment_id: uuid.UUID) -> HttpResponse:
    """Before it is sent: take it back. At the terminal: ask the terminal to abort (06 B0)."""
    payment = _payment(request, payment_id)
    if payment.status == "pending":
        try:
            payment = services.cancel_card_payment(actor=Actor.for_employee(request.cashier), payment=payment)
        except ValidationError as exc:
            return _status(request, payment, " ".join(exc.messages))
    elif payment.status == "sent":
        wakeup.abort(payment.terminal_id)
    return _status(request, payment)
