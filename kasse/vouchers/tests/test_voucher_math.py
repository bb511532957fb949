"""Gift-card math under partial redemption and any sequence of partial returns, over random carts
(hypothesis): the card never gets back more than it paid, money never more than was paid, every euro of
goods returned goes back exactly once, and all of it once everything came back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.sales.models import SaleKind, SaleLine
from kasse.sales.services.refunds import RefundLineInput, refund_sale
from kasse.sales.services.shifts import open_shift
from kasse.testing.factories import ProductFactory, RegisterFactory
from kasse.vouchers.models import Voucher
from kasse.vouchers.selectors import balance_of
from kasse.vouchers.services import create_voucher_type
from kasse.vouchers.tests.conftest import sell

D = Decimal
PRICES = (("2.80", "standard"), ("0.45", "reduced"), ("9.99", "standard"))


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    quantities=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    card_cents=st.integers(1, 5000),
    share=st.integers(1, 100),  # percent of what the card could pay that it does pay
    returns=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 4)), max_size=5),
    finish=st.booleans(),
)
def test_a_gift_card_never_gets_back_more_than_it_paid_and_all_of_it_once_everything_came_back(
    organization, store, cashier, quantities, card_cents, share, returns, finish
):
    with transaction.atomic():
        register = RegisterFactory(store=store, organization=organization)
        open_shift(actor=Actor.system(), register=register, employee=cashier, count={"50": 2})
        card_type = create_voucher_type(
            actor=Actor.system(), organization=organization, name="Karte", single_purpose=False
        )
        products = [ProductFactory(organization=organization, price=p, vat_class=v) for p, v in PRICES]
        value = D(card_cents) / 100
        with scopes_disabled():
            sell(register, cashier, cards=[(card_type, "PROPCARD01", str(value))])
            goods = [(products[i], q) for i, q in enumerate(quantities)]
            due = sum((D(PRICES[i][0]) * q for i, q in enumerate(quantities)), D(0))
            redeemed = max(min(value, due) * share // 100, D("0.01"))
            sale = sell(register, cashier, goods, paid_with=[("PROPCARD01", str(redeemed))])
            voucher = Voucher.objects.get(code="PROPCARD01")
            assert balance_of(voucher) == value - redeemed
            money_paid = sale.total
            assert money_paid == due - redeemed
            lines = list(sale.lines.filter(variant__product__is_voucher=False).order_by("position"))
            plan = [(lines[i % len(lines)], q) for i, q in returns]
            if finish:
                plan += [(line, line.quantity) for line in lines]
            goods_back = card_back = money_back = D(0)
            for line, wanted in plan:
                left = line.quantity + (
                    SaleLine.objects.filter(original_line=line).aggregate(q=Sum("quantity"))["q"] or D(0)
                )
                quantity = min(D(wanted), left)
                if quantity <= 0:
                    continue
                refund = refund_sale(
                    actor=Actor.system(),
                    register=register,
                    employee=cashier,
                    original=sale,
                    lines=[RefundLineInput(line.pk, quantity)],
                    refund_id=uuid7(),
                )
                assert refund.kind == SaleKind.REFUND
                returned_goods = -sum(
                    (ln.total for ln in refund.lines.all() if not ln.variant.product.is_voucher), D(0)
                )
                given = sum((ln.total for ln in refund.lines.all() if ln.variant.product.is_voucher), D(0))
                paid_back = -sum((p.amount for p in refund.payments.all()), D(0))
                assert given >= 0
                assert paid_back >= 0
                assert given + paid_back == returned_goods  # every euro back once, to the card or as money
                goods_back += returned_goods
                card_back += given
                money_back += paid_back
                assert card_back <= redeemed  # never more onto the card than it paid
                assert money_back <= money_paid  # never more money than was paid
                assert balance_of(voucher) == value - redeemed + card_back
            if finish:
                assert goods_back == due
                assert card_back == redeemed
                assert money_back == money_paid
                assert balance_of(voucher) == value
        transaction.set_rollback(True)
