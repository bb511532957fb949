from __future__ import annotations

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.register.models import RegisterDevice
from kasse.register.services.pairing import DEVICE_COOKIE, _digest
from kasse.sales.services.shifts import open_shift
from kasse.tenancy.permissions import Role
from kasse.testing.factories import CategoryFactory, EmployeeFactory, ProductFactory
from kasse.testing.register_login import unlock_data


def paired_client(register, token: str = "device-token") -> Client:
    with scopes_disabled():
        RegisterDevice.objects.create(organization=register.organization, register=register,
                                      token_digest=_digest(token))
    client = Client()
    client.cookies[DEVICE_COOKIE] = token
    return client


@pytest.fixture
def cashier(organization, store):
    return EmployeeFactory(organization=organization, display_name="Clara", pin="1111", role=(store, Role.CASHIER))


@pytest.fixture
def manager(organization, store):
    return EmployeeFactory(organization=organization, display_name="Max", pin="2222", role=(store, Role.MANAGER))


@pytest.fixture
def device(register):
    return paired_client(register)


@pytest.fixture
def till(device, register, cashier):
    """A paired register with an open shift and Clara logged in."""
    open_shift(actor=Actor.system(), register=register, employee=cashier, count={"20": 5})
    response = device.post("/register/unlock/", unlock_data(cashier, "1111"))
    assert response.status_code == 302
    return device


@pytest.fixture
def bakery(organization):
    """A few products: rolls (7 %, barcode), coffee (19 %), cheese by weight with a scale label code."""
    category = CategoryFactory(organization=organization, name="Backwaren")
    return {
        "rolls": ProductFactory(organization=organization, name="Brötchen", price="0.45", category=category,
                                variant__barcode="4000000000017", is_favourite=True),
        "coffee": ProductFactory(organization=organization, name="Kaffee", price="2.80", vat_class="standard",
                                 variant__barcode="4000000000024"),
        # German weight label: 28 + item 0001 + value check digit + 5 digits of grams, zeroed in the catalog.
        "cheese": ProductFactory(organization=organization, name="Bergkäse", price="24.90", unit="kg",
                                 is_measured=True, variant__barcode="2800010000001"),
    }
