from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, ProductFactory, StoreFactory, UserFactory


@pytest.fixture
def owner_employee(owner, organization):
    with scopes_disabled():
        return owner.employees.get(organization=organization)


@pytest.fixture
def other_store(organization):
    return StoreFactory(organization=organization, name="Filiale Süd")


@pytest.fixture
def manager(organization, store):
    """A manager of ``store`` only, with a back-office login."""
    login = UserFactory(email="filialleitung@example.org")
    return EmployeeFactory(organization=organization, user=login, display_name="Marta", role=(store, Role.MANAGER))


@pytest.fixture
def cashier(organization, store):
    login = UserFactory(email="kasse@example.org")
    return EmployeeFactory(organization=organization, user=login, display_name="Clara", role=(store, Role.CASHIER))


@pytest.fixture
def rolls(organization):
    """Counted in pieces, with a barcode."""
    return ProductFactory(
        organization=organization, name="Brötchen", price="0.45", variant__barcode="4000000000017", variant__sku="BR-1"
    )


@pytest.fixture
def cheese(organization):
    """Sold by weight (kg)."""
    return ProductFactory(
        organization=organization,
        name="Bergkäse",
        price="24.90",
        unit="kg",
        is_measured=True,
        variant__barcode="4006381333931",
        variant__sku="KAE-1",
    )


def variant_of(product):
    with scopes_disabled():
        return product.variants.select_related("product").get()
