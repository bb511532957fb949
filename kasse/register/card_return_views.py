"""The card step of a return "as paid" at a register with a connected terminal: the card share goes back
through the terminal (reversal or refund, kasse/payments/refunds.py) before the return is stored.

The page never decides that the money went back: the return is confirmed again once the terminal approved,
and the service checks that approval in the return's transaction (kasse/register/services/card_returns.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from kasse.core.actors import Actor
from kasse.payments import services as payments
from kasse.payments import wakeup
from kasse.payments.models import UNRESOLVED, CardPayment, CardPaymentStatus
from kasse.payments.refunds import REFUND_KINDS, refund_payment, start_card_refund
from kasse.register.access import register_view
from kasse.register.live import publish_display
from kasse.register.services import card_returns
from kasse.register.services.training import in_training
from kasse.sales.models import Sale
from kasse.sales.services.errors import SaleError
from kasse.sales.services.refunds import RefundLineInput, check_return
from kasse.tenancy.requests import CashierRequest

FormView = Callable[..., HttpResponse]


def return_from_receipt(
    request: CashierRequest,
    sale: Sale,
    chosen: list[RefundLineInput],
    *,
    as_paid: bool,
    refund_id: uuid.UUID,
    form: FormView,
) -> Sale | HttpResponse:
    """Store the return, or (its card share not given back by the terminal yet) start or show the card step."""
    register = request.register
    training = in_training(register)
    actor = Actor.for_employee(request.cashier)
    card_amount = card_returns.card_share(
        sale,
        check_return(register=register, employee=request.cashier, original=sale, lines=chosen, training=training),
    )
    if as_paid and card_returns.needs_terminal(register, card_amount, training=training):
        payment = refund_payment(register, refund_id)
        if payment is None:
            try:
                payment = start_card_refund(
                    actor=actor, register=register, refund_id=refund_id, original_sale_id=sale.pk, amount=card_amount
                )
            except ValidationError as exc:
                raise SaleError(" ".join(exc.messages)) from exc
        if payment.status != CardPaymentStatus.APPROVED:
            return form(request, sale, request.POST, card_refund=payment, card_status=_shown(request, payment, sale))
    return card_returns.complete_return(
        actor=actor,
        register=register,
        employee=request.cashier,
        original=sale,
        lines=chosen,
        refund_id=refund_id,
        as_paid=as_paid,
        card_amount=card_amount,
        training=training,
    )


def _context(payment: CardPayment, sale: Sale, error: str = "") -> dict[str, Any]:
    running = payment.status in UNRESOLVED and payment.status != CardPaymentStatus.UNKNOWN
    return {
        "payment": payment,
        "sale": sale,
        "running": running,
        "text": (payment.display_text or payment.get_status_display()) if running else payment.message,
        "node_running": wakeup.running(),
        "error": error,
    }


def _shown(request: CashierRequest, payment: CardPayment, sale: Sale, error: str = "") -> dict[str, Any]:
    """The card step's context; what the terminal says also goes to the customer display (the money goes back
    to the customer's card, who is asked to present it)."""
    context = _context(payment, sale, error)
    shown = {"payment": payment, "text": context["text"]}
    publish_display(request.register, "register/partials/display_card.html", shown)
    return context


def _refund(request: CashierRequest, sale_id: uuid.UUID, payment_id: uuid.UUID) -> tuple[Sale, CardPayment]:
    sale = get_object_or_404(Sale, pk=sale_id, store=request.register.store)
    payment = get_object_or_404(CardPayment, pk=payment_id, register=request.register, kind__in=REFUND_KINDS)
    return sale, payment


@require_GET
@register_view()
def card_refund_status(request: CashierRequest, sale_id: uuid.UUID, payment_id: uuid.UUID) -> HttpResponse:
    sale, payment = _refund(request, sale_id, payment_id)
    return render(request, "register/returns/card_refund.html", _shown(request, payment, sale))


@require_POST
@register_view()
def card_refund_cancel(request: CashierRequest, sale_id: uuid.UUID, payment_id: uuid.UUID) -> HttpResponse:
    """Before it is sent: take it back. At the terminal: ask the terminal to abort (06 B0)."""
    sale, payment = _refund(request, sale_id, payment_id)
    error = ""
    if payment.status == CardPaymentStatus.PENDING:
        try:
            payment = payments.cancel_card_payment(actor=Actor.for_employee(request.cashier), payment=payment)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    elif payment.status == CardPaymentStatus.SENT:
        wakeup.abort(payment.terminal_id)
    return render(request, "register/returns/card_refund.html", _shown(request, payment, sale, error))
