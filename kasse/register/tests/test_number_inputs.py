"""Every number the register takes — quantities, weights, percentages, prices, discounts, payments,
cash in/out, a float count, label copies, report paging — refuses what is not a number with a
clear message (422) and changes nothing; never a 500. One parser: ``kasse/register/inputs.py``.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasse.register.inputs import parse_amount, parse_page, parse_quantity
from kasse.register.models import Cart, CartLine
from kasse.sales.models import CashMovement, Sale, Shift

pytestmark = pytest.mark.django_db

NOT_NUMBERS = [
    "NaN",
    "nan",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "1e30",
    "1e309",
    "-1e309",
    "1e-400",
    "1E2",
    "0x10",
    "1_000",
    "٣",
    "١٢٫٥",
    "३",
    "３",
    "１２",
    "²",
    "½",
    "Ⅻ",
    "1,2,3",
    "1..2",
    "--1",
    "+-1",
    " ",
    "€",
    ".",
    ",",
    "e",
    "null",
    "true",
    "[]",
    "12abc",
    "1\x002",
    "9" * 30,
    "9" * 5000,
    "0,0001",
    "0.0001",
    "123456789012",
    "-5",
    "-0,5",
]


@pytest.fixture
def counter(till, bakery, register, cashier):
    """A till with one roll in the cart, a paid receipt to return, and what each form posts to."""
    till.raise_request_exception = False
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    paid = till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": "5"}])})
    assert paid.status_code == 200
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    with scopes_disabled():
        sale = Sale.objects.get()
        sold_line = sale.lines.get()
        line = CartLine.objects.get()
        rolls, cheese = (bakery[name].variants.get() for name in ("rolls", "cheese"))
    refund_id = "7f1c4d2e-0000-4000-8000-000000000001"
    return {
        "add_piece": ("/register/cart/add/", lambda v: {"variant": str(rolls.pk), "quantity": v}),
        "add_weight": ("/register/cart/add/", lambda v: {"variant": str(cheese.pk), "quantity": v}),
        "line_quantity": (f"/register/cart/line/{line.pk}/quantity/", lambda v: {"quantity": v}),
        "line_percent": (f"/register/cart/line/{line.pk}/discount/", lambda v: {"percent": v}),
        "line_amount": (f"/register/cart/line/{line.pk}/discount/", lambda v: {"amount": v}),
        "line_price": (f"/register/cart/line/{line.pk}/price/", lambda v: {"price": v}),
        "order_percent": ("/register/cart/discount/", lambda v: {"percent": v}),
        "order_amount": ("/register/cart/discount/", lambda v: {"amount": v}),
        "payment": ("/register/cart/pay/", lambda v: {"payments": json.dumps([{"method": "cash", "amount": v}])}),
        "cash_in": ("/register/shift/cash/", lambda v: {"kind": "pay_in", "amount": v, "reason": "Wechselgeld"}),
        "cash_out": ("/register/shift/cash/", lambda v: {"kind": "pay_out", "amount": v, "reason": "Einkauf"}),
        "float_count": ("/register/shift/close/", lambda v: {"step": "review", "d-20": v}),
        "return_quantity": (
            f"/register/returns/{sale.pk}/",
            lambda v: {"action": "confirm", "tender": "cash", "refund_id": refund_id, f"qty_{sold_line.pk}": v},
        ),
    }


def _state():
    with scopes_disabled():
        return (
            sorted(
                (str(ln.variant_id), ln.quantity, ln.unit_price, ln.discount_percent, ln.discount_amount)
                for ln in CartLine.objects.all()
            ),
            sorted((c.status, c.order_discount_percent, c.order_discount_amount) for c in Cart.objects.all()),
            Sale.objects.count(),
            CashMovement.objects.count(),
            list(Shift.objects.values_list("status", flat=True)),
        )


FORMS = [
    "add_piece",
    "add_weight",
    "line_quantity",
    "line_percent",
    "line_amount",
    "line_price",
    "order_percent",
    "order_amount",
    "payment",
    "cash_in",
    "cash_out",
    "float_count",
    "return_quantity",
]


def _refused_and_unchanged(till, forms, value, before):
    """Every form of ``forms`` refuses ``value`` (422) and the state is still ``before``: every refusal leaves it
    as it was, so one snapshot serves each form and each value in turn."""
    for name, (url, form) in forms.items():
        if name == "float_count" and not value.strip():
            continue  # a denomination left empty is simply not counted
        response = till.post(url, form(value), HTTP_ACCEPT_LANGUAGE="de")
        assert response.status_code == 422, (name, value, response.status_code)
        assert _state() == before, (name, value)


def _pages(till, value):
    paging = till.get("/register/shift/reports/", {"before": value})
    assert paging.status_code == 200, (value, paging.status_code)


def test_the_matrix_covers_every_form(counter):
    assert list(counter) == FORMS


@pytest.mark.slow
@pytest.mark.parametrize("name", FORMS)
def test_what_is_not_a_number_is_refused_by_every_form_and_changes_nothing(till, counter, name):
    """One form, every value of ``NOT_NUMBERS`` on one till (a till, a cart and a paid receipt per form, not per
    form and value: the refusals change nothing, which is what each step asserts)."""
    before = _state()
    for value in NOT_NUMBERS:
        _refused_and_unchanged(till, {name: counter[name]}, value, before)


def test_report_paging_by_what_is_not_a_number_shows_a_page(till, counter):
    for value in NOT_NUMBERS:
        _pages(till, value)


def _with_poison(parts):
    head, poison, tail = parts
    return head + poison + tail


_DIGITS = "0123456789.,"
# A character that makes any typed value a non-number: letters, other scripts' digits, symbols.
_POISON = st.characters(min_codepoint=0x21, codec="utf-8").filter(
    lambda c: not c.isspace() and c not in _DIGITS + "+-€" and c not in "EUR"
)
_BAD = st.one_of(
    st.sampled_from(NOT_NUMBERS),
    st.tuples(st.text(_DIGITS, max_size=6), _POISON, st.text(_DIGITS, max_size=6)).map(_with_poison),
    st.tuples(st.integers(0, 9999), st.integers(1, 9999).filter(lambda f: f % 10)).map(
        lambda p: f"{p[0]},{p[1]:04d}"
    ),  # four decimal places: more than any field takes
    st.integers(10**7, 10**40).map(str),  # larger than any quantity, percentage, amount or count
    st.integers(10**7, 10**40).map(lambda n: f"{n:,}".replace(",", ".")),
)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_BAD)
def test_fuzzed_number_inputs_never_answer_5xx_and_change_nothing(till, counter, value):
    _refused_and_unchanged(till, counter, value, _state())
    _pages(till, value)


def _error(response):
    return BeautifulSoup(response.content, "html.parser").select_one("[data-testid=cart-error]").text


@pytest.mark.parametrize("quantity", ["0,0001", "0.0001", "1e-400", "0,5"])
def test_a_fraction_of_a_piece_product_is_refused(till, bakery, quantity):
    with scopes_disabled():
        rolls = bakery["rolls"].variants.get()
    response = till.post(
        "/register/cart/add/", {"variant": str(rolls.pk), "quantity": quantity}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    with scopes_disabled():
        assert not CartLine.objects.exists()


def test_measured_goods_take_three_decimal_places_and_more_than_zero(till, bakery):
    with scopes_disabled():
        cheese = bakery["cheese"].variants.get()
    refused = till.post(
        "/register/cart/add/", {"variant": str(cheese.pk), "quantity": "0,0004"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert _error(refused) == "Please enter a quantity such as 2 or 0,250 (at most three decimal places)."
    zero = till.post("/register/cart/add/", {"variant": str(cheese.pk), "quantity": "0,000"}, HTTP_ACCEPT_LANGUAGE="en")
    assert _error(zero) == "“Bergkäse”: the quantity must be greater than zero."
    added = till.post("/register/cart/add/", {"variant": str(cheese.pk), "quantity": "0,001"})
    assert added.status_code == 200
    with scopes_disabled():
        assert list(CartLine.objects.values_list("quantity", flat=True)) == [Decimal("0.001")]


def test_refusals_are_translated(till, bakery):
    with scopes_disabled():
        rolls = bakery["rolls"].variants.get()
    german = till.post("/register/cart/add/", {"variant": str(rolls.pk), "quantity": "NaN"}, HTTP_ACCEPT_LANGUAGE="de")
    assert _error(german) == "Bitte eine Menge wie 2 oder 0,250 eingeben (höchstens drei Nachkommastellen)."
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    with scopes_disabled():
        line = CartLine.objects.get()
    price = till.post(f"/register/cart/line/{line.pk}/price/", {"price": "1.000.000,00"}, HTTP_ACCEPT_LANGUAGE="de")
    assert _error(price) == "Beträge über 999.999,99 € sind an der Kasse nicht möglich."
    english = till.post(f"/register/cart/line/{line.pk}/price/", {"price": "1,000,000.00"}, HTTP_ACCEPT_LANGUAGE="en")
    assert _error(english) == "Amounts above 999,999.99 € are not possible at the register."


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("20", "20.00"),
        ("2,99", "2.99"),
        ("2.99", "2.99"),
        ("1.234,50 €", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1 234,50", "1234.50"),
        ("999.999,99", "999999.99"),
        ("-5", "-5.00"),
        ("12EUR", "12.00"),
    ],
)
def test_amounts_in_german_and_english_notation_are_read(typed, amount):
    assert parse_amount(typed) == Decimal(amount)


@pytest.mark.parametrize(
    ("typed", "quantity"), [("2", "2"), ("0,250", "0.250"), ("1.5", "1.5"), (",5", "0.5"), ("-1", "-1"), ("0", "0")]
)
def test_quantities_are_read_with_comma_or_point(typed, quantity):
    assert parse_quantity(typed) == Decimal(quantity)


def test_page_markers_that_are_not_page_numbers_mean_the_first_page():
    assert [parse_page(v) for v in ("120", "0", "-3", "²", "٣", "9" * 5000, "")] == [
        120,
        None,
        None,
        None,
        None,
        None,
        None,
    ]
