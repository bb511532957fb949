"""A loyalty sale at the register over HTTP: scan the card, see the points, redeem, pay."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.loyalty.selectors import points_balance
from kasse.loyalty.services import adjust_points, save_stamp_card
from kasse.register.models import Cart
from kasse.sales.models import Sale
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db
D = Decimal


def test_scanning_the_card_shows_the_points_and_redeeming_them_is_a_discount_on_the_sale(till, bakery, program, anna):
    adjust_points(actor=Actor.system(), customer=anna, points=250, note="Start")
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    shown = till.post("/register/cart/scan/", {"code": "K1001"}, HTTP_ACCEPT_LANGUAGE="de")
    page = soup_of(shown)
    assert page.select_one("[data-testid=cart-customer]").text.strip().startswith("Anna Alt")
    assert page.select_one("[data-testid=loyalty-points]")["data-points"] == "250"
    assert page.select_one("[data-testid=loyalty-points]").text.strip() == "250 Punkte"

    redeemed = till.post("/register/cart/redeem/", {"points": "200"}, HTTP_ACCEPT_LANGUAGE="de")
    page = soup_of(redeemed)
    assert page.select_one("[data-testid=cart-total]").text == "3,60 €"  # 5.60 − 2.00
    assert page.select_one("[data-testid=loyalty-discount]").text == "Eingelöst −2,00 €"

    paid = till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": "5"}])})
    assert paid.status_code == 200
    with scopes_disabled():
        sale = Sale.objects.get()
        assert (sale.total, sale.loyalty_discount, sale.customer_id) == (D("3.60"), D("2.00"), anna.pk)
        assert points_balance(anna.pk) == 50 + 3


def test_redeeming_more_than_the_balance_at_the_register_is_a_clear_message_and_changes_nothing(
    till, bakery, program, anna
):
    adjust_points(actor=Actor.system(), customer=anna, points=30, note="Start")
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    till.post("/register/cart/scan/", {"code": "K1001"})
    for points, message in [
        ("40", "Auf diesem Konto sind nur 30 Punkte; 40 können nicht eingelöst werden."),
        ("zehn", "Bitte eine ganze Zahl von Punkten eingeben."),
    ]:
        refused = till.post("/register/cart/redeem/", {"points": points}, HTTP_ACCEPT_LANGUAGE="de")
        assert refused.status_code == 422
        assert soup_of(refused).select_one("[data-testid=cart-error]").text == message
    with scopes_disabled():
        assert Cart.objects.get().redeem_points == 0
        assert points_balance(anna.pk) == 30


def test_a_full_stamp_card_gives_a_coffee_free_at_the_register(till, bakery, organization, program, anna):
    card = save_stamp_card(
        actor=Actor.system(),
        organization=organization,
        data={"name": "Kaffeekarte", "product": bakery["coffee"], "stamps_needed": 2},
    )
    for _ in range(2):
        till.post("/register/cart/scan/", {"code": "4000000000024"})
    till.post("/register/cart/scan/", {"code": "K1001"})
    till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "card", "amount": "5.60"}])})
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    shown = till.post("/register/cart/scan/", {"code": "K1001"}, HTTP_ACCEPT_LANGUAGE="en")
    assert soup_of(shown).select_one("[data-testid=stamp-card]")["data-stamps"] == "2"
    free = till.post("/register/cart/redeem/", {"stamp_card": str(card.pk)}, HTTP_ACCEPT_LANGUAGE="en")
    assert soup_of(free).select_one("[data-testid=cart-total]").text == "0.00 €"
    till.post("/register/cart/pay/", {"payments": "[]"})
    with scopes_disabled():
        assert Sale.objects.count() == 2
        assert Sale.objects.order_by("completed_at").last().loyalty_discount == D("2.80")
