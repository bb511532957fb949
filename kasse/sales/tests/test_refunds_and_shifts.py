"""Returns and shifts: linked refund records, gapless Z numbers, expected cash."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.inventory.selectors import stock_level
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.errors import SaleError
from kasse.sales.services.refunds import RefundLineInput, refund_sale
from kasse.sales.services.shifts import close_shift, open_shift, record_cash_movement, shift_figures

D = Decimal
pytestmark = pytest.mark.django_db


def _variant(product):
    with scopes_disabled():
        return product.variants.get()


def _sale(register, employee, product, qty, method="cash", amount=None):
    return complete_sale(
        actor=Actor.for_employee(employee),
        register=register,
        employee=employee,
        cart=SaleInput(
            id=uuid7(),
            lines=[LineInput(_variant(product).pk, D(qty))],
            payments=[PaymentInput(method, amount or D("50"))],
        ),
    )


def _refund(register, employee, sale, qty, tender=None):
    with scopes_disabled():
        line = sale.lines.get()
    return refund_sale(
        actor=Actor.for_employee(employee),
        register=register,
        employee=employee,
        original=sale,
        lines=[RefundLineInput(line.pk, D(qty))],
        refund_id=uuid7(),
        tender=tender,
    )


def test_partial_return_is_its_own_linked_receipt_and_stock_comes_back(register, cashier, shift, rolls):
    sale = _sale(register, cashier, rolls, 6)
    refund = _refund(register, cashier, sale, 2)
    with scopes_disabled():
        assert (refund.kind, refund.receipt_number, refund.original_sale_id, refund.total) == (
            "refund",
            2,
            sale.pk,
            D("-0.90"),
        )
        assert refund.payments.get().method == "cash"
        assert [(r.vat_rate, r.gross) for r in refund.vat_rows.all()] == [(D("7.00"), D("-0.90"))]
        sale.refresh_from_db()
        assert sale.total == D("2.70")  # the original is untouched
    assert stock_level(register.store, _variant(rolls)) == D("-4.000")


def test_never_more_is_returned_than_was_sold(register, cashier, shift, rolls):
    sale = _sale(register, cashier, rolls, 3)
    _refund(register, cashier, sale, 2)
    with pytest.raises(SaleError, match="at most 1"):
        _refund(register, cashier, sale, 2)


def test_card_sale_is_refunded_to_card_and_not_to_another_tender(register, cashier, shift, coffee):
    sale = _sale(register, cashier, coffee, 1, method="card", amount=D("2.80"))
    refund = _refund(register, cashier, sale, 1)
    with scopes_disabled():
        assert refund.payments.get().method == "card"
    sale2 = _sale(register, cashier, coffee, 1, method="card", amount=D("2.80"))
    with pytest.raises(SaleError):
        _refund(register, cashier, sale2, 1, tender="other")


def test_shift_from_opening_to_z_report(register, cashier, manager, shift, coffee):
    # Given an opening float of 150.00, a cash sale, a card sale, a pay-in and a pay-out
    _sale(register, cashier, coffee, 2, amount=D("10"))  # 5.60 cash
    _sale(register, cashier, coffee, 1, method="card", amount=D("2.80"))
    record_cash_movement(
        actor=Actor.system(), shift=shift, employee=manager, kind="pay_in", amount=D("20"), reason="Wechselgeld"
    )
    record_cash_movement(
        actor=Actor.system(), shift=shift, employee=manager, kind="pay_out", amount=D("12.50"), reason="Milch gekauft"
    )
    figures = shift_figures(shift)
    assert figures.by_payment == {"cash": D("5.60"), "card": D("2.80")}
    assert figures.expected_cash == D("163.10")
    assert figures.total == D("8.40")
    # When the cashier counts 163.00 and closes
    closed = close_shift(actor=Actor.system(), shift=shift, employee=cashier, count={"50": 3, "10": 1, "2": 1, "1": 1})
    # Then the difference is recorded and the Z number is 1, the next shift's is 2
    assert (closed.counted_cash, closed.expected_cash, closed.difference, closed.closing_number) == (
        D("163.00"),
        D("163.10"),
        D("-0.10"),
        1,
    )
    nxt = open_shift(actor=Actor.system(), register=register, employee=cashier, count={})
    assert close_shift(actor=Actor.system(), shift=nxt, employee=cashier, count={}).closing_number == 2


def test_second_open_shift_and_bad_counts_are_refused(register, cashier, shift):
    with pytest.raises(SaleError, match="already open"):
        open_shift(actor=Actor.system(), register=register, employee=cashier, count={})
    with pytest.raises(SaleError, match="denomination"):
        close_shift(actor=Actor.system(), shift=shift, employee=cashier, count={"3": 1})
    with pytest.raises(SaleError, match="whole number"):
        close_shift(actor=Actor.system(), shift=shift, employee=cashier, count={"1": -2})


def test_cashier_cannot_take_cash_out(register, cashier, shift):
    with pytest.raises(SaleError, match="may not move cash"):
        record_cash_movement(
            actor=Actor.system(), shift=shift, employee=cashier, kind="pay_out", amount=D("5"), reason="x"
        )
