"""Gift cards at the register over HTTP: sell one (code generated or scanned), check its balance, pay with it
in part, and the messages for an unknown code or more than is left."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from kasse.register.models import Cart
from kasse.sales.models import Sale
from kasse.testing.plugin import soup_of
from kasse.vouchers.models import Voucher, VoucherEntry
from kasse.vouchers.selectors import balance_of

pytestmark = pytest.mark.django_db
D = Decimal


def _pay(till: Client, payments: list[dict[str, str]]):
    return till.post("/register/cart/pay/", {"payments": json.dumps(payments)})


def test_a_gift_card_is_sold_with_a_generated_code_and_printed_on_the_receipt(till, bakery, gift_card):
    dialog = soup_of(till.get("/register/cart/gift-card/"))
    assert dialog.select_one("[data-testid=gift-card-type] option").text == "Geschenkgutschein"
    added = till.post(
        "/register/cart/gift-card/",
        {"voucher_type": str(gift_card.pk), "amount": "25,00", "code": ""},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert added.status_code == 200
    assert soup_of(added).select_one("[data-testid=cart-total]").text == "25,00 €"
    paid = _pay(till, [{"method": "cash", "amount": "25.00"}])
    assert paid.status_code == 200
    with scopes_disabled():
        sale = Sale.objects.get()
        voucher = Voucher.objects.get()
        assert balance_of(voucher) == D("25.00")
    assert len(voucher.code) == 16
    receipt = soup_of(till.get(f"/register/receipt/{sale.pk}/"))
    card = receipt.select_one("[data-testid=receipt-gift-card]")
    assert voucher.code in card.text
    assert card.select("svg")  # the code's barcode and the balance page's QR code


def test_a_pre_printed_card_is_sold_under_its_scanned_code_and_not_twice(till, bakery, gift_card):
    till.post("/register/cart/gift-card/", {"voucher_type": str(gift_card.pk), "amount": "10", "code": "9912-3456-78"})
    _pay(till, [{"method": "cash", "amount": "10"}])
    again = till.post(
        "/register/cart/gift-card/",
        {"voucher_type": str(gift_card.pk), "amount": "10", "code": "99 1234 5678"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert again.status_code == 422
    message = soup_of(again).select_one("[data-testid=cart-error]").text
    assert message == "Der Geschenkgutschein 9912345678 wurde schon verkauft."
    with scopes_disabled():
        assert not Cart.objects.get().lines.exists()


def test_balance_check_and_a_partial_redemption_as_a_tender(till, bakery, gift_card):
    till.post("/register/cart/gift-card/", {"voucher_type": str(gift_card.pk), "amount": "4", "code": "CARD4EUR"})
    _pay(till, [{"method": "cash", "amount": "4"}])
    checked = soup_of(till.get("/register/gift-card/balance/", {"code": "card4eur"}))
    assert checked.select_one("[data-testid=gift-card-balance]")["data-balance"] == "4.00"
    assert not checked.select("[data-testid=gift-card-pay]")  # a check only: nothing to pay
    for _ in range(3):
        till.post("/register/cart/scan/", {"code": "4000000000024"})  # 3 coffees, 8.40 €
    panel = soup_of(till.get("/register/gift-card/balance/", {"code": "CARD4EUR", "due": "8.40"}))
    button = panel.select_one("[data-testid=gift-card-pay]")
    assert (button["data-voucher-code"], button["data-voucher-cents"]) == ("CARD4EUR", "400")
    tender = [{"method": "voucher", "amount": "4.00", "reference": "CARD4EUR"}]
    shown = soup_of(till.get("/register/cart/pay/panel/", {"payments": json.dumps(tender)}, HTTP_ACCEPT_LANGUAGE="de"))
    assert shown.select_one("[data-testid=pay-due]").text == "4,40 €"
    assert "Geschenkgutschein …4EUR" in shown.select_one("[data-testid=tenders]").text
    paid = _pay(
        till,
        [{"method": "voucher", "amount": "4.00", "reference": "CARD4EUR"}, {"method": "cash", "amount": "5.00"}],
    )
    assert paid.status_code == 200
    with scopes_disabled():
        sale = Sale.objects.order_by("-completed_at").first()
        assert sale.total == D("4.40")
        assert balance_of(Voucher.objects.get()) == D("0.00")


def test_an_unknown_code_or_more_than_is_left_is_a_clear_message_and_changes_nothing(till, bakery, gift_card):
    unknown = till.get("/register/gift-card/balance/", {"code": "NIXDA123"}, HTTP_ACCEPT_LANGUAGE="de")
    assert unknown.status_code == 422
    message = soup_of(unknown).select_one("[data-testid=gift-card-error]").text
    assert message == "Kein Geschenkgutschein hat den Code „NIXDA123“."
    till.post("/register/cart/gift-card/", {"voucher_type": str(gift_card.pk), "amount": "2", "code": "CARD2EUR"})
    _pay(till, [{"method": "cash", "amount": "2"}])
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    refused = till.post(
        "/register/cart/pay/",
        {"payments": json.dumps([{"method": "voucher", "amount": "2.80", "reference": "CARD2EUR"}])},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert refused.status_code == 422
    assert soup_of(refused).select_one("[data-testid=cart-error]").text == (
        "Auf dem Geschenkgutschein CARD2EUR sind nur noch 2,00 € übrig."
    )
    with scopes_disabled():
        assert Sale.objects.count() == 1
        assert VoucherEntry.objects.count() == 1
