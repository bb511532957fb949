"""Promotions in ``price_cart``: each kind, which one wins, what never gets one, every cent adds up."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasse.sales.pricing import CartItem, ReturnedItem, VatCode, price_cart
from kasse.sales.promotion_step import Offer, OfferKind

D = Decimal
STANDARD, REDUCED = VatCode.current("standard"), VatCode.current("reduced")


def bread(price: str = "3.00", qty: int | str = 1, **kw: object) -> CartItem:
    return CartItem(D(price), D(qty), REDUCED, product_id=kw.pop("product", "bread"), category_id="bakery", **kw)  # type: ignore[arg-type]


def coffee(qty: int = 1, price: str = "2.80") -> CartItem:
    return CartItem(D(price), D(qty), STANDARD, product_id="coffee", category_id="drinks")


def test_percent_off_a_category_is_rounded_per_line():
    offer = Offer("o1", "Bread -50 %", OfferKind.PERCENT, category_ids=frozenset({"bakery"}), percent=D(50))
    priced = price_cart([bread("0.45", 3), coffee()], offers=[offer])
    first, second = priced.lines
    assert (first.amount, first.promotion_discount, first.total, first.promotion) == (
        D("1.35"),
        D("0.68"),
        D("0.67"),
        offer,
    )
    assert (second.promotion_discount, second.promotion) == (D(0), None)
    assert priced.total == D("3.47")
    assert priced.saved == priced.promotion_discount == D("0.68")


def test_amount_off_each_unit_and_per_kilogram_on_weighed_goods():
    offer = Offer("o1", "-0.50", OfferKind.AMOUNT, product_ids=frozenset({"bread"}), amount=D("0.50"))
    pieces, weighed = price_cart([bread("3.00", 2), bread("12.00", "0.250", product="bread")], offers=[offer]).lines
    assert pieces.promotion_discount == D("1.00")
    # 12.00 €/kg × 0.25 = 3.00; 0.50 €/kg × 0.25 = 0.125 → 0.13
    assert weighed.promotion_discount == D("0.13")


def test_an_amount_off_never_takes_more_than_the_line():
    offer = Offer("o1", "-5", OfferKind.AMOUNT, amount=D("5.00"))
    (line,) = price_cart([coffee()], offers=[offer]).lines
    assert (line.promotion_discount, line.total) == (D("2.80"), D("0.00"))


def test_buy_two_get_one_free_gives_the_cheapest_of_each_group_of_three():
    offer = Offer("o1", "3 for 2", OfferKind.BUY_X_GET_Y, category_ids=frozenset({"drinks"}), buy=2, get=1)
    cheap = CartItem(D("1.50"), D(2), STANDARD, product_id="tea", category_id="drinks")
    priced = price_cart([coffee(4, "2.80"), cheap], offers=[offer])
    # units dearest first: 2.80 ×4, 1.50 ×2 → groups (2.80, 2.80, 2.80) and (2.80, 1.50, 1.50)
    assert [line.promotion_discount for line in priced.lines] == [D("2.80"), D("1.50")]
    assert priced.total == D("14.20") - D("4.30")


def test_buy_one_get_one_half_price_and_an_incomplete_group_gets_nothing():
    offer = Offer("o1", "2nd half price", OfferKind.BUY_X_GET_Y, percent=D(50), buy=1, get=1)
    (line,) = price_cart([coffee(3)], offers=[offer]).lines
    assert line.promotion_discount == D("1.40")


def test_bundle_at_a_fixed_price_spreads_the_saving_over_its_units():
    offer = Offer("o1", "Coffee + croissant 3.50", OfferKind.BUNDLE, product_ids=frozenset({"coffee", "croissant"}),
                  amount=D("3.50"), bundle_size=2)  # fmt: skip
    croissant = CartItem(D("1.90"), D(1), REDUCED, product_id="croissant")
    priced = price_cart([coffee(), croissant], offers=[offer])
    # 2.80 + 1.90 = 4.70 → 3.50: 1.20 saved, 0.71 and 0.49 by largest remainder
    assert [line.promotion_discount for line in priced.lines] == [D("0.71"), D("0.49")]
    assert priced.total == D("3.50")


def test_a_bundle_that_would_cost_more_is_not_bundled():
    offer = Offer("o1", "2 for 5", OfferKind.BUNDLE, amount=D("5.00"), bundle_size=2)
    priced = price_cart([coffee(2, "2.40")], offers=[offer])
    assert priced.promotion_discount == D(0)


def test_each_line_gets_the_best_single_offer_and_ties_go_to_priority_then_id():
    small = Offer("a", "10 %", OfferKind.PERCENT, percent=D(10))
    big = Offer("b", "20 % bread", OfferKind.PERCENT, category_ids=frozenset({"bakery"}), percent=D(20))
    priced = price_cart([bread("5.00"), coffee()], offers=[small, big])
    assert [line.promotion.id for line in priced.lines if line.promotion] == ["b", "a"]
    assert [line.promotion_discount for line in priced.lines] == [D("1.00"), D("0.28")]
    same_a = Offer("z", "same", OfferKind.PERCENT, percent=D(10), priority=1)
    same_b = Offer("y", "same", OfferKind.PERCENT, percent=D(10))
    assert price_cart([coffee()], offers=[same_b, same_a]).lines[0].promotion.id == "z"
    same_c = Offer("x", "same", OfferKind.PERCENT, percent=D(10), priority=1)
    assert price_cart([coffee()], offers=[same_a, same_c]).lines[0].promotion.id == "x"


def test_an_offer_on_every_line_does_not_take_a_line_where_another_saves_more():
    # Bread −50 % saves 0.90 on the bread; a 10 % coupon on everything saves 0.18 + 0.84 = 1.02 in all. Summed
    # over its lines the coupon won the bread too (0.18 instead of 0.90 off it): entering the coupon made the
    # sale dearer than without it. Each line gets the offer that saves most on it, the coupon takes the coffee
    half = Offer("b", "Brot -50 %", OfferKind.PERCENT, category_ids=frozenset({"bakery"}), percent=D(50))
    coupon = Offer("c", "Sommer 10 %", OfferKind.PERCENT, percent=D(10), coupon="SOMMER10")
    priced = price_cart([bread("0.45", 4), coffee(3)], offers=[coupon, half])
    assert [(line.promotion.id, line.promotion_discount) for line in priced.lines] == [
        ("b", D("0.90")),
        ("c", D("0.84")),
    ]
    assert priced.total == D("0.90") + D("7.56")
    # an amount off each unit competes line by line the same way
    off = Offer("d", "0.30 off", OfferKind.AMOUNT, amount=D("0.30"))
    priced = price_cart([bread("0.50"), coffee()], offers=[off, half])
    assert [(line.promotion.id, line.promotion_discount) for line in priced.lines] == [
        ("d", D("0.30")),
        ("d", D("0.30")),
    ]
    priced = price_cart([bread("5.00"), coffee()], offers=[off, half])
    assert [(line.promotion.id, line.promotion_discount) for line in priced.lines] == [
        ("b", D("2.50")),
        ("d", D("0.30")),
    ]


def test_manual_discounts_overrides_and_returns_get_no_promotion_and_the_order_discount_comes_after():
    offer = Offer("o1", "50 %", OfferKind.PERCENT, percent=D(50))
    items = [
        CartItem(D("4.00"), D(1), STANDARD, discount_percent=D(10)),
        CartItem(D("4.00"), D(1), STANDARD, price=D("3.00")),
        CartItem(D("4.00"), D(-1), STANDARD),
        ReturnedItem(D("4.00"), D("4.00"), D(1), D("4.00"), D(1), STANDARD),
        CartItem(D("4.00"), D(1), STANDARD),
    ]
    priced = price_cart(items, offers=[offer], order_discount_amount=D("1.00"))
    assert [line.promotion_discount for line in priced.lines] == [D(0), D(0), D(0), D(0), D("2.00")]
    # the order discount is on 3.60 + 3.00 + 2.00 (lines after their discount and promotion)
    assert priced.subtotal == D("3.60") + D("3.00") - D("4.00") - D("4.00") + D("2.00")
    assert priced.lines[-1].total == D("2.00") - priced.lines[-1].order_discount_share


offers_st = st.lists(
    st.one_of(
        st.builds(
            lambda i, p: Offer(f"p{i}", "p", OfferKind.PERCENT, percent=D(p)),
            st.integers(0, 9),
            st.integers(0, 100),
        ),
        st.builds(
            lambda i, a: Offer(f"a{i}", "a", OfferKind.AMOUNT, amount=D(a) / 100),
            st.integers(0, 9),
            st.integers(0, 900),
        ),
        st.builds(
            lambda i, b, g: Offer(f"x{i}", "x", OfferKind.BUY_X_GET_Y, buy=b, get=g, category_ids=frozenset({"c1"})),
            st.integers(0, 9),
            st.integers(1, 3),
            st.integers(1, 2),
        ),
        st.builds(
            lambda i, n, a: Offer(f"b{i}", "b", OfferKind.BUNDLE, bundle_size=n, amount=D(a) / 100),
            st.integers(0, 9),
            st.integers(2, 4),
            st.integers(0, 1500),
        ),
    ),
    max_size=6,
    unique_by=lambda offer: offer.id,
)
items_st = st.lists(
    st.builds(
        lambda cents, q, cat: CartItem(D(cents) / 100, D(q), STANDARD, product_id=f"p{cents}", category_id=cat),
        st.integers(1, 2000),
        st.integers(1, 6),
        st.sampled_from(["c1", "c2"]),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(items=items_st, offers=offers_st, order_percent=st.one_of(st.none(), st.integers(0, 100)))
def test_every_cent_adds_up_with_promotions(items, offers, order_percent):
    priced = price_cart(
        items, offers=offers, order_discount_percent=None if order_percent is None else D(order_percent)
    )
    for line in priced.lines:
        assert D(0) <= line.promotion_discount <= line.amount
        # a line whose pieces were the ones paid for in a buy-X-get-Y group belongs to it at 0.00
        assert line.promotion is not None or line.promotion_discount == 0
        assert line.total == line.amount - line.line_discount - line.promotion_discount - line.order_discount_share
        assert line.total >= 0
    assert priced.total == sum(line.amount for line in priced.lines) - priced.saved
    assert sum(row.gross for row in priced.vat_rows) == priced.total
    # the same cart always gets the same promotions, whatever order they came in
    again = price_cart(
        items, offers=list(reversed(offers)),
        order_discount_percent=None if order_percent is None else D(order_percent),
    )  # fmt: skip
    assert [(line.promotion, line.promotion_discount) for line in again.lines] == [
        (line.promotion, line.promotion_discount) for line in priced.lines
    ]
