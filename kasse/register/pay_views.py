"""The register's dialogs, rendered on the server: pay panel, card step, discount/price, note, quantity key.

register.js only keeps the tenders a cashier has given so far (in cents) and asks for
these partials; it never builds markup itself, so a product name or a note can never run
as script (issue 11, "stored XSS at the register").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kasse.core.money import MoneyError, parse_money
from kasse.payments.services import terminal_for
from kasse.register.access import register_view
from kasse.register.models import Cart, CartLine
from kasse.register.services import cart as carts
from kasse.sales.models import PaymentMethod
from kasse.sales.services.vouchers import VOUCHER_TENDER, masked
from kasse.tenancy.requests import CashierRequest

# Notes a shop gives change for; the quick-cash buttons are the next of each above the amount due.
ROUND_STEPS = (Decimal(1), Decimal(5), Decimal(10), Decimal(20), Decimal(50), Decimal(100), Decimal(200), Decimal(500))
QUICK_CASH_BUTTONS = 5  # "exact" and the next four round amounts
SESSION_TIMES = "register_pending_times"
MAX_TIMES = 999


@dataclass(frozen=True)
class QuickCash:
    """One quick-cash button: the amount and the test id the register's tests and keyboard use."""

    amount: Decimal
    exact: bool

    @property
    def cents(self) -> int:
        return int(self.amount * 100)


def quick_cash_amounts(due: Decimal) -> list[QuickCash]:
    """Exact, then the next round amounts above ``due``: 10,97 € → 10,97 · 11 · 15 · 20 · 50."""
    if due <= 0:
        return []
    amounts = [QuickCash(due, exact=True)]
    for step in ROUND_STEPS:
        rounded = (due / step).to_integral_value(rounding=ROUND_CEILING) * step
        if rounded > due and all(rounded != a.amount for a in amounts):
            amounts.append(QuickCash(rounded.quantize(Decimal("0.01")), exact=False))
        if len(amounts) >= QUICK_CASH_BUTTONS:
            break
    return amounts


@dataclass(frozen=True)
class Tender:
    method: str
    amount: Decimal

    reference: str = ""

    @property
    def label(self) -> str:
        if self.method == VOUCHER_TENDER:
            return _("Gift card %(code)s") % {"code": masked(self.reference)}
        return str(PaymentMethod(self.method).label)


def _tenders(raw: str) -> list[Tender]:
    """The tenders given so far, as register.js keeps them; anything unreadable counts as none."""
    try:
        given = json.loads(raw or "[]")
        if not isinstance(given, list):
            return []
        tenders = [
            Tender(str(p["method"]), parse_money(str(p["amount"])), str(p.get("reference", ""))[:48]) for p in given
        ]
    except (ValueError, KeyError, TypeError, MoneyError):
        return []
    # "qr": a QR payment approved by its provider (kasse/payments/qr)
    allowed = (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.QR, VOUCHER_TENDER)
    return [t for t in tenders if t.method in allowed and t.amount > 0]


@require_GET
@register_view()
def pay_panel(request: CashierRequest) -> HttpResponse:
    """What is still due, the tenders given, quick-cash buttons, cash/card."""
    register = request.register
    view = carts.cart_view(carts.active_cart(register, request.cashier))
    tenders = _tenders(request.GET.get("payments", ""))
    rest = max(view.total - sum((t.amount for t in tenders), Decimal("0.00")), Decimal("0.00"))
    return render(
        request,
        "register/partials/pay.html",
        {
            "rest": rest,
            "tenders": tenders,
            "quick": quick_cash_amounts(rest),
        },
    )


@require_GET
@register_view()
def card_step(request: CashierRequest) -> HttpResponse:
    """A connected terminal takes the amount itself (the store node drives it); with a standalone one the
    cashier types it there and confirms the result here."""
    try:
        amount = parse_money(request.GET.get("amount", ""))
    except MoneyError:
        amount = Decimal("0.00")
    if terminal_for(request.register) is not None:
        return render(request, "register/partials/card_terminal_start.html", {"amount": amount})
    return render(request, "register/partials/card_step.html", {"amount": amount})


# --- cart line and whole-sale dialogs -----------------------------------------------


def line_form(request: HttpRequest, line: CartLine, action: str) -> HttpResponse:
    """The discount, price or note dialog of one cart line."""
    base = reverse("register:line-action", args=[line.pk, action])
    context: dict[str, Any] = {"action_url": base, "title": str(line.variant), "is_line": True}
    if action == "discount":
        context["price_url"] = reverse("register:line-action", args=[line.pk, "price"])
        return render(request, "register/partials/discount_form.html", context)
    if action == "price":
        return render(request, "register/partials/price_form.html", context)
    if action == "note":
        return render(request, "register/partials/note_form.html", {**context, "current": line.note})
    return HttpResponse(status=404)


def cart_form(request: HttpRequest, cart: Cart, action: str) -> HttpResponse:
    """The discount or note dialog of the whole sale."""
    url = reverse("register:cart-action", args=[action])
    if action == "discount":
        return render(
            request,
            "register/partials/discount_form.html",
            {
                "action_url": url,
                "title": _("Whole sale"),
                "is_line": False,
            },
        )
    if action == "note":
        return render(
            request,
            "register/partials/note_form.html",
            {
                "action_url": url,
                "title": _("Note"),
                "current": cart.note,
            },
        )
    if action == "coupon":
        return render(request, "register/partials/coupon_form.html", {"action_url": url})
    if action == "times":
        return render(
            request,
            "register/partials/quantity_form.html",
            {
                "action_url": url,
                "choices": (2, 3, 4, 5, 6, 10, 12, 24),
            },
        )
    return HttpResponse(status=404)


# --- the quantity key: "6 ×", then a tap or a scan adds six -----------------------------


def pending_times(request: HttpRequest) -> int:
    """The multiplier typed with the quantity key, waiting for the next tap or scan (1 if none)."""
    value = request.session.get(SESSION_TIMES, 1)
    return value if isinstance(value, int) and 1 <= value <= MAX_TIMES else 1


def set_pending_times(request: HttpRequest, value: int) -> None:
    if value <= 1:
        request.session.pop(SESSION_TIMES, None)
    else:
        request.session[SESSION_TIMES] = value


def parse_times(raw: str) -> int:
    """A typed multiplier: a whole number from 1 to 999 (ASCII digits only), else a clear error."""
    from kasse.sales.services.errors import SaleError

    text = (raw or "").strip().rstrip("×xX*").strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_TIMES:
        raise SaleError(_("Please enter a whole number from 1 to %(max)s.") % {"max": MAX_TIMES})
    return int(text)
