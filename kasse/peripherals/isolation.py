"""Tenant-isolation cases for the scanner and pole display pages."""

from __future__ import annotations

from typing import Any

from django_scopes import scopes_disabled

from kasse.testing.factories import RegisterFactory, StoreFactory
from kasse.testing.isolation import IsolationCase


def _register(org: Any) -> Any:
    store = StoreFactory(organization=org)
    return RegisterFactory(store=store, organization=org)


def _scanner(org: Any) -> dict[str, Any]:
    from kasse.peripherals.models import Scanner

    register = _register(org)
    with scopes_disabled():
        scanner = Scanner.objects.create(
            organization=org, store=register.store, register=register, name="Hand", serial_device="/dev/ttyACM0"
        )
    return {"scanner_id": scanner.pk}


def _display(org: Any) -> dict[str, Any]:
    from kasse.peripherals.models import PoleDisplay

    register = _register(org)
    with scopes_disabled():
        display = PoleDisplay.objects.create(
            organization=org, store=register.store, register=register, name="Pole", serial_device="/dev/ttyUSB0"
        )
    return {"display_id": display.pk}


def _store(org: Any) -> dict[str, Any]:
    return {"store_id": StoreFactory(organization=org).pk}


CASES = [
    IsolationCase("peripherals:scanner-create", _store, methods=("get", "post"), data={"name": "X"}),
    IsolationCase("peripherals:scanner-edit", _scanner, methods=("get", "post"), data={"name": "X"}),
    IsolationCase("peripherals:scanner-deactivate", _scanner, methods=("post",)),
    IsolationCase("peripherals:display-create", _store, methods=("get", "post"), data={"name": "X"}),
    IsolationCase("peripherals:display-edit", _display, methods=("get", "post"), data={"name": "X"}),
    IsolationCase("peripherals:display-test", _display, methods=("post",)),
    IsolationCase("peripherals:display-deactivate", _display, methods=("post",)),
]
