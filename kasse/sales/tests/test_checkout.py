"""Completing sales: one atomic commit with gapless receipt numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.inventory.models import StockMovement
from kasse.inventory.selectors import stock_level
from kasse.sales.models import Payment, Sale, SaleLine
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.errors import SaleError

D = Decimal
pytestmark = pytest.mark.django_db


def _variant(product):
    with scopes_disabled():
        return product.variants.get()


def _sell(register, employee, lines, payments, approver=None, cart_id=None, **extra):
    cart = SaleInput(id=cart_id or uuid7(), lines=lines, payments=payments, **extra)
    return complete_sale(
        actor=Actor.for_employee(employee), register=register, employee=employee, cart=cart, approver=approver
    )


def _counts():
    with scopes_disabled():
        return Sale.objects.count(), SaleLine.objects.count(), Payment.objects.count(), StockMovement.objects.count()


def test_cash_sale_with_change_stores_lines_vat_payments_and_stock(register, cashier, shift, rolls, coffee):
    # Given 3 rolls (7 %) and a coffee (19 %), paid with a 10 € note
    sale = _sell(
        register,
        cashier,
        [LineInput(_variant(rolls).pk, D(3), barcode="4000000000017"), LineInput(_variant(coffee).pk, D(1))],
        [PaymentInput("cash", D("10.00"))],
    )
    # Then the receipt is complete and numbered 1
    with scopes_disabled():
        assert sale.receipt_number == 1
        assert sale.total == D("4.15")
        assert [(ln.product_name, ln.quantity, ln.total, ln.vat_rate) for ln in sale.lines.all()] == [
            ("Brötchen", D("3.000"), D("1.35"), D("7.00")),
            ("Kaffee", D("1.000"), D("2.80"), D("19.00")),
        ]
        assert [(r.vat_rate, r.gross, r.net, r.vat, r.vat_dsfinvk_id) for r in sale.vat_rows.all()] == [
            (D("19.00"), D("2.80"), D("2.35"), D("0.45"), 1),
            (D("7.00"), D("1.35"), D("1.26"), D("0.09"), 2),
        ]
        payment = sale.payments.get()
        assert (payment.method, payment.amount, payment.tendered, payment.change) == (
            "cash",
            D("4.15"),
            D("10.00"),
            D("5.85"),
        )
        assert stock_level(register.store, _variant(rolls)) == D("-3.000")


def test_receipt_numbers_are_gapless_even_after_a_refused_sale(register, cashier, shift, coffee):
    v = _variant(coffee).pk
    first = _sell(register, cashier, [LineInput(v, D(1))], [PaymentInput("cash", D("5"))])
    with pytest.raises(SaleError):
        _sell(register, cashier, [LineInput(v, D(1))], [PaymentInput("cash", D("1"))])
    second = _sell(register, cashier, [LineInput(v, D(1))], [PaymentInput("card", D("2.80"))])
    assert (first.receipt_number, second.receipt_number) == (1, 2)


def test_second_tap_on_pay_returns_the_same_sale_and_writes_nothing(register, cashier, shift, coffee):
    cart_id = uuid7()
    lines, payments = [LineInput(_variant(coffee).pk, D(1))], [PaymentInput("cash", D("5"))]
    first = _sell(register, cashier, lines, payments, cart_id=cart_id)
    before = _counts()
    again = _sell(register, cashier, lines, payments, cart_id=cart_id)
    assert again.pk == first.pk
    assert _counts() == before


def test_split_payment_card_then_cash_gives_change_only_from_cash(register, cashier, shift, coffee):
    sale = _sell(
        register,
        cashier,
        [LineInput(_variant(coffee).pk, D(3))],
        [PaymentInput("card", D("5.00")), PaymentInput("cash", D("5.00"))],
    )
    with scopes_disabled():
        assert [(p.method, p.amount, p.change) for p in sale.payments.all()] == [
            ("card", D("5.00"), D("0.00")),
            ("cash", D("3.40"), D("1.60")),
        ]


def test_card_payment_above_the_total_is_refused(register, cashier, shift, coffee):
    with pytest.raises(SaleError, match="must not exceed"):
        _sell(register, cashier, [LineInput(_variant(coffee).pk, D(1))], [PaymentInput("card", D("5.00"))])


def test_weighed_item_is_priced_by_weight(register, cashier, shift, cheese):
    sale = _sell(register, cashier, [LineInput(_variant(cheese).pk, D("0.347"))], [PaymentInput("cash", D("10"))])
    assert sale.total == D("8.64")


def test_pieces_cannot_be_sold_in_fractions(register, cashier, shift, coffee):
    with pytest.raises(SaleError, match="by the piece"):
        _sell(register, cashier, [LineInput(_variant(coffee).pk, D("0.5"))], [PaymentInput("cash", D("5"))])


@pytest.mark.parametrize("quantity", [D(0), D(-1)])
def test_zero_or_negative_quantity_is_refused_and_changes_nothing(register, cashier, shift, coffee, quantity):
    before = _counts()
    with pytest.raises(SaleError, match="greater than zero"):
        _sell(register, cashier, [LineInput(_variant(coffee).pk, quantity)], [PaymentInput("cash", D("5"))])
    assert _counts() == before


def test_price_override_needs_a_manager(register, cashier, manager, shift, coffee):
    line = LineInput(_variant(coffee).pk, D(1), unit_price=D("1.00"))
    with pytest.raises(SaleError, match="manager"):
        _sell(register, cashier, [line], [PaymentInput("cash", D("5"))])
    with pytest.raises(SaleError, match="manager"):
        _sell(register, cashier, [line], [PaymentInput("cash", D("5"))], approver=cashier)
    sale = _sell(register, cashier, [line], [PaymentInput("cash", D("5"))], approver=manager)
    with scopes_disabled():
        stored = sale.lines.get()
        assert (stored.list_price, stored.unit_price, stored.approved_by_id) == (D("2.80"), D("1.00"), manager.pk)


def test_small_discount_needs_no_manager_but_a_large_one_does(register, cashier, manager, shift, coffee):
    v = _variant(coffee).pk
    sale = _sell(register, cashier, [LineInput(v, D(10), discount_percent=D(10))], [PaymentInput("cash", D("30"))])
    assert sale.total == D("25.20")
    with pytest.raises(SaleError, match="manager"):
        _sell(register, cashier, [LineInput(v, D(1))], [PaymentInput("cash", D("5"))], order_discount_percent=D(50))


def test_order_discount_is_spread_over_lines_and_vat_rows(register, cashier, manager, shift, rolls, coffee):
    sale = _sell(
        register,
        cashier,
        [LineInput(_variant(rolls).pk, D(10)), LineInput(_variant(coffee).pk, D(1))],
        [PaymentInput("cash", D("10"))],
        order_discount_amount=D("0.73"),
    )
    with scopes_disabled():
        lines = list(sale.lines.all())
        assert sum(ln.order_discount_share for ln in lines) == D("0.73")
        assert sum(ln.total for ln in lines) == sale.total == D("6.57")
        assert sum(r.gross for r in sale.vat_rows.all()) == sale.total


def test_selling_needs_an_open_shift(register, cashier, coffee):
    with pytest.raises(SaleError, match="open a shift"):
        _sell(register, cashier, [LineInput(_variant(coffee).pk, D(1))], [PaymentInput("cash", D("5"))])


def test_foreign_variant_is_not_sellable(register, cashier, shift):
    from kasse.testing.factories import ProductFactory

    foreign = ProductFactory()  # another organization
    with pytest.raises(SaleError, match="no longer available"):
        _sell(register, cashier, [LineInput(_variant(foreign).pk, D(1))], [PaymentInput("cash", D("5"))])
