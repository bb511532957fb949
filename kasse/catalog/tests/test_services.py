"""save_product, set_store_price and save_category: what they write, and what they refuse."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django_scopes import scope, scopes_disabled

from kasse.catalog.models import Barcode, Product, StorePrice, Variant
from kasse.catalog.services import VariantData, parse_price, save_category, save_product, set_store_price
from kasse.core.models import AuditEntry
from kasse.testing.factories import OrganizationFactory, ProductFactory, StoreFactory, ean13

pytestmark = pytest.mark.django_db


def _shirt(actor, organization, **data):
    return save_product(
        actor=actor,
        organization=organization,
        data={"name": "T-Shirt", "price": "19,90", "vat_class": "standard", **data},
        variants=[
            VariantData(name="M / Rot", sku="TS-M-R", barcodes=[ean13(1)], attributes={"Größe": "M", "Farbe": "Rot"}),
            VariantData(name="L / Rot", sku="TS-L-R", price=Decimal("21.90"), barcodes=[ean13(2), "REGAL-7"]),
        ],
    )


def test_save_product_writes_product_variants_and_barcodes(in_scope, actor):
    # When a product with two variants is saved
    product = _shirt(actor, in_scope)
    # Then exactly these rows exist
    assert product.price == Decimal("19.90")
    assert list(Variant.objects.filter(product=product).values_list("name", "sku", "price", "position")) == [
        ("M / Rot", "TS-M-R", None, 0),
        ("L / Rot", "TS-L-R", Decimal("21.90"), 1),
    ]
    assert sorted(Barcode.objects.filter(variant__product=product).values_list("code", "kind")) == sorted(
        [(ean13(1), "ean13"), (ean13(2), "ean13"), ("REGAL-7", "instore")]
    )
    assert Variant.objects.get(sku="TS-M-R").attributes == {"Größe": "M", "Farbe": "Rot"}
    assert AuditEntry.objects.filter(action="catalog.product.created", object_id=str(product.pk)).count() == 1


def test_removed_variant_is_deactivated_and_its_barcodes_freed(in_scope, actor):
    # Given a product with two variants
    product = _shirt(actor, in_scope)
    keep = Variant.objects.get(sku="TS-M-R")
    # When it is saved with only one of them
    save_product(
        actor=actor,
        organization=in_scope,
        product=product,
        data={},
        variants=[VariantData(id=keep.pk, name="M / Rot", sku="TS-M-R", barcodes=[ean13(1)])],
    )
    # Then the other one still exists (sales refer to it) but is inactive and has no barcodes
    removed = Variant.objects.get(sku="TS-L-R")
    assert removed.is_active is False
    assert not Barcode.objects.filter(variant=removed).exists()
    assert list(Barcode.objects.filter(variant=keep).values_list("code", flat=True)) == [ean13(1)]


@pytest.mark.parametrize(
    ("data", "variants", "field", "message"),
    [
        ({"price": "-1,00"}, None, "price", "Ein Preis darf nicht negativ sein."),
        ({"vat_class": "20"}, None, "vat_class", "Unbekannte MwSt.-Klasse"),
        ({}, [VariantData(barcodes=["4006381333932"])], "barcodes", "Die Prüfziffer von 4006381333932 ist falsch"),
        ({}, [VariantData(barcodes=[ean13(5), ean13(5)])], "barcodes", "zweimal"),
        ({}, [VariantData(price="1,999")], "price", "höchstens zwei Nachkommastellen"),
    ],
)
def test_bad_input_is_a_translated_error_and_changes_nothing(in_scope, actor, counts, data, variants, field, message):
    # Given the organization's catalog as it is
    before = counts()
    # When a product with bad input is saved (in German)
    with translation.override("de"), pytest.raises(ValidationError) as info:
        save_product(
            actor=actor,
            organization=in_scope,
            variants=variants,
            data={"name": "Brötchen", "price": "0,45", "vat_class": "reduced", **data},
        )
    # Then the error names the field in German, and nothing was written
    assert message in " ".join(info.value.message_dict[field])
    assert counts() == before


def test_duplicate_barcode_in_the_organization_is_refused_and_names_the_variant(in_scope, actor, counts):
    # Given a product that has a barcode
    ProductFactory(organization=in_scope, name="Laugenbrezel", variant__barcode=ean13(7))
    before = counts()
    # When another product's second variant uses the same code
    with translation.override("de"), pytest.raises(ValidationError) as info:
        save_product(
            actor=actor,
            organization=in_scope,
            data={"name": "Brezel", "price": "1"},
            variants=[VariantData(name="klein"), VariantData(name="groß", barcodes=[ean13(7)])],
        )
    # Then it is refused, the error points at that variant, and nothing changed
    assert info.value.variant_index == 1
    assert f"Der Barcode {ean13(7)} gehört schon zu „Laugenbrezel" in info.value.message_dict["barcodes"][0]
    assert counts() == before


def test_same_barcode_in_another_organization_is_fine(actor):
    # Given a barcode in another organization
    other = OrganizationFactory()
    ProductFactory(organization=other, variant__barcode=ean13(8))
    mine = OrganizationFactory()
    # When my product uses the same code
    with scope(organization=mine):
        product = save_product(
            actor=actor,
            organization=mine,
            data={"name": "Milch", "price": "1,19"},
            variants=[VariantData(barcodes=[ean13(8)])],
        )
    # Then both organizations have it
    with scopes_disabled():
        assert Barcode.objects.filter(code=ean13(8)).count() == 2
        assert Barcode.objects.get(code=ean13(8), organization=mine).variant.product == product


def test_parse_price_reads_german_and_english_amounts():
    assert parse_price("1.234,50", "price", required=True) == Decimal("1234.50")
    assert parse_price("1234.5", "price", required=True) == Decimal("1234.50")
    assert parse_price("2,99 €", "price", required=True) == Decimal("2.99")
    assert parse_price("", "price", required=False) is None


def test_store_price_is_set_changed_and_removed(in_scope, actor):
    store = StoreFactory(organization=in_scope)
    variant = Variant.objects.get(product=ProductFactory(organization=in_scope))
    set_store_price(actor=actor, store=store, variant=variant, price="0,55")
    set_store_price(actor=actor, store=store, variant=variant, price="0,60")
    assert list(StorePrice.objects.values_list("store", "variant", "price")) == [
        (store.pk, variant.pk, Decimal("0.60"))
    ]
    set_store_price(actor=actor, store=store, variant=variant, price=None)
    assert not StorePrice.objects.exists()


def test_negative_store_price_is_refused(in_scope, actor, counts):
    store = StoreFactory(organization=in_scope)
    variant = Variant.objects.get(product=ProductFactory(organization=in_scope))
    before = counts()
    with translation.override("de"), pytest.raises(ValidationError) as info:
        set_store_price(actor=actor, store=store, variant=variant, price="-0,10")
    assert info.value.message_dict["price"] == ["Ein Preis darf nicht negativ sein."]
    assert counts() == before


def test_category_names_are_unique_regardless_of_case(in_scope, actor):
    save_category(actor=actor, organization=in_scope, data={"name": "Backwaren"})
    with translation.override("de"), pytest.raises(ValidationError) as info:
        save_category(actor=actor, organization=in_scope, data={"name": "backwaren "})
    assert info.value.message_dict["name"] == ["Eine Kategorie mit diesem Namen gibt es schon."]
    assert Product.objects.count() == 0


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_a_category_cannot_become_its_own_ancestor(in_scope, actor, depth):
    # Given a chain Backwaren > level 1 > level 2
    top = save_category(actor=actor, organization=in_scope, data={"name": "Backwaren"})
    chain = [top]
    for level in (1, 2):
        chain.append(
            save_category(actor=actor, organization=in_scope, data={"name": f"Ebene {level}", "parent": chain[-1]})
        )
    # When the top is moved under itself or one of its descendants
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        save_category(actor=actor, organization=in_scope, data={"parent": chain[depth]}, category=top)
    # Then it is refused with a German message and the top stays at the top
    assert refused.value.message_dict["parent"] == ["Eine Kategorie kann nicht in sich selbst liegen."]
    top.refresh_from_db()
    assert top.parent_id is None


@pytest.mark.parametrize("typed", ["1e30", "1E+30", "9" * 40, "-1e30"])
def test_parse_price_refuses_huge_amounts_with_a_message(typed):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        parse_price(typed, "price", required=True)
    assert refused.value.message_dict["price"] in (["This price is too large."], ["A price must not be negative."])
