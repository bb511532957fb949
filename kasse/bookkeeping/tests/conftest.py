"""Shared set-up of the bookkeeping tests: a day of selling on one register, closed with a Z report."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django_scopes import scope

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.sales.models import Sale
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.refunds import RefundLineInput, refund_sale
from kasse.sales.services.shifts import close_shift, open_shift, record_cash_movement


def sell(register: Any, employee: Any, lines: list[tuple[Any, str]], payments: list[tuple[str, str]]) -> Sale:
    """A sale on ``register``: ``lines`` are (product, quantity), ``payments`` (method, amount)."""
    with scope(organization=register.organization):
        return complete_sale(
            actor=Actor.for_employee(employee),
            register=register,
            employee=employee,
            cart=SaleInput(
                id=uuid7(),
                lines=[LineInput(product.variants.get().pk, Decimal(qty)) for product, qty in lines],
                payments=[PaymentInput(method, Decimal(amount)) for method, amount in payments],
            ),
        )


@pytest.fixture
def closed_day(organization, register, cashier, manager, rolls, coffee) -> Any:
    """Z 1 of ``register``: float 100.00, a cash sale 3.70 (2 rolls 7 %, 1 coffee 19 %), a card sale 2.80,
    a cash return of one roll (-0.45), 20.00 cash out to the bank; counted 83.00 (expected 83.25)."""
    with scope(organization=organization):
        shift = open_shift(actor=Actor.for_employee(cashier), register=register, employee=cashier, count={"20": 5})
        first = sell(register, cashier, [(rolls, "2"), (coffee, "1")], [("cash", "10")])
        sell(register, cashier, [(coffee, "1")], [("card", "2.80")])
        line = first.lines.get(product_name="Brötchen")
        refund_sale(
            actor=Actor.for_employee(manager),
            register=register,
            employee=manager,
            original=first,
            lines=[RefundLineInput(line.pk, Decimal("1"))],
            refund_id=uuid7(),
            tender="cash",
        )
        record_cash_movement(
            actor=Actor.for_employee(manager),
            shift=shift,
            employee=manager,
            kind="pay_out",
            amount=Decimal("20.00"),
            reason="Bank",
        )
        close_shift(
            actor=Actor.for_employee(cashier), shift=shift, employee=cashier, count={"50": 1, "20": 1, "10": 1, "1": 3}
        )
        shift.refresh_from_db()
    return shift


@pytest.fixture
def other_store_manager_client(organization) -> Client:
    """A back-office login of a manager bound to another store of the same organization."""
    from kasse.tenancy.permissions import Role
    from kasse.testing.factories import EmployeeFactory, StoreFactory, UserFactory

    other = StoreFactory(organization=organization, name="Filiale Nord", number=2)
    user = UserFactory(email="nord@example.org")
    EmployeeFactory(organization=organization, user=user, display_name="Nora", role=(other, Role.MANAGER))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def receipt_printer(organization, store, register) -> Any:
    """The register's receipt printer (on a port nothing listens on: jobs stay queued)."""
    from django_scopes import scopes_disabled

    from kasse.printing.models import Printer, PrinterKind, RegisterPrinter

    with scopes_disabled():
        printer = Printer.objects.create(
            organization=organization,
            store=store,
            name="Bondrucker",
            kind=PrinterKind.RECEIPT,
            host="127.0.0.1",
            port=9,
            profile="generic-58",
        )
        RegisterPrinter.objects.create(organization=organization, register=register, printer=printer)
    return printer
