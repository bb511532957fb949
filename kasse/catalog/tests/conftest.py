"""Fixtures of the catalog tests."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from kasse.catalog.models import Barcode, Category, Product, StorePrice, Variant
from kasse.core.actors import Actor


@pytest.fixture
def actor():
    return Actor.system("test")


@pytest.fixture
def counts():
    """Row counts of every catalog table, to assert that bad input changed nothing."""

    def snapshot() -> dict[str, int]:
        with scopes_disabled():
            return {
                model.__name__: model.objects.count() for model in (Category, Product, Variant, Barcode, StorePrice)
            }

    return snapshot
