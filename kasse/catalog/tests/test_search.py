"""Product search ranks what the cashier typed: the exact name, then names starting with it, then the rest."""

from __future__ import annotations

import pytest

from kasse.catalog.selectors import search_products
from kasse.testing.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_exact_name_first_then_prefix_then_names_containing_it(organization, in_scope):
    for name in ("Käse-Schrippe", "Schrippen-Tüte", "Dinkel-Schrippe", "Schrippe mit Mohn", "Schrippe"):
        ProductFactory(organization=organization, name=name)
    found = [p.name for p in search_products(organization, "Schrippe")]
    assert found == ["Schrippe", "Schrippe mit Mohn", "Schrippen-Tüte", "Dinkel-Schrippe", "Käse-Schrippe"]
    assert [p.name for p in search_products(organization, "schrippe")][:2] == ["Schrippe", "Schrippe mit Mohn"]


def test_ranking_folds_umlauts_for_prefix_matches(organization, in_scope):
    for name in ("Rosinenbrötchen", "Brötchen", "Brötchentüte"):
        ProductFactory(organization=organization, name=name)
    assert [p.name for p in search_products(organization, "brotchen")] == [
        "Brötchen",
        "Brötchentüte",
        "Rosinenbrötchen",
    ]
