"""The arithmetic of points under returns and redemption, proven over random carts (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kasse.loyalty.booking import LineFacts, ReturnedFacts, _before_order_discounts, _paid, _taken_back
from kasse.loyalty.points import points_for, redemption_value, reversal
from kasse.sales.pricing import CartItem, Redemption, VatCode, price_cart

D = Decimal
money = st.decimals(min_value=D("0.01"), max_value=D("200"), places=2)


@given(
    lines=st.lists(st.tuples(money, st.integers(1, 5)), min_size=1, max_size=5),
    returns=st.lists(st.tuples(st.integers(0, 4), st.integers(1, 5)), max_size=12),
    rate=st.sampled_from([D(1), D(2), D("0.5")]),
    rounding=st.sampled_from(["down", "half_up", "up"]),
)
@settings(max_examples=200, deadline=None)
def test_returns_never_take_back_more_points_than_were_earned_and_all_of_them_once_everything_came_back(
    lines, returns, rate, rounding
):
    facts = [LineFacts(None, None, D(q), total / q, total) for total, q in lines]
    basis = sum((f.total for f in facts), D(0))
    earned = points_for(basis, rate, rounding)
    returned = [D(0)] * len(facts)
    taken = 0
    for index, quantity in [*returns, *((i, 99) for i in range(len(facts)))]:  # then the rest comes back
        index %= len(facts)
        now = min(D(quantity), facts[index].quantity - returned[index])
        if now <= 0:
            continue
        state = [ReturnedFacts(f, returned[i], now if i == index else D(0)) for i, f in enumerate(facts)]
        back = _taken_back(earned, state, _paid, basis)
        assert back >= 0
        taken += back
        assert taken <= earned
        returned[index] += now
    assert taken == earned
    whole = sum((_before_order_discounts(f) for f in facts), D(0))
    assert _taken_back(7, [ReturnedFacts(f, D(0), f.quantity) for f in facts], _before_order_discounts, whole) == 7


@given(total=st.integers(0, 1000), steps=st.lists(money, max_size=8), whole=money)
def test_the_reversal_of_a_sequence_of_returns_adds_up_to_at_most_the_total(total, steps, whole):
    before, given_back = D(0), 0
    for step in steps:
        given_back += reversal(total, before, step, whole)
        before += step
        assert 0 <= given_back <= total
    if before >= whole:
        assert given_back == total


@given(
    amounts=st.lists(st.tuples(money, st.sampled_from(["standard", "reduced"])), min_size=1, max_size=6),
    points=st.integers(0, 100_000),
    free=st.lists(st.integers(0, 5), max_size=2),
    order_discount=st.one_of(st.none(), st.decimals(min_value=D(0), max_value=D(50), places=2)),
)
@settings(max_examples=200, deadline=None)
def test_redemption_takes_off_exactly_what_it_says_never_more_than_the_cart_and_every_cent_adds_up(
    amounts, points, free, order_discount
):
    items = [CartItem(amount, D(1), VatCode.current(vat)) for amount, vat in amounts]
    value = redemption_value(points, D("0.01"))
    free_units = tuple((i % len(items), items[i % len(items)].list_price) for i in free)
    before = price_cart(items, order_discount_amount=order_discount)
    priced = price_cart(items, order_discount_amount=order_discount, redemption=Redemption(value, free_units))
    assert priced.loyalty_discount == before.total - priced.total
    assert priced.loyalty_discount <= before.total
    assert priced.total >= 0
    assert all(line.total >= 0 for line in priced.lines)
    assert sum((line.order_discount_share for line in priced.lines), D(0)) == priced.order_discount
    assert priced.order_discount == before.order_discount + priced.loyalty_discount
    assert sum((row.gross for row in priced.vat_rows), D(0)) == priced.total
    if value + sum((v for _i, v in free_units), D(0)) <= before.total and not free_units:
        assert priced.loyalty_discount == value
