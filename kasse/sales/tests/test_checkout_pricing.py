"""complete_sale charges and stores what ``price_cart`` says, also where its old copy disagreed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.catalog.models import StorePrice
from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, cart_total, complete_sale
from kasse.sales.services.errors import SaleError
from kasse.sales.services.rules import Approval
from kasse.testing.factories import StoreFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _variant(product):
    with scopes_disabled():
        return product.variants.get()


def test_the_store_price_is_charged_and_kept_as_the_list_price(register, cashier, shift, coffee, organization):
    with scopes_disabled():
        StorePrice.objects.create(
            organization=organization, store=register.store, variant=_variant(coffee), price=D("3.15")
        )
        StorePrice.objects.create(
            organization=organization,
            store=StoreFactory(organization=organization),
            variant=_variant(coffee),
            price=D("2.50"),
        )
    cart = SaleInput(id=uuid7(), lines=[LineInput(_variant(coffee).pk, D(2))], payments=[])
    assert cart_total(register, cart) == D("6.30")
    cart.payments = [PaymentInput("cash", D("6.30"))]
    sale = complete_sale(actor=Actor.system(), register=register, employee=cashier, cart=cart)
    line = sale.lines.get()
    assert (line.list_price, line.unit_price, line.total, sale.total) == (D("3.15"), D("3.15"), D("6.30"), D("6.30"))


def test_a_discount_larger_than_what_it_is_on_is_charged_as_the_cart_showed_it(
    register, cashier, manager, shift, rolls, coffee
):
    # The cart capped such a discount (the line free, the order at zero) while complete_sale refused the
    # sale ("A discount must not be negative or larger than the amount."). Now both price it the same.
    cart = SaleInput(
        id=uuid7(),
        lines=[LineInput(_variant(rolls).pk, D(1), discount_amount=D("2.00")), LineInput(_variant(coffee).pk, D(1))],
        payments=[],
        order_discount_amount=D("5.00"),
    )
    assert cart_total(register, cart) == D("0.00")
    sale = complete_sale(actor=Actor.system(), register=register, employee=cashier, cart=cart, approver=manager)
    assert [(ln.line_discount, ln.order_discount_share, ln.total) for ln in sale.lines.all()] == [
        (D("0.45"), D("0.00"), D("0.00")),
        (D("0.00"), D("2.80"), D("0.00")),
    ]
    assert (sale.subtotal, sale.order_discount, sale.total) == (D("2.80"), D("2.80"), D("0.00"))


def test_a_capped_discount_still_needs_a_manager_who_approved_that_much(register, cashier, manager, shift, coffee):
    # Approved: 0.20 off 2.80. The price went down to 0.10 since; the 0.20 would take the whole line.
    approval = Approval(manager, price=D("0.10"), discount_amount=D("0.20"), discount_base=D("2.80"))
    cart = SaleInput(
        id=uuid7(),
        lines=[
            LineInput(_variant(coffee).pk, D(1), unit_price=D("0.10"), discount_amount=D("0.20"), approval=approval)
        ],
        payments=[],
    )
    with pytest.raises(SaleError, match="changed after a manager approved"):
        complete_sale(actor=Actor.system(), register=register, employee=cashier, cart=cart)
