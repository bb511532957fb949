"""The money and VAT core: exact examples and property-based invariants."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kasse.core.money import (
    MoneyError,
    PricedLine,
    VatLine,
    allocate,
    line_gross,
    parse_money,
    receipt_totals,
    round_money,
    to_decimal,
    vat_breakdown,
    vat_from_gross,
)

D = Decimal
RATES = [D("19"), D("7"), D("0")]

cents = st.integers(min_value=0, max_value=10_000_000).map(lambda c: D(c) / 100)
signed_cents = st.integers(min_value=-10_000_000, max_value=10_000_000).map(lambda c: D(c) / 100)
quantities = st.integers(min_value=1, max_value=50_000).map(lambda q: D(q) / 1000)
rates = st.sampled_from(RATES)


def test_rounding_is_commercial_half_up():
    assert round_money("0.005") == D("0.01")
    assert round_money("0.015") == D("0.02")
    assert round_money("-0.005") == D("-0.01")
    assert round_money("2.344") == D("2.34")


def test_floats_are_refused():
    with pytest.raises(MoneyError):
        to_decimal(0.1)
    with pytest.raises(MoneyError):
        to_decimal(True)
    with pytest.raises(MoneyError):
        to_decimal("NaN")


@pytest.mark.parametrize(("text", "expected"), [
    ("2,99", "2.99"), ("2.99", "2.99"), ("1.234,50", "1234.50"), ("1,234.50", "1234.50"),
    ("2,99 €", "2.99"), ("EUR 10", "10.00"), (" 0,5 ", "0.50"),
])
def test_parse_money_understands_german_and_english_input(text, expected):
    assert parse_money(text) == D(expected)


@pytest.mark.parametrize("text", ["", "abc", "1,999", "2.999", "--1"])
def test_parse_money_rejects_garbage_and_sub_cent_amounts(text):
    with pytest.raises(MoneyError):
        parse_money(text)


def test_vat_of_a_german_receipt():
    # 3 Brötchen at 0.45 (7 %) and a coffee at 2.80 (19 %)
    rows = vat_breakdown([VatLine(D("7"), line_gross(D("0.45"), D(3))), VatLine(D("19"), D("2.80"))])
    assert [(r.rate, r.gross, r.net, r.vat) for r in rows] == [
        (D("19"), D("2.80"), D("2.35"), D("0.45")),
        (D("7"), D("1.35"), D("1.26"), D("0.09")),
    ]


def test_weighed_item_line_total():
    # 0.347 kg cheese at 24.90 €/kg = 8.6403 → 8.64
    assert line_gross(D("24.90"), D("0.347")) == D("8.64")


def test_allocation_example_spreads_leftover_cents_to_largest_remainders():
    assert allocate(D("1.00"), [D(1), D(1), D(1)]) == [D("0.34"), D("0.33"), D("0.33")]
    assert allocate(D("-0.05"), [D(3), D(1)]) == [D("-0.04"), D("-0.01")]


def test_order_discount_is_spread_proportionally_and_keeps_each_lines_rate():
    lines = [PricedLine(D("10.00"), D(1), D("19")), PricedLine(D("5.00"), D(2), D("7"))]
    totals = receipt_totals(lines, order_discount=D("2.00"))
    assert totals.order_discount_shares == [D("1.00"), D("1.00")]
    assert totals.line_totals == [D("9.00"), D("9.00")]
    assert totals.total == D("18.00")
    assert {r.rate: r.vat for r in totals.vat_rows} == {D("19"): D("1.44"), D("7"): D("0.59")}


def test_discount_larger_than_the_receipt_is_refused():
    with pytest.raises(MoneyError):
        receipt_totals([PricedLine(D("1.00"), D(1), D("7"))], order_discount=D("1.01"))
    with pytest.raises(MoneyError):
        receipt_totals([PricedLine(D("1.00"), D(1), D("7"))], order_discount=D("-1"))


@given(amount=signed_cents, weights=st.lists(cents, min_size=1, max_size=30))
def test_allocation_never_loses_or_invents_a_cent(amount, weights):
    parts = allocate(amount, weights)
    assert sum(parts, D(0)) == amount
    assert all(p == p.quantize(D("0.01")) for p in parts)
    assert len(parts) == len(weights)


@given(amount=cents, weights=st.lists(cents.filter(lambda w: w > 0), min_size=1, max_size=30))
def test_allocation_shares_are_within_a_cent_of_exact_proportion(amount, weights):
    parts = allocate(amount, weights)
    total = sum(weights, D(0))
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - amount * weight / total) < D("0.01")


@given(lines=st.lists(st.tuples(rates, cents), min_size=1, max_size=40))
def test_per_rate_net_plus_vat_equals_gross_to_the_cent(lines):
    rows = vat_breakdown(VatLine(rate, gross) for rate, gross in lines)
    for row in rows:
        assert row.net + row.vat == row.gross
        assert row.vat == vat_from_gross(row.gross, row.rate)
    assert sum((r.gross for r in rows), D(0)) == sum((g for _r, g in lines), D(0))


@given(
    lines=st.lists(st.tuples(cents, quantities, rates), min_size=1, max_size=25),
    discount_fraction=st.integers(min_value=0, max_value=100),
)
def test_receipt_total_is_lines_minus_discount_and_vat_rows_add_up(lines, discount_fraction):
    priced = [PricedLine(price, qty, rate) for price, qty, rate in lines]
    subtotal = sum((p.gross for p in priced), D(0))
    discount = round_money(subtotal * discount_fraction / 100)
    totals = receipt_totals(priced, order_discount=discount)
    assert totals.total == subtotal - discount
    assert sum(totals.line_totals, D(0)) == totals.total
    assert sum((r.gross for r in totals.vat_rows), D(0)) == totals.total
    assert totals.net + totals.vat == totals.total
    assert all(t >= 0 for t in totals.line_totals)
