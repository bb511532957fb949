"""Manager approvals are per line and per order discount, and cover only what was approved.

One approval on one line covers no other line; lowering a quantity or a catalog price never
turns an approved discount into a larger one; ``complete_sale`` checks every approval again.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from django_scopes import scope, scopes_disabled

from kasse.catalog.models import Variant
from kasse.core.actors import Actor
from kasse.register.models import Cart
from kasse.register.services import cart as carts
from kasse.sales.models import Sale
from kasse.sales.services.checkout import PaymentInput
from kasse.sales.services.errors import SaleError

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def counter(till, register, cashier, organization):
    """The register's cart, in the organization's scope, messages in English."""
    with scope(organization=organization), translation.override("en"):
        yield carts.active_cart(register, cashier)


def _variant(product):
    with scopes_disabled():  # fresh from the database (the factory's product holds its price as text)
        return Variant.objects.select_related("product").get(product_id=product.pk)


def _line(cart, product, quantity):
    return carts.add_variant(cart=cart, variant=_variant(product), quantity=D(quantity))


def _pay(cart, cashier):
    return carts.checkout_cart(
        actor=Actor.for_employee(cashier),
        cart=Cart.objects.get(pk=cart.pk),
        employee=cashier,
        payments=[PaymentInput("cash", D("500"))],
    )


def _reprice(product, price):
    with scopes_disabled():
        type(product).objects.filter(pk=product.pk).update(price=D(price))


def test_an_approval_on_one_line_does_not_cover_another(counter, bakery, cashier, manager):
    rolls = _line(counter, bakery["rolls"], 10)
    carts.set_line_discount(line=rolls, employee=cashier, approver=manager, percent=D(50))
    coffee = _line(counter, bakery["coffee"], 10)  # 28.00
    carts.set_line_discount(line=coffee, employee=cashier, amount=D("2.80"))  # 10 %: no manager needed
    _reprice(bakery["coffee"], "1.00")  # now 2.80 off 10.00: 28 %, which nobody approved
    with pytest.raises(SaleError) as refused:
        _pay(counter, cashier)
    assert refused.value.messages == ["A manager must approve this price change or discount."]
    assert not Sale.objects.exists()


def test_lowering_a_quantity_cannot_turn_an_approved_discount_into_a_larger_one(counter, bakery, cashier, manager):
    coffee = _line(counter, bakery["coffee"], 10)  # 28.00
    carts.set_line_discount(line=coffee, employee=cashier, approver=manager, amount=D("5.00"))  # 17.9 %, approved
    with pytest.raises(SaleError) as refused:
        carts.set_quantity(line=coffee, quantity=D(2))  # 5.00 off 5.60 would be 89 %
    assert refused.value.messages == [
        "With this quantity the discount on “Kaffee” would be larger than a manager approved. "
        "Please change the discount first."
    ]
    coffee.refresh_from_db()
    assert coffee.quantity == D(10)


def test_checkout_checks_each_approval_again(counter, bakery, cashier, manager):
    coffee = _line(counter, bakery["coffee"], 10)  # 28.00
    carts.set_line_discount(line=coffee, employee=cashier, approver=manager, amount=D("5.00"))  # 17.9 %, approved
    _reprice(bakery["coffee"], "0.80")  # 5.00 off 8.00: 62.5 %
    with pytest.raises(SaleError) as refused:
        _pay(counter, cashier)
    assert refused.value.messages == [
        "“Kaffee” changed after a manager approved its price or discount. A manager must approve it again."
    ]
    assert not Sale.objects.exists()


def test_an_order_discount_approval_does_not_grow_when_lines_are_removed(counter, bakery, cashier, manager):
    coffee = _line(counter, bakery["coffee"], 10)  # 28.00
    _line(counter, bakery["rolls"], 2)  # 0.90
    carts.set_order_discount(cart=counter, employee=cashier, approver=manager, amount=D("5.00"))  # 17.3 %
    carts.void_line(actor=Actor.for_employee(cashier), line=coffee)
    _line(counter, bakery["rolls"], 20)  # 9.90 in all: 5.00 off is 50.5 %
    with pytest.raises(SaleError) as refused:
        _pay(counter, cashier)
    assert refused.value.messages == [
        "The cart changed after a manager approved the discount on the whole sale. A manager must approve it again."
    ]
    assert not Sale.objects.exists()


def test_an_approved_percentage_stays_approved_and_each_line_names_its_approver(counter, bakery, cashier, manager):
    rolls = _line(counter, bakery["rolls"], 10)
    carts.set_line_discount(line=rolls, employee=cashier, approver=manager, percent=D(50))
    carts.set_quantity(line=rolls, quantity=D(4))  # still 50 %
    coffee = _line(counter, bakery["coffee"], 1)
    carts.override_price(line=coffee, employee=cashier, approver=manager, price=D("2.00"))
    _line(counter, bakery["cheese"], "0.250")
    sale = _pay(counter, cashier)
    assert [(line.product_name, line.total, line.approved_by_id) for line in sale.lines.order_by("position")] == [
        ("Brötchen", D("0.90"), manager.pk),
        ("Kaffee", D("2.00"), manager.pk),
        ("Bergkäse", D("6.23"), None),
    ]
