from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.loyalty.services import save_program
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.testing.factories import CustomerFactory


@pytest.fixture
def program(organization: Any) -> Any:
    """1 point per euro (rounded down), a point worth 1 cent."""
    return save_program(
        actor=Actor.system(),
        organization=organization,
        data={"is_active": True, "points_per_euro": Decimal(1), "point_value": Decimal("0.01")},
    )


@pytest.fixture
def anna(organization: Any) -> Any:
    return CustomerFactory(organization=organization, first_name="Anna", last_name="Alt", loyalty_card_code="K1001")


def variant_of(product: Any) -> Any:
    with scopes_disabled():
        return product.variants.get()


def sell(register: Any, cashier: Any, customer: Any, lines: list[tuple[Any, int]], redeem: Any = None, pay: Any = None):
    cart = SaleInput(
        id=uuid7(),
        lines=[LineInput(variant_of(p).pk, Decimal(q)) for p, q in lines],
        payments=[PaymentInput("card", Decimal(pay))] if pay is not None else [],
        customer_id=customer.pk if customer else None,
        redeem=redeem,
    )
    if pay is None:
        from kasse.sales.services.checkout import cart_total

        total = cart_total(register, cart)
        cart.payments = [PaymentInput("card", total)] if total > 0 else []
    return complete_sale(actor=Actor.system(), register=register, employee=cashier, cart=cart)


@pytest.fixture(autouse=True)
def _english() -> Any:
    from django.utils import translation

    with translation.override("en"):
        yield
