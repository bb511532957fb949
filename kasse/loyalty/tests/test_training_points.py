"""A training receipt (training mode, docs/fiscal.md item 6) earns no points, and its return takes none back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.loyalty.models import LoyaltyEntry
from kasse.loyalty.selectors import points_balance
from kasse.loyalty.tests.conftest import variant_of
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.refunds import RefundLineInput, refund_sale

pytestmark = pytest.mark.django_db
D = Decimal


def test_a_training_sale_and_its_return_book_no_points(register, cashier, shift, program, anna, coffee):
    sale = complete_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        cart=SaleInput(
            id=uuid7(),
            lines=[LineInput(variant_of(coffee).pk, D(3))],
            payments=[PaymentInput("card", D("8.40"))],
            customer_id=anna.pk,
            training=True,
        ),
    )
    assert sale.is_training
    with scopes_disabled():
        line = sale.lines.get()
    refund = refund_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        original=sale,
        lines=[RefundLineInput(line.pk, D(1))],
        refund_id=uuid7(),
    )
    assert refund.is_training
    with scopes_disabled():
        assert points_balance(anna.pk) == 0
        assert not LoyaltyEntry.objects.filter(customer=anna).exists()
