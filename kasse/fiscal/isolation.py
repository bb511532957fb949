"""Tenant-isolation cases of the fiscal pages (see kasse/testing/isolation.py)."""

from __future__ import annotations

from typing import Any

from kasse.tenancy.models import Organization, Register, Store
from kasse.testing.isolation import IsolationCase


def _store(org: Organization) -> dict[str, Any]:
    store = Store.objects.create(
        organization=org, name="Filiale D", number=41, street="Markt 1", postal_code="10115", city="Berlin"
    )
    return {"store_pk": store.pk}


def _register(org: Organization) -> dict[str, Any]:
    store = Store.objects.create(
        organization=org, name="Filiale E", number=42, street="Markt 2", postal_code="10115", city="Berlin"
    )
    register = Register.objects.create(organization=org, store=store, number=1, name="Kasse E", serial_number="E-1")
    return {"register_pk": register.pk}


CASES = [
    # Without dates the page, with dates the file: both only for a store the caller may see.
    IsolationCase("fiscal:datev-store-export", _store),
    IsolationCase(
        "fiscal:dsfinvk-store-export",
        _store,
        methods=("get", "post"),
        data={"date_from": "2026-01-01", "date_to": "2026-12-31"},
    ),
    IsolationCase("fiscal:notification-store", _store),
    IsolationCase("fiscal:notification-register-edit", _register, methods=("get", "post")),
    # The TSE page of a store; setting up a TSE and registering its clients (owners only).
    IsolationCase("fiscal:tse-store", _store),
    IsolationCase("fiscal:tse-store-setup", _store, methods=("post",), data={"backend": "development"}),
    IsolationCase("fiscal:tse-store-clients", _store, methods=("post",)),
    IsolationCase("fiscal:tse-store-export", _store, methods=("post",)),
]
