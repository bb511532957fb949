"""Tenant-isolation cases for the card terminal and QR account pages, the unclear payments and the register's
card and QR payment steps."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django_scopes import scopes_disabled

from kasse.testing.factories import RegisterFactory, StoreFactory
from kasse.testing.isolation import IsolationCase


def _terminal_of(org: Any) -> Any:
    from kasse.payments.models import CardTerminal

    register = RegisterFactory(store=StoreFactory(organization=org), organization=org)
    with scopes_disabled():
        return CardTerminal.objects.create(
            organization=org,
            store=register.store,
            register=register,
            name="T",
            host="127.0.0.1",
            password="000000",  # noqa: S106 - a test row
        )


def _terminal(org: Any) -> dict[str, Any]:
    return {"terminal_id": _terminal_of(org).pk}


def _payment(org: Any) -> dict[str, Any]:
    from kasse.payments.models import CardPayment

    terminal = _terminal_of(org)
    with scopes_disabled():
        payment = CardPayment.objects.create(
            organization=org,
            store=terminal.store,
            register=terminal.register,
            terminal=terminal,
            amount=Decimal("1.00"),
            status="unknown",
        )
    return {"payment_id": payment.pk}


def _qr_account_of(org: Any) -> Any:
    from kasse.payments.qr.models import QrAccount

    with scopes_disabled():
        return QrAccount.objects.create(organization=org, username="u", secret="x", branch_ext_id="b")  # noqa: S106


def _qr_account(org: Any) -> dict[str, Any]:
    return {"account_id": _qr_account_of(org).pk}


def _qr_payment(org: Any) -> dict[str, Any]:
    from kasse.payments.models import CardPayment

    register = RegisterFactory(store=StoreFactory(organization=org), organization=org)
    with scopes_disabled():
        payment = CardPayment.objects.create(
            organization=org,
            store=register.store,
            register=register,
            provider="bluecode",
            qr_account=_qr_account_of(org),
            amount=Decimal("1.00"),
            status="sent",
        )
    return {"payment_id": payment.pk}


def _return(org: Any) -> dict[str, Any]:
    """A sale of ``org`` (the QR refund step finds a return of this register only: a foreign one is a 404)."""
    from kasse.register.isolation import _sale

    return {"sale_id": _sale(org)["sale_id"]}


def _refund(org: Any) -> dict[str, Any]:
    """A card refund of another organization's return, and that organization's sale."""
    from kasse.core.actors import Actor
    from kasse.core.ids import uuid7
    from kasse.payments.models import CardPayment
    from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
    from kasse.sales.services.shifts import open_shift
    from kasse.tenancy.permissions import Role
    from kasse.testing.factories import EmployeeFactory, ProductFactory

    terminal = _terminal_of(org)
    cashier = EmployeeFactory(organization=org, role=(terminal.store, Role.CASHIER))
    open_shift(actor=Actor.system(), register=terminal.register, employee=cashier, count={})
    with scopes_disabled():
        variant = ProductFactory(organization=org).variants.get()
        sale = complete_sale(
            actor=Actor.system(),
            register=terminal.register,
            employee=cashier,
            cart=SaleInput(id=uuid7(), lines=[LineInput(variant.pk, 1)], payments=[PaymentInput("cash", 5)]),
        )
        payment = CardPayment.objects.create(
            organization=org,
            store=terminal.store,
            register=terminal.register,
            terminal=terminal,
            amount=Decimal("1.00"),
            kind="refund",
        )
    return {"sale_id": sale.pk, "payment_id": payment.pk}


def _settlement(org: Any) -> dict[str, Any]:
    from kasse.payments.models import CardSettlement

    terminal = _terminal_of(org)
    with scopes_disabled():
        settlement = CardSettlement.objects.create(
            organization=org, store=terminal.store, register=terminal.register, terminal=terminal
        )
    return {"settlement_id": settlement.pk}


def _store(org: Any) -> dict[str, Any]:
    return {"store_id": StoreFactory(organization=org).pk}


CASES = [
    IsolationCase("payments:terminal-create", _store, methods=("get", "post"), data={"name": "X"}),
    IsolationCase("payments:terminal-edit", _terminal, methods=("get", "post"), data={"name": "X"}),
    IsolationCase("payments:terminal-test", _terminal, methods=("post",)),
    IsolationCase("payments:resolve", _payment, methods=("post",), data={"paid": "1"}),
    IsolationCase("register:card-status", _payment, methods=("get",), caller="register"),
    IsolationCase("register:card-cancel", _payment, methods=("post",), caller="register"),
    IsolationCase("payments:qr-account-edit", _qr_account, methods=("get", "post"), data={"username": "X"}),
    IsolationCase("payments:resolve", _qr_payment, methods=("post",), data={"paid": "1"}),
    IsolationCase("register:qr-status", _qr_payment, methods=("get",), caller="register"),
    IsolationCase("register:qr-cancel", _qr_payment, methods=("post",), caller="register"),
    IsolationCase("register:qr-refund", _return, methods=("post",), caller="register"),
    IsolationCase("register:return-card-status", _refund, methods=("get",), caller="register"),
    IsolationCase("register:return-card-cancel", _refund, methods=("post",), caller="register"),
    IsolationCase("register:shift-end-of-day", _settlement, methods=("get",), caller="register"),
]
