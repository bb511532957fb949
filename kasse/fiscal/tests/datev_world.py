"""Stored receipts and cash movements for the DATEV tests, written as complete_sale leaves them.

The export reads only stored rows (Sale, SaleVat, Payment, CashMovement), so the
tests write those rows directly: any mix of rates, payments, returns and times
can be set up in one statement, including days and times that a test would
otherwise have to wait for.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

from django_scopes import scopes_disabled

from kasse.fiscal.datev_settings import DatevSettings
from kasse.sales.models import CashMovement, CashMovementKind, Payment, Sale, SaleKind, SaleVat, Shift
from kasse.tenancy.models import Register
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory

DSFINVK = {Decimal("19"): 1, Decimal("7"): 2, Decimal("0"): 5}
_numbers = itertools.count(1)


def configure(organization, **fields) -> DatevSettings:
    values = {"consultant_number": 29098, "client_number": 55003, **fields}
    with scopes_disabled():
        return DatevSettings.objects.create(organization=organization, **values)


def open_shift(register: Register, at: datetime) -> Shift:
    employee = EmployeeFactory(
        organization=register.organization, display_name="Kim", role=(register.store, Role.CASHIER)
    )
    with scopes_disabled():
        return Shift.objects.create(
            organization=register.organization,
            store=register.store,
            register=register,
            opened_at=at,
            opened_by=employee,
            opening_float=Decimal("100.00"),
        )


def add_sale(
    shift: Shift, at: datetime, vat: dict[str, str], payments: dict[str, str], kind: str = SaleKind.SALE
) -> Sale:
    """A receipt: ``vat`` maps a rate ("19") to its gross, ``payments`` a method ("cash") to its amount."""
    gross = {Decimal(rate): Decimal(amount) for rate, amount in vat.items()}
    total = sum(gross.values(), Decimal("0"))
    with scopes_disabled():
        sale = Sale.objects.create(
            organization=shift.organization,
            store=shift.store,
            register=shift.register,
            shift=shift,
            kind=kind,
            receipt_number=next(_numbers),
            employee=shift.opened_by,
            employee_name="Kim",
            started_at=at,
            completed_at=at,
            subtotal=total,
            total=total,
        )
        for rate, amount in gross.items():
            net = (amount / (1 + rate / 100)).quantize(Decimal("0.01"))
            SaleVat.objects.create(
                organization=shift.organization,
                sale=sale,
                vat_rate=rate,
                vat_dsfinvk_id=DSFINVK[rate],
                gross=amount,
                net=net,
                vat=amount - net,
            )
        for position, (method, amount) in enumerate(payments.items(), start=1):
            Payment.objects.create(
                organization=shift.organization, sale=sale, position=position, method=method, amount=Decimal(amount)
            )
    return sale


def add_cash_movement(shift: Shift, at: datetime, amount: str, reason: str) -> CashMovement:
    value = Decimal(amount)
    with scopes_disabled():
        return CashMovement.objects.create(
            organization=shift.organization,
            shift=shift,
            created_at=at,
            amount=value,
            reason=reason,
            kind=CashMovementKind.PAY_IN if value > 0 else CashMovementKind.PAY_OUT,
            employee=shift.opened_by,
        )


def parse(data: bytes) -> tuple[list[str], list[str], list[list[str]]]:
    """A Buchungsstapel read back as DATEV reads it: CR LF lines in Windows-1252, fields split at ``;``
    outside quotes, quotes removed (the test files hold no ``;`` inside text)."""
    assert data.endswith(b"\r\n")
    lines = data.decode("cp1252").split("\r\n")[:-1]
    assert all("\n" not in line and "\r" not in line for line in lines)
    header, columns, *rows = (line.split(";") for line in lines)
    return header, columns, rows


def unquote(value: str) -> str:
    assert value.startswith('"'), value
    assert value.endswith('"'), value
    return value[1:-1].replace('""', '"')


def signed(row: list[str]) -> Decimal:
    """The booking's amount as seen from its "Konto": positive for S, negative for H."""
    value = Decimal(row[0].replace(",", "."))
    return value if unquote(row[1]) == "S" else -value
