"""Points and stamps earned, redeemed and reversed with real sales and returns."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.loyalty.booking import Asked
from kasse.loyalty.models import EntryKind, LoyaltyEntry
from kasse.loyalty.selectors import points_balance, stamps_balance
from kasse.loyalty.services import adjust_points, save_program, save_stamp_card, save_tier
from kasse.loyalty.tests.conftest import sell, variant_of
from kasse.sales.models import Sale
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.errors import SaleError
from kasse.sales.services.refunds import RefundLineInput, refund_sale
from kasse.testing.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _kinds(customer):
    with scopes_disabled():
        return sorted((e.kind, e.points, e.stamps) for e in LoyaltyEntry.objects.filter(customer=customer))


def test_a_sale_with_a_customer_earns_a_point_per_whole_euro_once(register, cashier, shift, program, anna, coffee):
    sale = sell(register, cashier, anna, [(coffee, 3)])  # 8.40 €
    assert sale.total == D("8.40")
    with scopes_disabled():
        assert points_balance(anna.pk) == 8
        entry = LoyaltyEntry.objects.get(sale=sale)
    assert (entry.kind, entry.points, entry.basis, entry.key) == (EntryKind.EARNED, 8, D("8.40"), f"earn:{sale.pk}")


def test_completing_the_same_cart_twice_earns_once(register, cashier, shift, program, anna, coffee):
    cart = SaleInput(
        id=uuid7(),
        lines=[LineInput(variant_of(coffee).pk, D(1))],
        payments=[PaymentInput("cash", D("5.00"))],
        customer_id=anna.pk,
    )
    complete_sale(actor=Actor.system(), register=register, employee=cashier, cart=cart)
    complete_sale(actor=Actor.system(), register=register, employee=cashier, cart=cart)
    with scopes_disabled():
        assert LoyaltyEntry.objects.filter(customer=anna).count() == 1
        assert points_balance(anna.pk) == 2


def test_excluded_categories_and_rounding_rules(register, cashier, shift, organization, anna, coffee):
    tobacco = CategoryFactory(organization=organization, name="Tabak")
    cigarettes = ProductFactory(organization=organization, name="Zigaretten", price="8.00", category=tobacco)
    save_program(
        actor=Actor.system(),
        organization=organization,
        data={
            "is_active": True,
            "points_per_euro": D(2),
            "rounding": "half_up",
            "excluded_category_ids": [str(tobacco.pk)],
        },
    )
    sell(register, cashier, anna, [(coffee, 1), (cigarettes, 1)])  # 2.80 € earn, 8 € excluded: 5.6 → 6
    with scopes_disabled():
        assert points_balance(anna.pk) == 6


def test_a_tier_earns_at_its_own_rate(register, cashier, shift, organization, program, anna, coffee):
    save_tier(
        actor=Actor.system(), organization=organization, data={"name": "Gold", "threshold": 10, "points_per_euro": D(3)}
    )
    sell(register, cashier, anna, [(coffee, 4)])  # 11.20 €: 11 points at the base rate, now gold
    sell(register, cashier, anna, [(coffee, 1)])  # 2.80 € × 3 = 8.4 → 8
    with scopes_disabled():
        assert points_balance(anna.pk) == 19


def test_redeemed_points_are_a_discount_on_the_sale_and_a_ledger_entry(
    register, cashier, shift, program, anna, coffee, organization
):
    adjust_points(actor=Actor.system(), customer=anna, points=500, note="Willkommen")
    sale = sell(register, cashier, anna, [(coffee, 2)], redeem=Asked(points=300))  # 5.60 − 3.00
    assert (sale.total, sale.loyalty_discount, sale.order_discount) == (D("2.60"), D("3.00"), D("3.00"))
    with scopes_disabled():
        assert sum(line.order_discount_share for line in sale.lines.all()) == D("3.00")
        assert sale.vat_rows.get().gross == D("2.60")
        # 500 − 300 + 2 points earned on the 2.60 € paid
        assert points_balance(anna.pk) == 202


def test_redeeming_more_than_the_balance_is_refused_and_changes_nothing(
    register, cashier, shift, program, anna, coffee, settings
):
    adjust_points(actor=Actor.system(), customer=anna, points=50, note="Start")
    settings.LANGUAGE_CODE = "en"
    with pytest.raises(SaleError, match="Only 50 points are on this account; 80 cannot be redeemed."):
        sell(register, cashier, anna, [(coffee, 1)], redeem=Asked(points=80), pay="2.80")
    with scopes_disabled():
        assert Sale.objects.count() == 0
        assert points_balance(anna.pk) == 50


def test_the_refusal_is_translated(register, cashier, shift, program, anna, coffee):
    from django.utils import translation

    adjust_points(actor=Actor.system(), customer=anna, points=50, note="Start")
    with translation.override("de"), pytest.raises(SaleError, match="Auf diesem Konto sind nur 50 Punkte"):
        sell(register, cashier, anna, [(coffee, 1)], redeem=Asked(points=80), pay="2.80")


def test_points_worth_more_than_is_left_to_pay_are_refused(register, cashier, shift, program, anna, coffee):
    adjust_points(actor=Actor.system(), customer=anna, points=1000, note="Start")
    with pytest.raises(SaleError, match="at most 280 points can be redeemed"):
        sell(register, cashier, anna, [(coffee, 1)], redeem=Asked(points=300), pay="1.00")
    sale = sell(register, cashier, anna, [(coffee, 1)], redeem=Asked(points=280))
    assert sale.total == D("0.00")


def test_a_return_takes_back_the_points_of_what_came_back_and_gives_back_redeemed_ones(
    register, cashier, shift, program, anna, coffee, rolls
):
    adjust_points(actor=Actor.system(), customer=anna, points=100, note="Start")
    sale = sell(register, cashier, anna, [(coffee, 4), (rolls, 10)], redeem=Asked(points=100))  # 15.70 − 1.00
    with scopes_disabled():
        assert points_balance(anna.pk) == 14
        lines = list(sale.lines.all())
    for _ in range(4):
        refund_sale(
            actor=Actor.system(),
            register=register,
            employee=cashier,
            original=sale,
            lines=[RefundLineInput(lines[0].pk, D(1))],
            refund_id=uuid7(),
        )
    refund_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        original=sale,
        lines=[RefundLineInput(lines[1].pk, D(10))],
        refund_id=uuid7(),
    )
    with scopes_disabled():
        # everything came back: the 14 points earned are gone, the 100 redeemed are back
        assert points_balance(anna.pk) == 100
        kinds = {e.kind for e in LoyaltyEntry.objects.filter(customer=anna)}
    assert EntryKind.REVERSED in kinds


def test_every_tenth_coffee_is_free_with_a_stamp_card(register, cashier, shift, organization, anna, coffee):
    card = save_stamp_card(
        actor=Actor.system(),
        organization=organization,
        data={"name": "Kaffeekarte", "product": coffee, "stamps_needed": 10},
    )
    sell(register, cashier, anna, [(coffee, 6)])
    with pytest.raises(SaleError, match="not full yet"):
        sell(register, cashier, anna, [(coffee, 1)], redeem=Asked(stamp_cards=(card.pk,)), pay="2.80")
    with pytest.raises(SaleError, match="does not exist"):
        sell(register, cashier, anna, [(coffee, 1)], redeem=Asked(stamp_cards=(uuid7(),)), pay="2.80")
    sell(register, cashier, anna, [(coffee, 4)])
    with scopes_disabled():
        assert stamps_balance(anna.pk) == {card.pk: 10}
    sale = sell(register, cashier, anna, [(coffee, 2)], redeem=Asked(stamp_cards=(card.pk,)))
    assert (sale.total, sale.loyalty_discount) == (D("2.80"), D("2.80"))
    with scopes_disabled():
        assert stamps_balance(anna.pk) == {card.pk: 1}  # the paid one earns a stamp, the free one none
