"""Gift cards at the register: sell one (dialog and line), check a card's balance, and in the pay panel
offer a card as a tender. The server renders every partial; register.js only keeps the tenders."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kasse.core.money import MoneyError, parse_money
from kasse.register import qr_views
from kasse.register.access import register_view
from kasse.register.inputs import NumberInputError, parse_amount
from kasse.register.register_views import _cart_response, _error_text
from kasse.register.services import cart as carts
from kasse.register.services.cart_vouchers import add_gift_card, card_balance
from kasse.sales.services.errors import SaleError
from kasse.tenancy.requests import CashierRequest
from kasse.vouchers.selectors import active_types


@require_http_methods(["GET", "POST"])
@register_view()
def gift_card(request: CashierRequest) -> HttpResponse:
    """GET: the dialog (voucher type, value, code scanned from a pre-printed card or left empty).
    POST: the card on its own line of the cart."""
    types = active_types()
    if request.method == "GET":
        return render(request, "register/partials/gift_card_form.html", {"types": types})
    cart_obj = carts.active_cart(request.register, request.cashier)
    chosen = next((t for t in types if str(t.pk) == request.POST.get("voucher_type", "")), None)
    try:
        if chosen is None:
            raise SaleError(_("Please choose a voucher type."))
        add_gift_card(
            cart=cart_obj,
            voucher_type=chosen,
            amount=parse_amount(request.POST.get("amount", "")),
            code=request.POST.get("code", ""),
        )
    except (SaleError, NumberInputError) as exc:
        return _cart_response(request, cart=cart_obj, error=_error_text(exc), status=422)
    return _cart_response(request, cart=cart_obj)


@require_GET
@register_view()
def gift_card_balance(request: CashierRequest) -> HttpResponse:
    """The balance of the card whose code was typed or scanned; with ``due`` (from the pay panel) a button
    that pays what the card can of it."""
    code = request.GET.get("code", "")
    try:
        due = parse_money(request.GET.get("due", "")) if request.GET.get("due") else None
    except MoneyError:
        due = None
    context: dict[str, object] = {"code": code.strip()[:48], "due": due}
    routed = qr_views.route_payment_code(request, code)  # a customer's payment code scanned in the pay panel
    if isinstance(routed, HttpResponse):
        return routed
    if routed:
        context["error"] = routed
        return render(request, "register/partials/gift_card_balance.html", context, status=422)
    try:
        found = card_balance(code)
    except SaleError as exc:
        context["error"] = " ".join(exc.messages)
        return render(request, "register/partials/gift_card_balance.html", context, status=422)
    usable = found.usable(due) if due is not None else Decimal("0.00")
    context.update(
        {"voucher": found.voucher, "balance": found.balance, "usable": usable, "usable_cents": int(usable * 100)}
    )
    return render(request, "register/partials/gift_card_balance.html", context)
