from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.core.vat import VatClass
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.vouchers import VOUCHER_TENDER
from kasse.vouchers.services import create_voucher_type


@pytest.fixture
def gift_card(organization: Any) -> Any:
    """A multi-purpose gift card (no VAT when sold)."""
    return create_voucher_type(
        actor=Actor.system(), organization=organization, name="Geschenkgutschein", single_purpose=False
    )


@pytest.fixture
def spa_voucher(organization: Any) -> Any:
    """A single-purpose voucher at 19 %."""
    return create_voucher_type(
        actor=Actor.system(),
        organization=organization,
        name="Wellness",
        single_purpose=True,
        vat_class=VatClass.STANDARD,
    )


def variant_of(product: Any) -> Any:
    with scopes_disabled():
        return product.variants.order_by("position").first()


def sell(
    register: Any,
    cashier: Any,
    goods: list[tuple[Any, int]] = (),  # type: ignore[assignment]
    *,
    cards: list[tuple[Any, str, str]] = (),  # type: ignore[assignment]  # (voucher type, code, value)
    paid_with: list[tuple[str, str]] = (),  # type: ignore[assignment]  # (code, amount)
    cash: str | None = None,
    training: bool = False,
) -> Any:
    lines = [LineInput(variant_of(p).pk, Decimal(q)) for p, q in goods]
    lines += [
        LineInput(variant_of(t.product).pk, Decimal(1), unit_price=Decimal(value), voucher_code=code)
        for t, code, value in cards
    ]
    payments = [PaymentInput(VOUCHER_TENDER, Decimal(amount), reference=code) for code, amount in paid_with]
    cart = SaleInput(id=uuid7(), lines=lines, payments=payments, training=training)
    if cash is None:
        from kasse.sales.services.checkout import cart_total

        rest = cart_total(register, cart) - sum((Decimal(a) for _c, a in paid_with), Decimal(0))
        if rest > 0:
            cart.payments.append(PaymentInput("cash", rest))
    elif Decimal(cash) > 0:
        cart.payments.append(PaymentInput("cash", Decimal(cash)))
    return complete_sale(actor=Actor.system(), register=register, employee=cashier, cart=cart)


@pytest.fixture(autouse=True)
def _english() -> Any:
    from django.utils import translation

    with translation.override("en"):
        yield
