"""Returns at the register over HTTP: by receipt number, by scanned receipt code, without receipt, exchange."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from barcode import Code128
from django_scopes import scopes_disabled

from kasse.inventory.selectors import stock_level as _stock_level
from kasse.sales.models import Sale
from kasse.testing.plugin import soup_of
from kasse.testing.register_login import approval

pytestmark = pytest.mark.django_db
D = Decimal


def _sell(till, *codes, cash="20"):
    for code in codes:
        till.post("/register/cart/scan/", {"code": code})
    response = till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": cash}])})
    assert response.status_code == 200
    with scopes_disabled():
        return Sale.objects.filter(kind="sale").order_by("-receipt_number").first()


def _return_lines(response):
    return [
        (tr["data-sku"], tr.select_one("[data-testid=returnable]").text)
        for tr in soup_of(response).select("[data-testid=return-line]")
    ]


def _qty_field(response, sku):
    row = soup_of(response).select_one(f"[data-testid=return-line][data-sku='{sku}']")
    return row.select_one("[data-testid=return-qty]")["name"]


def _hidden(response, name):
    return soup_of(response).select_one(f"input[name={name}]")["value"]


def stock_level(store, variant):
    with scopes_disabled():
        return _stock_level(store, variant)


def _variant(product):
    with scopes_disabled():
        return product.variants.get()


def test_partial_return_by_receipt_number(till, register, bakery):
    # Given a sale of 3 rolls and a coffee (1.35 + 2.80) paid in cash
    sale = _sell(till, "4000000000017", "4000000000017", "4000000000017", "4000000000024")
    rolls = _variant(bakery["rolls"])
    # When the cashier types the receipt number on the returns screen
    form = till.get("/register/returns/find/", {"code": str(sale.receipt_number)}, HTTP_ACCEPT_LANGUAGE="de")
    assert form.status_code == 200
    assert form["HX-Retarget"] == "#overlay"
    assert soup_of(form).select_one("[data-testid=return-title]").text == f"Rückgabe von Beleg {register.number}/1"
    assert _return_lines(form) == [(rolls.sku, "3"), (_variant(bakery["coffee"]).sku, "1")]
    # And returns 2 of the 3 rolls in cash
    done = till.post(
        f"/register/returns/{sale.pk}/",
        {
            "action": "confirm",
            "tender": "cash",
            "refund_id": _hidden(form, "refund_id"),
            _qty_field(form, rolls.sku): "2",
        },
        HTTP_ACCEPT_LANGUAGE="de",
    )
    # Then a return receipt of -0.90 linked to the original exists and the rolls are back in stock
    assert done.status_code == 200
    assert soup_of(done).select_one("[data-testid=refund-total]").text == "0,90 €"
    assert soup_of(done).select_one("[data-testid=cash-back]").text.split() == ["Bar", "auszahlen", "0,90", "€"]
    with scopes_disabled():
        refund = Sale.objects.get(kind="refund")
        assert (refund.original_sale_id, refund.receipt_number, refund.total) == (sale.pk, 2, D("-0.90"))
        assert [(ln.sku, ln.quantity, ln.total) for ln in refund.lines.all()] == [(rolls.sku, D("-2"), D("-0.90"))]
        assert [(p.method, p.amount) for p in refund.payments.all()] == [("cash", D("-0.90"))]
    assert stock_level(register.store, rolls) == D("-1")
    # And the return form now offers only the one roll left
    again = till.get(f"/register/returns/{sale.pk}/")
    assert _return_lines(again) == [(rolls.sku, "1"), (_variant(bakery["coffee"]).sku, "1")]
    # And the return receipt says what it is
    receipt = till.get(f"/register/receipt/{refund.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert soup_of(receipt).select_one("[data-testid=receipt-kind]").text == "RETURN · for receipt 1"


def test_scanned_receipt_code_opens_the_return_instead_of_unknown_barcode(till, register, bakery):
    sale = _sell(till, "4000000000024", "4000000000024")
    receipt = till.get(f"/register/receipt/{sale.pk}/")
    barcode = soup_of(receipt).select_one("[data-testid=receipt-barcode]")
    code = barcode["data-code"]
    assert code == f"R-{register.store.number}-{register.number}-1"
    # The SVG draws exactly the modules of Code 128 (python-barcode's), with 10 white modules either side
    modules = ["0"] * int(barcode["viewbox"].split()[2])
    for rect in barcode.select("rect")[1:]:
        x, width = int(rect["x"]), int(rect["width"])
        modules[x : x + width] = ["1"] * width
    assert "".join(modules) == "0" * 10 + Code128(code).build()[0] + "0" * 10
    # When the scanner reads that code on the selling screen
    response = till.post("/register/cart/scan/", {"code": code}, HTTP_ACCEPT_LANGUAGE="en")
    # Then the return form for that receipt opens in the overlay, and the cart is untouched
    assert response.status_code == 200
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#overlay", "innerHTML")
    assert soup_of(response).select_one("[data-testid=return-title]").text == f"Return from receipt {register.number}/1"
    coffee = _variant(bakery["coffee"])
    done = till.post(
        f"/register/returns/{sale.pk}/",
        {
            "action": "confirm",
            "tender": "original",
            "refund_id": _hidden(response, "refund_id"),
            _qty_field(response, coffee.sku): "1",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert soup_of(done).select_one("[data-testid=refund-total]").text == "2.80 €"
    with scopes_disabled():
        assert Sale.objects.get(kind="refund").total == D("-2.80")
    assert stock_level(register.store, coffee) == D("-1")


def test_over_refund_zero_and_unknown_receipts_are_refused_and_change_nothing(till, register, bakery):
    sale = _sell(till, "4000000000017")
    form = till.get(f"/register/returns/{sale.pk}/")
    field = _qty_field(form, _variant(bakery["rolls"]).sku)
    refund_id = _hidden(form, "refund_id")
    cases = [
        ({field: "2"}, "“Brötchen”: at most 1 can still be returned."),
        ({field: "0"}, "Please choose what is returned."),
        ({field: "-1"}, "The quantity to return must be greater than zero."),
        ({field: "x"}, "Please enter a quantity such as 2 or 0,250 (at most three decimal places)."),
    ]
    for data, message in cases:
        refused = till.post(
            f"/register/returns/{sale.pk}/",
            {"action": "confirm", "tender": "cash", "refund_id": refund_id, **data},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert refused.status_code == 422
        assert soup_of(refused).select_one("[data-testid=return-error]").text == message
    for code, message in (
        ("99", "No receipt 99 in this store."),
        (f"{register.number + 7}/1", f"No receipt {register.number + 7}/1 in this store."),
        (f"R-{register.store.number + 5}-1-1", "is from another store."),
    ):
        response = till.get("/register/returns/find/", {"code": code}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 422
        assert message in soup_of(response).select_one("[data-testid=returns-error]").text
    with scopes_disabled():
        assert Sale.objects.filter(kind="refund").count() == 0


def test_german_messages_on_the_returns_screen(till, register, bakery):
    sale = _sell(till, "4000000000017")
    form = till.get(f"/register/returns/{sale.pk}/")
    refused = till.post(
        f"/register/returns/{sale.pk}/",
        {
            "action": "confirm",
            "tender": "cash",
            "refund_id": _hidden(form, "refund_id"),
            _qty_field(form, _variant(bakery["rolls"]).sku): "5",
        },
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert (
        soup_of(refused).select_one("[data-testid=return-error]").text
        == "„Brötchen“: Es können höchstens noch 1 zurückgegeben werden."
    )


def test_return_without_receipt_is_refused_without_manager_pin_and_accepted_with_it(
    till, register, bakery, manager, cashier
):
    rolls = _variant(bakery["rolls"])
    form = till.get("/register/returns/without-receipt/")
    assert form.status_code == 200
    # Scanning a product puts it on the return list
    added = till.post(
        "/register/returns/without-receipt/",
        {"refund_id": _hidden(form, "refund_id"), "tender": "cash", "code": "4000000000017"},
    )
    added = till.post(
        "/register/returns/without-receipt/",
        {
            "refund_id": _hidden(form, "refund_id"),
            "tender": "cash",
            "code": "4000000000017",
            "ret_variant": str(rolls.pk),
            "ret_qty": "1",
            "ret_code": "4000000000017",
        },
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert [
        (tr["data-sku"], tr.select_one("[data-testid=ret-qty]")["value"], tr.select_one("[data-testid=ret-total]").text)
        for tr in soup_of(added).select("[data-testid=ret-line]")
    ] == [(rolls.sku, "2", "0,90 €")]
    data = {
        "action": "confirm",
        "tender": "cash",
        "refund_id": _hidden(form, "refund_id"),
        "ret_variant": str(rolls.pk),
        "ret_qty": "2",
        "ret_code": "4000000000017",
    }
    # Without a manager PIN (or with the cashier's own) it is refused and nothing is written
    for pin in ("", "1111"):
        refused = till.post(
            "/register/returns/without-receipt/",
            {**data, **(approval(cashier, pin) if pin else {})},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert refused.status_code == 422
        assert (
            soup_of(refused).select_one("[data-testid=return-error]").text
            == "A return without a receipt needs a manager. Please enter a manager PIN."
        )
    with scopes_disabled():
        assert not Sale.objects.exists()
    # With Max's PIN the return is stored, without an original, in cash
    done = till.post(
        "/register/returns/without-receipt/", {**data, **approval(manager, "2222")}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert done.status_code == 200
    assert soup_of(done).select_one("[data-testid=refund-total]").text == "0.90 €"
    with scopes_disabled():
        refund = Sale.objects.get()
        assert (refund.kind, refund.original_sale_id, refund.total) == ("refund", None, D("-0.90"))
        assert refund.lines.get().approved_by_id == manager.pk
    assert stock_level(register.store, rolls) == D("2")
    # A retried confirm (same refund id) does not return twice
    till.post("/register/returns/without-receipt/", {**data, **approval(manager, "2222")})
    with scopes_disabled():
        assert Sale.objects.count() == 1
    receipt = till.get(f"/register/receipt/{refund.pk}/", HTTP_ACCEPT_LANGUAGE="de")
    assert soup_of(receipt).select_one("[data-testid=receipt-kind]").text == "RÜCKGABE · ohne Beleg"


def test_exchange_with_receipt_needs_a_manager_and_takes_the_difference_in_cash(till, register, bakery, manager):
    # Given 2 rolls (0.90) bought in cash
    sale = _sell(till, "4000000000017", "4000000000017")
    rolls, coffee = _variant(bakery["rolls"]), _variant(bakery["coffee"])
    form = till.get(f"/register/returns/{sale.pk}/")
    field = _qty_field(form, rolls.sku)
    base = {
        "refund_id": _hidden(form, "refund_id"),
        "new_sale_id": _hidden(form, "new_sale_id"),
        "tender": "exchange",
        field: "2",
    }
    # When the cashier chooses "exchange" and scans a coffee
    picked = till.post(f"/register/returns/{sale.pk}/", {**base, "code": "4000000000024"}, HTTP_ACCEPT_LANGUAGE="en")
    assert soup_of(picked).select_one("[data-testid=exchange-new-total]").text == "2.80 €"
    assert soup_of(picked).select_one("[data-testid=exchange-difference]").text.split() == [
        "Customer",
        "pays",
        "in",
        "cash",
        "1.90",
        "€",
    ]
    data = {**base, "action": "confirm", "new_variant": str(coffee.pk), "new_qty": "1", "new_code": "4000000000024"}
    refused = till.post(f"/register/returns/{sale.pk}/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422
    with scopes_disabled():
        assert Sale.objects.count() == 1
    # With the manager's PIN: a return paid out as credit, and a new sale paid with it plus 1.90 cash
    done = till.post(f"/register/returns/{sale.pk}/", {**data, **approval(manager, "2222")}, HTTP_ACCEPT_LANGUAGE="en")
    assert done.status_code == 200
    assert soup_of(done).select_one("[data-testid=exchange-cash-taken]").text.split() == [
        "Take",
        "in",
        "cash",
        "1.90",
        "€",
    ]
    with scopes_disabled():
        refund = Sale.objects.get(kind="refund")
        new = Sale.objects.get(kind="sale", receipt_number=3)
        assert [(p.method, p.amount) for p in refund.payments.all()] == [("credit", D("-0.90"))]
        assert [(p.method, p.amount, p.reference) for p in new.payments.all()] == [
            ("credit", D("0.90"), str(refund.pk)),
            ("cash", D("1.90"), ""),
        ]
    assert stock_level(register.store, rolls) == D("0")
    assert stock_level(register.store, coffee) == D("-1")
