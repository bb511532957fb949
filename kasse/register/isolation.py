"""Tenant-isolation cases for the register's back-office pages and register pages with ids."""

from __future__ import annotations

from typing import Any

from django_scopes import scopes_disabled

from kasse.register.models import RegisterDevice
from kasse.testing.factories import RegisterFactory, StoreFactory
from kasse.testing.isolation import IsolationCase


def _register(org: Any) -> dict[str, Any]:
    return {"register_id": RegisterFactory(store=StoreFactory(organization=org), organization=org).pk}


def _device(org: Any) -> dict[str, Any]:
    register = RegisterFactory(store=StoreFactory(organization=org), organization=org)
    with scopes_disabled():
        device = RegisterDevice.objects.create(organization=org, register=register, token_digest=f"x{register.pk}")
    return {"device_id": device.pk}


def _store(org: Any) -> dict[str, Any]:
    return {"store_id": StoreFactory(organization=org).pk}


def _cart_line(org: Any) -> dict[str, Any]:
    from kasse.register.models import Cart, CartLine
    from kasse.testing.factories import EmployeeFactory, ProductFactory

    register = RegisterFactory(store=StoreFactory(organization=org), organization=org)
    with scopes_disabled():
        variant = ProductFactory(organization=org).variants.get()
        cart = Cart.objects.create(
            organization=org, store=register.store, register=register, employee=EmployeeFactory(organization=org)
        )
        line = CartLine.objects.create(organization=org, cart=cart, position=1, variant=variant, quantity=1)
    return {"line_id": line.pk, "action": "void"}


def _parked_cart(org: Any) -> dict[str, Any]:
    kwargs = _cart_line(org)
    from kasse.register.models import Cart

    with scopes_disabled():
        cart = Cart.objects.get(lines__pk=kwargs["line_id"])
        cart.status = "parked"
        cart.save()
    return {"cart_id": cart.pk}


def _sale(org: Any) -> dict[str, Any]:
    from kasse.core.actors import Actor
    from kasse.core.ids import uuid7
    from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
    from kasse.sales.services.shifts import open_shift
    from kasse.tenancy.permissions import Role
    from kasse.testing.factories import EmployeeFactory, ProductFactory

    store = StoreFactory(organization=org)
    register = RegisterFactory(store=store, organization=org)
    cashier = EmployeeFactory(organization=org, role=(store, Role.CASHIER))
    open_shift(actor=Actor.system(), register=register, employee=cashier, count={})
    with scopes_disabled():
        variant = ProductFactory(organization=org).variants.get()
    sale = complete_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        cart=SaleInput(id=uuid7(), lines=[LineInput(variant.pk, 1)], payments=[PaymentInput("cash", 5)]),
    )
    return {"sale_id": sale.pk}


def _product(org: Any) -> dict[str, Any]:
    from kasse.testing.factories import ProductFactory

    return {"product_id": ProductFactory(organization=org).pk}


def _closed_shift(org: Any) -> dict[str, Any]:
    from kasse.core.actors import Actor
    from kasse.sales.services.shifts import close_shift, open_shift
    from kasse.tenancy.permissions import Role
    from kasse.testing.factories import EmployeeFactory

    store = StoreFactory(organization=org)
    register = RegisterFactory(store=store, organization=org)
    cashier = EmployeeFactory(organization=org, role=(store, Role.CASHIER))
    shift = open_shift(actor=Actor.system(), register=register, employee=cashier, count={"10": 1})
    close_shift(actor=Actor.system(), shift=shift, employee=cashier, count={"10": 1})
    return {"shift_id": shift.pk}


def _cart_line_dialog(org: Any) -> dict[str, Any]:
    return {**_cart_line(org), "action": "discount"}  # the discount dialog (GET) of another org's line


CASES = [
    IsolationCase("register:line-action", _cart_line, methods=("post",), caller="register"),
    IsolationCase("register:line-action", _cart_line_dialog, methods=("get",), caller="register"),
    IsolationCase("register:resume", _parked_cart, methods=("post",), caller="register"),
    IsolationCase("register:receipt", _sale, caller="register"),
    IsolationCase("register:variants", _product, caller="register", organization_wide=True),
    IsolationCase("register:shift-z", _closed_shift, caller="register"),
    IsolationCase("register-backoffice:pairing-code", _register, methods=("post",)),
    IsolationCase("register-backoffice:device-revoke", _device, methods=("post",)),
    IsolationCase("register-backoffice:store-settings", _store, methods=("get", "post")),
    IsolationCase(
        "register:return-with-receipt", _sale, methods=("get", "post"), data={"action": "confirm"}, caller="register"
    ),
    IsolationCase("register:receipt-pdf", _sale, caller="register"),
    IsolationCase(
        "register:receipt-email", _sale, methods=("post",), data={"email": "a@example.org"}, caller="register"
    ),
    IsolationCase("register:receipt-issue", _sale, methods=("post",), data={"kind": "declined"}, caller="register"),
]
