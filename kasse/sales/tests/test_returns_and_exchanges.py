"""Returns without a receipt and exchanges: their own receipts, stock back, credit that adds up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.core.models import AuditEntry
from kasse.inventory.selectors import stock_level
from kasse.sales.models import Sale
from kasse.sales.selectors import find_receipt, receipt_code
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.errors import SaleError
from kasse.sales.services.exchanges import exchange_sale
from kasse.sales.services.refunds import RefundLineInput, ReturnItemInput, refund_sale, refund_without_receipt
from kasse.sales.services.shifts import shift_figures

D = Decimal
pytestmark = pytest.mark.django_db


def _variant(product):
    with scopes_disabled():
        return product.variants.get()


def _sale(register, employee, product, qty, method="cash", amount=None):
    amount = D("50") if amount is None else amount
    return complete_sale(
        actor=Actor.for_employee(employee),
        register=register,
        employee=employee,
        cart=SaleInput(
            id=uuid7(), lines=[LineInput(_variant(product).pk, D(qty))], payments=[PaymentInput(method, amount)]
        ),
    )


def _payments(sale):
    with scopes_disabled():
        return [(p.method, p.amount) for p in sale.payments.all()]


def test_return_without_receipt_needs_a_manager_and_changes_nothing_without(register, cashier, shift, rolls):
    with pytest.raises(SaleError, match="needs a manager"):
        refund_without_receipt(
            actor=Actor.for_employee(cashier),
            register=register,
            employee=cashier,
            approver=cashier,
            items=[ReturnItemInput(_variant(rolls).pk, D(2))],
            refund_id=uuid7(),
        )
    with scopes_disabled():
        assert Sale.objects.count() == 0
    assert stock_level(register.store, _variant(rolls)) == D("0")


def test_return_without_receipt_at_todays_price_in_cash(register, cashier, manager, shift, rolls):
    refund_id = uuid7()
    refund = refund_without_receipt(
        actor=Actor.for_employee(cashier),
        register=register,
        employee=cashier,
        approver=manager,
        items=[ReturnItemInput(_variant(rolls).pk, D(4))],
        refund_id=refund_id,
    )
    again = refund_without_receipt(
        actor=Actor.for_employee(cashier),
        register=register,
        employee=cashier,
        approver=manager,
        items=[ReturnItemInput(_variant(rolls).pk, D(4))],
        refund_id=refund_id,
    )
    with scopes_disabled():
        line = refund.lines.get()
        assert (refund.kind, refund.receipt_number, refund.original_sale_id, refund.total) == (
            "refund",
            1,
            None,
            D("-1.80"),
        )
        assert (line.quantity, line.unit_price, line.total, line.vat_rate, line.approved_by_id) == (
            D("-4"),
            D("0.45"),
            D("-1.80"),
            D("7.00"),
            manager.pk,
        )
        assert [(r.vat_rate, r.gross, r.net, r.vat) for r in refund.vat_rows.all()] == [
            (D("7.00"), D("-1.80"), D("-1.68"), D("-0.12"))
        ]
        assert AuditEntry.objects.filter(action="sales.sale.refunded_without_receipt").count() == 1
        assert Sale.objects.count() == 1
    assert again.pk == refund.pk
    assert _payments(refund) == [("cash", D("-1.80"))]
    assert stock_level(register.store, _variant(rolls)) == D("4")
    assert shift_figures(shift).expected_cash == D("150.00") - D("1.80")


def test_return_without_receipt_refuses_zero_and_fractional_pieces(register, cashier, manager, shift, rolls):
    for qty in ("0", "1.5"):
        with pytest.raises(SaleError):
            refund_without_receipt(
                actor=Actor.system(),
                register=register,
                employee=cashier,
                approver=manager,
                items=[ReturnItemInput(_variant(rolls).pk, D(qty))],
                refund_id=uuid7(),
            )


def test_exchange_for_something_dearer_is_paid_with_credit_plus_cash(register, cashier, manager, shift, rolls, coffee):
    # Given 4 rolls bought with a card (1.80)
    sale = _sale(register, cashier, rolls, 4, method="card", amount=D("1.80"))
    with scopes_disabled():
        line = sale.lines.get()
    # When the customer swaps them for a coffee (2.80) and pays the 1.00 difference in cash
    refund, new = exchange_sale(
        actor=Actor.for_employee(cashier),
        register=register,
        employee=cashier,
        approver=manager,
        refund_id=uuid7(),
        original=sale,
        lines=[RefundLineInput(line.pk, D(4))],
        replacement=SaleInput(
            id=uuid7(), lines=[LineInput(_variant(coffee).pk, D(1))], payments=[PaymentInput("cash", D("1.00"))]
        ),
    )
    # Then the return issues 1.80 credit and the new sale uses it
    assert (refund.total, refund.original_sale_id, new.total) == (D("-1.80"), sale.pk, D("2.80"))
    assert _payments(refund) == [("credit", D("-1.80"))]
    assert _payments(new) == [("credit", D("1.80")), ("cash", D("1.00"))]
    with scopes_disabled():
        assert new.payments.get(method="credit").reference == str(refund.pk)
    # And the shift adds up: credit nets to zero, only the 1.00 cash is in the drawer
    figures = shift_figures(shift)
    assert figures.by_payment == {"card": D("1.80"), "credit": D("0.00"), "cash": D("1.00")}
    assert figures.expected_cash == D("151.00")
    assert figures.total == D("1.80") - D("1.80") + D("2.80")
    assert stock_level(register.store, _variant(rolls)) == D("0")


def test_exchange_for_something_cheaper_pays_the_rest_out_in_cash(register, cashier, manager, shift, rolls, coffee):
    sale = _sale(register, cashier, coffee, 1, amount=D("5"))
    with scopes_disabled():
        line = sale.lines.get()
    refund, new = exchange_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        approver=manager,
        refund_id=uuid7(),
        original=sale,
        lines=[RefundLineInput(line.pk, D(1))],
        replacement=SaleInput(id=uuid7(), lines=[LineInput(_variant(rolls).pk, D(2))], payments=[]),
    )
    assert _payments(refund) == [("credit", D("-0.90")), ("cash", D("-1.90"))]
    assert _payments(new) == [("credit", D("0.90"))]
    assert shift_figures(shift).expected_cash == D("150.00") + D("2.80") - D("1.90")


def test_exchange_without_manager_is_refused_and_writes_nothing(register, cashier, shift, rolls, coffee):
    sale = _sale(register, cashier, coffee, 1, amount=D("5"))
    with scopes_disabled():
        line = sale.lines.get()
    with pytest.raises(SaleError, match="manager"):
        exchange_sale(
            actor=Actor.system(),
            register=register,
            employee=cashier,
            approver=None,
            refund_id=uuid7(),
            original=sale,
            lines=[RefundLineInput(line.pk, D(1))],
            replacement=SaleInput(id=uuid7(), lines=[LineInput(_variant(rolls).pk, D(1))], payments=[]),
        )
    with scopes_disabled():
        assert Sale.objects.count() == 1


def test_credit_cannot_be_spent_twice_or_invented(register, cashier, manager, shift, rolls, coffee):
    sale = _sale(register, cashier, coffee, 1, amount=D("5"))
    with scopes_disabled():
        line = sale.lines.get()
    refund, _new = exchange_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        approver=manager,
        refund_id=uuid7(),
        original=sale,
        lines=[RefundLineInput(line.pk, D(1))],
        replacement=SaleInput(id=uuid7(), lines=[LineInput(_variant(coffee).pk, D(1))], payments=[]),
    )
    for reference in (str(refund.pk), str(uuid7()), "nonsense"):
        with pytest.raises(SaleError, match="credit"):
            complete_sale(
                actor=Actor.system(),
                register=register,
                employee=cashier,
                cart=SaleInput(
                    id=uuid7(),
                    lines=[LineInput(_variant(rolls).pk, D(1))],
                    payments=[PaymentInput("credit", D("0.45"), reference=reference)],
                ),
            )


def test_credit_tender_on_a_plain_return_needs_a_manager(register, cashier, shift, coffee):
    sale = _sale(register, cashier, coffee, 1, amount=D("5"))
    with scopes_disabled():
        line = sale.lines.get()
    with pytest.raises(SaleError, match="manager"):
        refund_sale(
            actor=Actor.system(),
            register=register,
            employee=cashier,
            original=sale,
            lines=[RefundLineInput(line.pk, D(1))],
            refund_id=uuid7(),
            tender="credit",
        )


def test_find_receipt_by_number_register_and_number_and_scanned_code(register, cashier, shift, rolls):
    sale = _sale(register, cashier, rolls, 1)
    assert receipt_code(sale) == f"R-{register.store.number}-{register.number}-1"
    for text in ("1", f"{register.number}/1", receipt_code(sale), f" {register.number} / 1 "):
        assert find_receipt(register, text).pk == sale.pk
    for text, message in (
        ("2", "No receipt 2"),
        ("abc", "Please enter a receipt number"),
        (f"R-{register.store.number + 1}-1-1", "another store"),
    ):
        with pytest.raises(SaleError, match=message):
            find_receipt(register, text)
