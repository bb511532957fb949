"""CSV export neutralises spreadsheet formulas; the import restores the original values."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import translation
from django_scopes import scope, scopes_disabled

from kasse.catalog.csv_export import export_products_csv, neutralize_formula, restore_formula
from kasse.catalog.csv_io import import_products_csv
from kasse.catalog.models import Variant
from kasse.catalog.services import VariantData, save_product
from kasse.testing.factories import CategoryFactory

pytestmark = pytest.mark.django_db

DANGEROUS = [
    '=HYPERLINK("http://evil.example";"klick")',
    "+49 Brot",
    "-20% Aktion",
    "@SUM(A1)",
    "'=schon mit Apostroph",
    "''+zwei",
]


@pytest.mark.parametrize("value", [*DANGEROUS, "Brötchen", "'nur Apostroph", "", "a=b"])
def test_neutralize_and_restore_are_inverse(value):
    shown = neutralize_formula(value)
    assert restore_formula(shown) == value
    assert not shown.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_export_neutralises_formula_cells_and_the_import_restores_them(organization, actor):
    # Given products whose texts start like spreadsheet formulas
    with scope(organization=organization):
        category = CategoryFactory(organization=organization, name="=Kategorie()")
        for n, name in enumerate(DANGEROUS):
            save_product(
                actor=actor,
                organization=organization,
                data={"name": name, "price": "1,00", "vat_class": "standard", "category": category},
                variants=[VariantData(sku=f"-SKU-{n}", name="@Var", attributes={"+k": "=v"})],
            )
        exported = export_products_csv(organization)
    # Then no cell of the export starts a formula
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff")), delimiter=";"))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert sorted(row[1] for row in rows[1:]) == sorted("'" + value for value in DANGEROUS)
    # When the export is imported again (as an update of the same SKUs)
    with scopes_disabled():
        before = sorted(
            (v.sku, v.product.name, v.name, v.product.category.name, tuple(v.attributes.items()))
            for v in Variant.objects.select_related("product__category")
        )
    with scope(organization=organization), translation.override("en"):
        result = import_products_csv(actor=actor, organization=organization, file=exported)
    assert [str(e) for e in result.errors] == []
    # Then every value is the original one
    with scopes_disabled():
        after = sorted(
            (v.sku, v.product.name, v.name, v.product.category.name, tuple(v.attributes.items()))
            for v in Variant.objects.select_related("product__category")
        )
    assert after == before
    assert ("-SKU-0", DANGEROUS[0], "@Var", "=Kategorie()", (("+k", "=v"),)) in after
