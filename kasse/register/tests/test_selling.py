"""Selling on the register over HTTP: scans, labels, cart edits, payment, parking."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.register.models import Cart, CartLine
from kasse.sales.models import Sale
from kasse.testing.plugin import soup_of
from kasse.testing.register_login import approval, unlock_data

pytestmark = pytest.mark.django_db
D = Decimal


def _lines(response):
    return [
        (
            li["data-sku"],
            li.select_one("[data-testid=line-qty]").text.split(" ")[0],
            li.select_one("[data-testid=line-total]").text,
        )
        for li in soup_of(response).select("[data-testid=cart-line]")
    ]


def _sku(product):
    with scopes_disabled():
        return product.variants.get().sku


def test_scanning_a_barcode_twice_adds_two(till, bakery):
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    response = till.post("/register/cart/scan/", {"code": "4000000000017"}, HTTP_ACCEPT_LANGUAGE="de")
    assert _lines(response) == [(_sku(bakery["rolls"]), "2", "0,90 €")]
    assert soup_of(response).select_one("[data-testid=cart-total]").text == "0,90 €"


def test_unknown_barcode_is_a_clear_message_and_changes_nothing(till, bakery):
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    response = till.post("/register/cart/scan/", {"code": "4006381333931"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert soup_of(response).select_one("[data-testid=cart-error]").text == "Unknown barcode 4006381333931."
    assert json.loads(response["HX-Trigger"]) == {"kasse:scan-rejected": {"reason": "unknown"}}
    assert len(_lines(response)) == 1


def test_german_weight_label_puts_the_weight_on_the_cart(till, bakery):
    # 28 0001 9 00347 8: item 0001, 347 g, at 24.90 €/kg
    response = till.post("/register/cart/scan/", {"code": "2800019003478"}, HTTP_ACCEPT_LANGUAGE="de")
    assert _lines(response) == [(_sku(bakery["cheese"]), "0,347", "8,64 €")]


def test_label_with_a_wrong_price_check_digit_is_refused(till, bakery):
    response = till.post("/register/cart/scan/", {"code": "2800011003476"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "cannot be read" in soup_of(response).select_one("[data-testid=cart-error]").text


def test_weighed_item_without_label_asks_for_the_weight(till, bakery):
    with scopes_disabled():
        variant = bakery["cheese"].variants.get()
    asked = till.post("/register/cart/add/", {"variant": str(variant.pk)})
    assert soup_of(asked).select_one("[data-testid=weight-form]") is not None
    added = till.post("/register/cart/add/", {"variant": str(variant.pk), "quantity": "0,5"}, HTTP_ACCEPT_LANGUAGE="de")
    assert _lines(added) == [(variant.sku, "0,5", "12,45 €")]


def test_zero_quantity_removes_and_negative_is_refused(till, bakery):
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    with scopes_disabled():
        line = CartLine.objects.get()
    refused = till.post(f"/register/cart/line/{line.pk}/quantity/", {"quantity": "-2"})
    assert refused.status_code == 422
    removed = till.post(f"/register/cart/line/{line.pk}/quantity/", {"quantity": "0"})
    assert _lines(removed) == []


def test_price_override_needs_a_manager_pin(till, bakery, manager):
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    with scopes_disabled():
        line = CartLine.objects.get()
    refused = till.post(f"/register/cart/line/{line.pk}/price/", {"price": "1,00"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422
    assert "manager" in soup_of(refused).select_one("[data-testid=cart-error]").text
    ok = till.post(
        f"/register/cart/line/{line.pk}/price/",
        {"price": "1,00", **approval(manager, "2222")},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert _lines(ok)[0][2] == "1,00 €"


def test_cash_payment_completes_the_sale_and_shows_change(till, bakery):
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    response = till.post(
        "/register/cart/pay/",
        {"payments": json.dumps([{"method": "cash", "amount": "10.00"}])},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    done = soup_of(response)
    assert done.select_one("[data-testid=change]").text.split() == ["Rückgeld", "6,75", "€"]
    with scopes_disabled():
        sale = Sale.objects.get()
        assert (sale.receipt_number, sale.total) == (1, D("3.25"))
        assert not Cart.objects.exists()
    receipt = soup_of(till.get(f"/register/receipt/{sale.pk}/", HTTP_ACCEPT_LANGUAGE="de"))
    assert receipt.select_one("[data-testid=receipt-total]").text == "3,25 €"


def test_short_payment_is_refused_and_the_cart_stays(till, bakery):
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    response = till.post(
        "/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": "1"}])}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#cart"
    assert "still missing" in soup_of(response).select_one("[data-testid=cart-error]").text
    with scopes_disabled():
        assert not Sale.objects.exists()
        assert CartLine.objects.count() == 1


def test_garbage_payment_payload_is_refused(till, bakery):
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    for payload in ["not json", json.dumps({"a": 1}), json.dumps([{"method": "cash", "amount": "1e9x"}])]:
        assert till.post("/register/cart/pay/", {"payments": payload}).status_code == 422
    with scopes_disabled():
        assert not Sale.objects.exists()


def test_split_payment_card_and_cash(till, bakery):
    for _ in range(3):
        till.post("/register/cart/scan/", {"code": "4000000000024"})
    till.post(
        "/register/cart/pay/",
        {"payments": json.dumps([{"method": "card", "amount": "5.00"}, {"method": "cash", "amount": "5.00"}])},
    )
    with scopes_disabled():
        payments = list(Sale.objects.get().payments.values_list("method", "amount", "change"))
    assert payments == [("card", D("5.00"), D("0.00")), ("cash", D("3.40"), D("1.60"))]


def test_park_and_resume_on_another_register(till, bakery, register, cashier):
    from kasse.testing.factories import RegisterFactory
    from kasse.testing.plugin import paired_client

    till.post("/register/cart/scan/", {"code": "4000000000017"})
    till.post("/register/cart/park/", {"label": "Frau Schmidt"})
    assert _lines(till.get("/register/cart/")) == []
    other = paired_client(
        RegisterFactory(store=register.store, organization=register.organization, number=2), token="second"
    )
    other.post("/register/unlock/", unlock_data(cashier, "1111"))
    listing = soup_of(other.get("/register/parked/"))
    assert "Frau Schmidt" in listing.select_one("[data-testid=parked-list]").text
    with scopes_disabled():
        cart = Cart.objects.get(status="parked")
    resumed = other.post(f"/register/parked/{cart.pk}/resume/")
    assert _lines(resumed) == [(_sku(bakery["rolls"]), "1", "0,45 €")]


def test_invalid_variant_id_is_404_not_a_crash(till):
    assert till.post("/register/cart/add/", {"variant": "not-a-uuid"}).status_code == 404


def test_scan_stays_within_a_query_budget(till, bakery, django_assert_max_num_queries):
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    with django_assert_max_num_queries(30):
        till.post("/register/cart/scan/", {"code": "4000000000024"})


def test_notes_on_cart_and_line_reach_the_receipt(till, bakery):
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    with scopes_disabled():
        line = CartLine.objects.get()
    till.post(f"/register/cart/line/{line.pk}/note/", {"note": "mit Hafermilch"})
    cart = soup_of(till.post("/register/cart/note/", {"note": "Abholung 15 Uhr"}))
    assert cart.select_one("[data-testid=line-note]").text == "mit Hafermilch"
    assert cart.select_one("[data-testid=cart-note]").text == "Abholung 15 Uhr"
    till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": "5"}])})
    with scopes_disabled():
        sale = Sale.objects.get()
        assert (sale.note, sale.lines.get().note) == ("Abholung 15 Uhr", "mit Hafermilch")
    assert "mit Hafermilch" in till.get(f"/register/receipt/{sale.pk}/").content.decode()


def test_manager_pin_cannot_be_guessed_from_the_register(till, bakery, manager):
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    with scopes_disabled():
        line = CartLine.objects.get()
    for guess in ["0000", "0001", "0002", "0003", "0004"]:
        refused = till.post(
            f"/register/cart/line/{line.pk}/price/",
            {"price": "1,00", **approval(manager, guess)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert refused.status_code == 422
    # Now even the right PIN is refused for a minute
    locked = till.post(
        f"/register/cart/line/{line.pk}/price/",
        {"price": "1,00", **approval(manager, "2222")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Too many wrong PINs" in soup_of(locked).select_one("[data-testid=cart-error]").text
    with scopes_disabled():
        assert CartLine.objects.get().unit_price is None


def test_a_second_tap_on_pay_sells_nothing_twice(till, bakery):
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    payment = {"payments": json.dumps([{"method": "cash", "amount": "5.00"}])}
    first = till.post("/register/cart/pay/", payment)
    again = till.post("/register/cart/pay/", payment, HTTP_ACCEPT_LANGUAGE="en")
    assert first.status_code == 200
    assert again.status_code == 422
    assert "The cart is empty." in soup_of(again).select_one("[data-testid=cart-error]").text
    with scopes_disabled():
        assert Sale.objects.count() == 1


def test_a_second_pay_of_the_cart_shown_gets_the_same_sale_again(till, bakery):
    # the register sends the id of the cart it shows with every pay
    shown = soup_of(till.post("/register/cart/scan/", {"code": "4000000000024"})).select_one("#cart")["data-cart"]
    payment = {"payments": json.dumps([{"method": "cash", "amount": "5.00"}]), "cart": shown}
    first = till.post("/register/cart/pay/", payment)
    # a double tap that reached the server after the first one committed: a new empty cart is active by now
    again = till.post("/register/cart/pay/", payment, HTTP_ACCEPT_LANGUAGE="de")
    assert (first.status_code, again.status_code) == (200, 200)
    done = [soup_of(r).select_one("[data-testid=sale-done]")["data-sale"] for r in (first, again)]
    assert done == [shown, shown]
    assert soup_of(again).select_one("[data-testid=change]").text.split() == ["Rückgeld", "2,20", "€"]
    with scopes_disabled():
        assert Sale.objects.count() == 1


def test_a_pay_for_a_cart_that_is_gone_unpaid_pays_nothing(till, bakery):
    shown = soup_of(till.post("/register/cart/scan/", {"code": "4000000000024"})).select_one("#cart")["data-cart"]
    till.post("/register/cart/park/")  # another tap parked it meanwhile
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    payment = {"payments": json.dumps([{"method": "cash", "amount": "5.00"}]), "cart": shown}
    refused = till.post("/register/cart/pay/", payment, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422
    assert "This cart is no longer open." in soup_of(refused).select_one("[data-testid=cart-error]").text
    with scopes_disabled():
        assert not Sale.objects.exists()
        assert Cart.objects.count() == 2  # the parked one and the new one, both still open
