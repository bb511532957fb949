"""Tenant-isolation cases of the settings and employee pages (see kasse/testing/isolation.py)."""

from __future__ import annotations

from typing import Any

from kasse.tenancy.models import Employee, Organization, Register, Store, StoreRole
from kasse.tenancy.permissions import Role
from kasse.testing.isolation import IsolationCase


def _store(org: Organization) -> Store:
    return Store.objects.create(
        organization=org, name="Filiale A", number=7, street="Markt 1", postal_code="10115", city="Berlin"
    )


def _store_kwargs(org: Organization) -> dict[str, Any]:
    return {"pk": _store(org).pk}


def _store_pk_kwargs(org: Organization) -> dict[str, Any]:
    return {"store_pk": _store(org).pk}


def _register(org: Organization) -> dict[str, Any]:
    store = _store(org)
    register = Register.objects.create(
        organization=org, store=store, number=1, name="Kasse 1", serial_number=f"ISO-{store.pk.hex[:10]}"
    )
    return {"pk": register.pk}


def _employee(org: Organization) -> dict[str, Any]:
    employee = Employee.objects.create(organization=org, display_name="Anna")
    StoreRole.objects.create(organization=org, employee=employee, store=_store(org), role=Role.MANAGER)
    return {"pk": employee.pk}


CASES = [
    IsolationCase(
        "tenancy:store-edit",
        _store_kwargs,
        methods=("get", "post"),
        data={
            "name": "Fremd",
            "street": "X 1",
            "postal_code": "10115",
            "city": "Berlin",
            "time_zone": "Europe/Berlin",
            "currency": "EUR",
        },
    ),
    IsolationCase("tenancy:register-create", _store_pk_kwargs, methods=("get", "post"), data={"name": "Fremd"}),
    IsolationCase(
        "tenancy:register-edit",
        _register,
        methods=("get", "post"),
        data={"number": "1", "name": "Fremd", "serial_number": "X-1"},
    ),
    IsolationCase(
        "tenancy:employee-edit",
        _employee,
        methods=("get", "post"),
        data={"display_name": "Fremd", "role_all": "cashier"},
    ),
]
