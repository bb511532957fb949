"""CSV export and import: German Excel files, per-row errors, all or nothing, round trip."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django_scopes import scope, scopes_disabled

from kasse.catalog.csv_export import export_products_csv
from kasse.catalog.csv_io import import_products_csv
from kasse.catalog.models import Barcode, Category, Product, Variant
from kasse.catalog.services import VariantData, save_product
from kasse.testing.factories import CategoryFactory, OrganizationFactory, ProductFactory, ean13

pytestmark = pytest.mark.django_db

HEADER = "sku;name;variant;category;price;vat_class;unit;is_measured;barcodes;cost_price;track_stock;active"


def _excel(*lines: str) -> bytes:
    """What German Excel saves as "CSV UTF-8": BOM, semicolons, CRLF."""
    return ("\r\n".join((HEADER, *lines)) + "\r\n").encode("utf-8-sig")


def _import(org, content, actor, **kwargs):
    with scope(organization=org), translation.override("de"):
        result = import_products_csv(actor=actor, organization=org, file=content, **kwargs)
        return result, [str(e) for e in result.errors]


def _catalog(org) -> list[tuple]:
    """Everything the import could change, as plain tuples, for exact comparison."""
    with scopes_disabled():
        return sorted(
            (
                v.product.name,
                v.name,
                v.sku,
                v.effective_price,
                v.product.vat_class,
                v.product.unit,
                v.product.is_measured,
                v.product.track_stock,
                v.product.is_active,
                v.is_active,
                v.product.category.name if v.product.category else "",
                v.cost_price or v.product.cost_price,
                tuple(sorted(v.barcodes.values_list("code", flat=True))),
                tuple(sorted(v.attributes.items())),
            )
            for v in Variant.objects.filter(organization=org).select_related("product__category")
        )


def test_import_excel_file_with_variants_and_german_decimals(organization, actor):
    # Given a German Excel file: two shirt sizes and a weighed cheese
    content = _excel(
        f"TS-M;T-Shirt;M;Textil;19,90;standard;piece;0;{ean13(1)}|{ean13(2)};8,50;1;1",
        f"TS-L;T-Shirt;L;Textil;21,90;standard;piece;0;{ean13(3)};8,50;1;1",
        "KAESE;Bergkäse;;Käse;2,49;reduced;100g;ja;;;nein;1",
    )
    # When it is imported
    result, errors = _import(organization, content, actor)
    # Then two products exist, the shirt with two variants
    assert errors == []
    assert (result.created_products, result.updated_products) == (2, 0)
    assert _catalog(organization) == sorted(
        [
            (
                "Bergkäse",
                "",
                "KAESE",
                Decimal("2.49"),
                "reduced",
                "100g",
                True,
                False,
                True,
                True,
                "Käse",
                None,
                (),
                (),
            ),
            (
                "T-Shirt",
                "L",
                "TS-L",
                Decimal("21.90"),
                "standard",
                "piece",
                False,
                True,
                True,
                True,
                "Textil",
                Decimal("8.50"),
                (ean13(3),),
                (),
            ),
            (
                "T-Shirt",
                "M",
                "TS-M",
                Decimal("19.90"),
                "standard",
                "piece",
                False,
                True,
                True,
                True,
                "Textil",
                Decimal("8.50"),
                tuple(sorted([ean13(1), ean13(2)])),
                (),
            ),
        ]
    )
    with scopes_disabled():
        assert Product.objects.get(name="T-Shirt").price == Decimal("19.90")
        assert list(Category.objects.order_by("name").values_list("name", flat=True)) == ["Käse", "Textil"]


def test_import_comma_separated_file_with_decimal_point_and_no_bom(organization, actor):
    content = (f'name,price,vat_class,barcodes\n"Brötchen, hell",0.45,reduced,{ean13(5)}\n').encode()
    result, errors = _import(organization, content, actor)
    assert errors == []
    with scopes_disabled():
        product = Product.objects.get()
        assert (product.name, product.price, product.vat_class) == ("Brötchen, hell", Decimal("0.45"), "reduced")
        assert list(Barcode.objects.values_list("code", flat=True)) == [ean13(5)]


def test_existing_sku_updates_that_variant_and_keeps_the_others(organization, actor):
    # Given a shirt with two variants
    with scope(organization=organization):
        save_product(
            actor=actor,
            organization=organization,
            data={"name": "Shirt", "price": "10"},
            variants=[
                VariantData(name="M", sku="S-M", barcodes=[ean13(7)]),
                VariantData(name="L", sku="S-L", barcodes=[ean13(8)]),
            ],
        )
    # When a file changes only the price and barcodes of S-L
    result, errors = _import(organization, "sku;price;name;barcodes\nS-L;12,50;Shirt;" + ean13(9), actor)
    # Then S-L is updated, S-M untouched, and no product was added
    assert errors == []
    assert (result.created_products, result.updated_products) == (0, 1)
    with scopes_disabled():
        assert Product.objects.count() == 1
        assert sorted(Variant.objects.values_list("sku", "price", "is_active")) == [
            ("S-L", Decimal("12.50"), True),
            ("S-M", None, True),
        ]
        assert sorted(Barcode.objects.values_list("variant__sku", "code")) == [("S-L", ean13(9)), ("S-M", ean13(7))]


def test_bad_rows_are_all_reported_in_german_and_nothing_is_imported(organization, actor, counts):
    # Given an organization with one product that has a barcode
    ProductFactory(organization=organization, name="Laugenbrezel", variant__barcode=ean13(40))
    before = counts()
    # When a file with one good row and many bad rows is imported
    content = _excel(
        "A-1;Gut;;;1,00;standard;piece;0;;;1;1",  # line 2: fine
        "A-2;Schlecht 1;;;1,00;standard;piece;0;4006381333932;;1;1",  # line 3: check digit
        f"A-3;Schlecht 2;;;1,00;standard;piece;0;{ean13(40)};;1;1",  # line 4: barcode taken
        "A-4;Schlecht 3;;;-1,00;standard;piece;0;;;1;1",  # line 5: negative price
        "A-5;Schlecht 4;;;1,00;20%;piece;0;;;1;1",  # line 6: unknown VAT class
        "A-6;Schlecht 5;;;1,00;standard;piece;0;;;1;1;zu;viel",  # line 7: malformed row
        ";;;;1,00;standard;piece;0;;;1;1",  # line 8: no name
        "A-7;Schlecht 6;;;1,00;standard;Kiste;0;;;1;1",  # line 9: unknown unit
        "A-8;Schlecht 7;;;1,00;standard;piece;vielleicht;;;1;1",  # line 10: not a yes/no
    )
    result, errors = _import(organization, content, actor)
    # Then every bad row is reported, in German, by line
    assert errors == [
        "Zeile 3: Die Prüfziffer von 4006381333932 ist falsch (erwartet 1). Bitte prüfen Sie den Code auf Tippfehler.",
        f"Zeile 4: Der Barcode {ean13(40)} gehört schon zu „Laugenbrezel“.",
        "Zeile 5, Spalte „price“: Ein Preis darf nicht negativ sein.",
        "Zeile 6: Unbekannte MwSt.-Klasse „20%“. Erlaubt sind: standard, reduced, zero, exempt.",
        "Zeile 7: Die Zeile hat 14 Felder, die Kopfzeile aber nur 12.",
        "Zeile 8: Der Name fehlt.",
        "Zeile 9: Unbekannte Einheit „Kiste“. Erlaubt sind: piece, kg, 100g, l, m.",
        "Zeile 10: „vielleicht“ in der Spalte „is_measured“ ist weder ja noch nein (bitte 1 oder 0 verwenden).",
    ]
    assert not result.ok
    # And nothing was imported, not even the good row
    assert counts() == before


def test_duplicate_barcode_within_the_file_is_an_error(organization, actor, counts):
    before = counts()
    content = _excel(
        f"B-1;Eins;;;1,00;standard;piece;0;{ean13(50)};;1;1", f"B-2;Zwei;;;1,00;standard;piece;0;{ean13(50)};;1;1"
    )
    _result, errors = _import(organization, content, actor)
    assert errors == [f"Zeile 3: Der Barcode {ean13(50)} gehört schon zu „Eins“."]
    assert counts() == before


def test_barcode_of_another_organization_is_fine(organization, actor):
    ProductFactory(organization=OrganizationFactory(), variant__barcode=ean13(60))
    _result, errors = _import(organization, _excel(f"C-1;Milch;;;1,19;reduced;piece;0;{ean13(60)};;1;1"), actor)
    assert errors == []
    with scopes_disabled():
        assert Barcode.objects.filter(code=ean13(60)).count() == 2


def test_unknown_column_and_empty_file_are_clear_errors(organization, actor, counts):
    before = counts()
    assert _import(organization, b"name;preis;farbe\nBrot;1;rot\n", actor)[1] == [
        "Zeile 1: Unbekannte Spalte(n): farbe. Bekannte Spalten: sku, name, variant, category, price, vat_class, "
        "unit, is_measured, barcodes, cost_price, track_stock, active, attributes."
    ]
    assert _import(organization, b"", actor)[1] == ["Die Datei ist leer."]
    assert counts() == before


def test_dry_run_reports_but_keeps_nothing(organization, actor, counts):
    before = counts()
    result, errors = _import(organization, _excel("D-1;Brot;;;3,20;reduced;piece;0;;;1;1"), actor, dry_run=True)
    assert errors == []
    assert result.created_products == 1
    with translation.override("de"):
        assert result.summary == "Die Datei ist in Ordnung. Der Import ergäbe 1 neues Produkt und 0 geänderte Produkte."
    assert counts() == before


def test_export_is_excel_friendly(organization):
    category = CategoryFactory(organization=organization, name="Backwaren")
    ProductFactory(
        organization=organization,
        name="Brötchen",
        price=Decimal("1234.50"),
        category=category,
        variant__sku="BR-1",
        variant__barcode=ean13(70),
    )
    with scope(organization=organization):
        text = export_products_csv(organization)
    assert text.startswith("\ufeff")
    assert text.splitlines()[0] == "\ufeff" + HEADER + ";attributes"
    assert text.splitlines()[1] == f"BR-1;Brötchen;;Backwaren;1234,50;reduced;piece;0;{ean13(70)};;1;1;"


def test_export_then_import_round_trips(organization, actor):
    # Given a catalog with a simple product, a product with variants, inactive items and a category
    with scope(organization=organization):
        bread = CategoryFactory(organization=organization, name="Brot")
        save_product(
            actor=actor,
            organization=organization,
            data={
                "name": "Roggenbrot",
                "price": "3,20",
                "vat_class": "reduced",
                "category": bread,
                "cost_price": "1,10",
                "unit": "piece",
            },
            variants=[VariantData(sku="R-1", barcodes=[ean13(80), "HAUS-1"])],
        )
        save_product(
            actor=actor,
            organization=organization,
            data={"name": "Hoodie", "price": "39,00", "vat_class": "standard", "track_stock": True},
            variants=[
                VariantData(name="S / Rot", sku="H-S", attributes={"Größe": "S", "Farbe": "Rot"}, barcodes=[ean13(81)]),
                VariantData(name="M / Rot", sku="H-M", price="41,00", cost_price="12,00", is_active=False),
            ],
        )
        save_product(
            actor=actor,
            organization=organization,
            data={
                "name": "Käse",
                "price": "2,49",
                "unit": "100g",
                "is_measured": True,
                "is_active": False,
                "track_stock": False,
            },
        )
        before = _catalog(organization)
        exported = export_products_csv(organization)
    # When the export is imported again
    result, errors = _import(organization, exported.encode("utf-8"), actor)
    # Then nothing is added and nothing changes
    assert errors == []
    assert result.created_products == 0
    assert _catalog(organization) == before
    # And a fresh organization importing it gets the same catalog
    other = OrganizationFactory()
    _result, errors = _import(other, exported.encode("utf-8"), actor)
    assert errors == []

    def without_skus(rows):
        return [row[:2] + row[3:] for row in rows]

    assert without_skus(_catalog(other)) == without_skus(before)


# --- pages --------------------------------------------------------------------------------------


def test_import_page_checks_then_imports(owner_client, organization, counts):
    de = {"HTTP_ACCEPT_LANGUAGE": "de"}
    session = owner_client.session
    session["language"] = "de"
    session.save()
    upload = _excel("E-1;Brezel;;;0,80;reduced;piece;0;;;1;1")
    before = counts()
    response = owner_client.post(
        reverse("catalog:product-import"), {"file": SimpleUploadedFile("p.csv", upload), "action": "check"}, **de
    )
    page = BeautifulSoup(response.content, "html.parser")
    assert page.select_one("[data-testid=import-summary]").text.strip().startswith("Die Datei ist in Ordnung.")
    assert counts() == before
    response = owner_client.post(
        reverse("catalog:product-import"), {"file": SimpleUploadedFile("p.csv", upload), "action": "import"}, **de
    )
    assert response.status_code == 200
    with scopes_disabled():
        assert list(Product.objects.values_list("name", "price")) == [("Brezel", Decimal("0.80"))]


def test_import_page_lists_errors(owner_client, organization, counts):
    session = owner_client.session
    session["language"] = "de"
    session.save()
    before = counts()
    response = owner_client.post(
        reverse("catalog:product-import"),
        {
            "file": SimpleUploadedFile("p.csv", _excel("F-1;Brot;;;1,00;standard;piece;0;4006381333932;;1;1")),
            "action": "import",
        },
    )
    page = BeautifulSoup(response.content, "html.parser")
    assert response.status_code == 400
    assert [li.text for li in page.select("[data-testid=import-errors] li")] == [
        "Zeile 2: Die Prüfziffer von 4006381333932 ist falsch (erwartet 1). Bitte prüfen Sie den Code auf Tippfehler."
    ]
    assert counts() == before


def test_export_download(owner_client, organization):
    ProductFactory(organization=organization, name="Brötchen", variant__sku="X-1")
    response = owner_client.get(reverse("catalog:product-export"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="kasse-products-')
    assert response.content.decode("utf-8").splitlines()[1].startswith("X-1;Brötchen;")
