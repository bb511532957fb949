"""Tenant-isolation cases of the catalog pages (see kasse/testing/isolation.py).

Objects are created directly (the central test runs ``make`` with scopes
disabled), which keeps this module free of test-only dependencies.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kasse.catalog.models import Category, Product, Variant
from kasse.tenancy.models import Organization, Store
from kasse.testing.isolation import IsolationCase


def _variant(org: Organization) -> Variant:
    product = Product.objects.create(organization=org, name="Brötchen", price=Decimal("0.45"))
    return Variant.objects.create(organization=org, product=product, sku=f"ISO-{product.pk.hex[:12]}")


def _product(org: Organization) -> dict[str, Any]:
    return {"pk": _variant(org).product_id}


def _variant_with_store(org: Organization) -> dict[str, Any]:
    Store.objects.create(
        organization=org, name="Filiale", number=1, street="Markt 1", postal_code="10115", city="Berlin"
    )
    return {"pk": _variant(org).pk}


def _category(org: Organization) -> dict[str, Any]:
    return {"pk": Category.objects.create(organization=org, name="Backwaren").pk}


CASES = [
    IsolationCase(
        "catalog:product-edit",
        _product,
        methods=("get", "post"),
        data={
            "name": "Fremd",
            "price": "1,00",
            "vat_class": "standard",
            "unit": "piece",
            "variants-TOTAL_FORMS": "0",
            "variants-INITIAL_FORMS": "0",
        },
        organization_wide=True,
    ),
    IsolationCase(
        "catalog:variant-prices", _variant_with_store, methods=("get", "post"), data={}, organization_wide=True
    ),
    IsolationCase(
        "catalog:category-edit",
        _category,
        methods=("get", "post"),
        data={"name": "Fremd", "position": "0"},
        organization_wide=True,
    ),
]
