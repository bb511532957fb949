from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import OperationalError
from django_scopes import scopes_disabled

from kasse.peripherals.models import PoleDisplay, Scanner
from kasse.peripherals.runner import Backoff

FAST = Backoff(initial=0.05, maximum=0.2)


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll ``predicate`` until it is truthy (bounded); SQLite's shared test database may be locked briefly."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with scopes_disabled():
                value = predicate()
        except OperationalError:
            value = None
        if value:
            return value
        time.sleep(0.01)
    return None


@pytest.fixture
def make_display(organization, store, register):
    def make(port: str, **fields: Any) -> PoleDisplay:
        with scopes_disabled():
            return PoleDisplay.objects.create(
                organization=organization,
                store=store,
                register=register,
                name=fields.pop("name", "Kundenanzeige"),
                serial_device=port,
                **fields,
            )

    return make


@pytest.fixture
def make_scanner(organization, store, register):
    def make(port: str = "", **fields: Any) -> Scanner:
        with scopes_disabled():
            return Scanner.objects.create(
                organization=organization,
                store=store,
                register=register,
                name=fields.pop("name", "Handscanner"),
                serial_device=port,
                **fields,
            )

    return make
