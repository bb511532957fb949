"""The money and VAT core: exact examples and property-based invariants."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kasse.core.money import (
    MoneyError,
    allocate,
    line_gross,
    parse_money,
    round_money,
    to_decimal,
    vat_from_gross,
)

D = Decimal

cents = st.integers(min_value=0, max_value=10_000_000).map(lambda c: D(c) / 100)
signed_cents = st.integers(min_value=-10_000_000, max_value=10_000_000).map(lambda c: D(c) / 100)


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2,99", "2.99"),
        ("2.99", "2.99"),
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("2,99 €", "2.99"),
        ("EUR 10", "10.00"),
        (" 0,5 ", "0.50"),
    ],
)
def test_parse_money_understands_german_and_english_input(text, expected):
    assert parse_money(text) == D(expected)


@pytest.mark.parametrize("text", ["", "abc", "1,999", "2.999", "--1"])
def test_parse_money_rejects_garbage_and_sub_cent_amounts(text):
    with pytest.raises(MoneyError):
        parse_money(text)


def test_weighed_item_line_total():
    # 0.347 kg cheese at 24.90 €/kg = 8.6403 → 8.64
    assert line_gross(D("24.90"), D("0.347")) == D("8.64")


def test_allocation_example_spreads_leftover_cents_to_largest_remainders():
    assert allocate(D("1.00"), [D(1), D(1), D(1)]) == [D("0.34"), D("0.33"), D("0.33")]
    assert allocate(D("-0.05"), [D(3), D(1)]) == [D("-0.04"), D("-0.01")]


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


def test_vat_contained_in_a_gross_amount():
    # 2.80 at 19 %: 2.80 × 19 / 119 = 0.447 → 0.45; the zero rate has no VAT
    assert vat_from_gross(D("2.80"), D("19")) == D("0.45")
    assert vat_from_gross(D("1.35"), D("7")) == D("0.09")
    assert vat_from_gross(D("5.00"), D("0")) == D("0.00")
