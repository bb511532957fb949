"""Catalog endpoints: what a client reads and writes, exactly."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.catalog.models import Barcode, Product, StorePrice, Variant
from kasse.core.models import AuditEntry
from kasse.testing.factories import CategoryFactory, ProductFactory, StoreFactory, ean13

pytestmark = pytest.mark.django_db


def _product_rows(product_id):
    with scopes_disabled():
        product = Product.objects.get(pk=product_id)
        variants = list(Variant.objects.filter(product=product).order_by("position"))
        return product, variants


# --- Reading ---------------------------------------------------------------------------------


def test_product_list_shows_variants_barcodes_and_store_prices(api, organization, store):
    # Given a product with a barcode and a store price
    category = CategoryFactory(organization=organization, name="Brot")
    product = ProductFactory(
        organization=organization,
        name="Roggenbrot",
        price=Decimal("3.20"),
        category=category,
        variant__barcode=ean13(11),
        variant__sku="RB-1",
    )
    with scopes_disabled():
        variant = product.variants.get()
        StorePrice.objects.create(organization=organization, store=store, variant=variant, price=Decimal("2.99"))
    # When the client lists products
    response = api.get("/products")
    # Then it gets the product with everything, money as strings
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item == {
        "id": str(product.pk),
        "name": "Roggenbrot",
        "description": "",
        "category_id": str(category.pk),
        "unit": "piece",
        "is_measured": False,
        "net_content": None,
        "net_content_unit": "",
        "vat_class": "reduced",
        "vat_rate": "7.00",
        "price": "3.20",
        "cost_price": None,
        "track_stock": True,
        "is_active": True,
        "is_favourite": False,
        "image_url": None,
        "variants": [
            {
                "id": str(variant.pk),
                "name": "",
                "sku": "RB-1",
                "price": None,
                "effective_price": "3.20",
                "cost_price": None,
                "attributes": {},
                "position": 0,
                "is_active": True,
                "barcodes": [{"code": ean13(11), "kind": "ean13"}],
                "store_prices": [{"store_id": str(store.pk), "price": "2.99"}],
            }
        ],
        "created_at": item["created_at"],
        "updated_at": item["updated_at"],
    }


def test_product_search_ignores_case_and_umlauts_and_finds_barcodes(api, organization):
    # Given three products
    ProductFactory(organization=organization, name="Brötchen hell")
    ProductFactory(organization=organization, name="Laugenbrezel", variant__barcode=ean13(21))
    ProductFactory(organization=organization, name="Kaffee")
    # When the client searches without umlaut, and by a barcode
    by_name = api.get("/products", {"q": "BROTCHEN"}).json()
    by_code = api.get("/products", {"q": ean13(21)}).json()
    # Then it finds the right ones
    assert [p["name"] for p in by_name["items"]] == ["Brötchen hell"]
    assert [p["name"] for p in by_code["items"]] == ["Laugenbrezel"]


def test_product_search_lists_the_exact_name_first_then_names_that_start_with_it(api, organization):
    # Given a product named exactly as searched, one starting with it and one containing it
    ProductFactory(organization=organization, name="Käse-Schrippe")
    ProductFactory(organization=organization, name="Schrippe mit Mohn")
    ProductFactory(organization=organization, name="Schrippe")
    # When the client searches for the name
    found = api.get("/products", {"q": "schrippe"}).json()
    # Then the exact match comes first, then the prefix match, then the rest
    assert [p["name"] for p in found["items"]] == ["Schrippe", "Schrippe mit Mohn", "Käse-Schrippe"]


def test_product_list_filters_by_category_active_and_updated_since(api, organization):
    # Given products in and out of a category, one inactive, one changed long ago
    bread = CategoryFactory(organization=organization, name="Brot")
    ProductFactory(organization=organization, name="Roggenbrot", category=bread)
    ProductFactory(organization=organization, name="Altes Brot", category=bread, is_active=False)
    old = ProductFactory(organization=organization, name="Kaffee")
    with scopes_disabled():
        Product.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=30))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    # When the client filters
    in_bread = api.get("/products", {"category_id": str(bread.pk)}).json()
    inactive = api.get("/products", {"active": "false"}).json()
    recent = api.get("/products", {"updated_since": since}).json()
    # Then each filter applies
    assert [p["name"] for p in in_bread["items"]] == ["Altes Brot", "Roggenbrot"]
    assert [p["name"] for p in inactive["items"]] == ["Altes Brot"]
    assert [p["name"] for p in recent["items"]] == ["Altes Brot", "Roggenbrot"]


def test_product_list_pages_with_limit_and_offset(api, organization):
    for n in range(5):
        ProductFactory(organization=organization, name=f"Artikel {n}")
    page = api.get("/products", {"limit": 2, "offset": 2}).json()
    assert page["count"] == 5
    assert [p["name"] for p in page["items"]] == ["Artikel 2", "Artikel 3"]


def test_product_list_has_a_query_budget(api, organization, store, django_assert_max_num_queries):
    # Given 30 products with barcodes and store prices
    for n in range(30):
        product = ProductFactory(organization=organization, variant__barcode=ean13(100 + n))
        with scopes_disabled():
            StorePrice.objects.create(
                organization=organization, store=store, variant=product.variants.get(), price=Decimal("1.00")
            )
    # Then listing them takes a fixed number of queries, not one per product
    with django_assert_max_num_queries(8):
        response = api.get("/products", {"limit": 30})
    assert len(response.json()["items"]) == 30


def test_lookup_by_barcode_returns_variant_and_product(api, organization):
    product = ProductFactory(organization=organization, name="Milch 1 l", variant__barcode=ean13(31))
    response = api.get(f"/products/by-barcode/{ean13(31)}")
    assert response.status_code == 200
    body = response.json()
    assert body["product"]["id"] == str(product.pk)
    assert body["variant"]["barcodes"] == [{"code": ean13(31), "kind": "ean13"}]


def test_unknown_barcode_is_404(api, organization):
    response = api.get(f"/products/by-barcode/{ean13(32)}")
    assert (response.status_code, response.json()) == (404, {"detail": "Not found"})


def test_malformed_and_missing_ids_are_the_same_404(api):
    for path in ("/products/not-a-uuid", "/products/00000000-0000-0000-0000-000000000000"):
        response = api.get(path)
        assert (response.status_code, response.json()) == (404, {"detail": "Not found"})


# --- Writing ---------------------------------------------------------------------------------


def test_create_product_with_variants_barcodes_and_store_prices(api, organization, store, api_token):
    # Given a category
    clothing = CategoryFactory(organization=organization, name="Kleidung")
    # When the client creates a T-shirt in two sizes
    response = api.post(
        "/products",
        {
            "name": "T-Shirt",
            "price": "19.90",
            "vat_class": "standard",
            "category_id": str(clothing.pk),
            "variants": [
                {
                    "name": "M",
                    "sku": "TS-M",
                    "barcodes": [ean13(41)],
                    "attributes": {"Größe": "M"},
                    "store_prices": [{"store_id": str(store.pk), "price": "17.90"}],
                },
                {"name": "L", "sku": "TS-L", "price": "21.90", "barcodes": [ean13(42), "REGAL-7"]},
            ],
        },
    )
    # Then it exists with both variants, their codes and the store price
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["price"] == "19.90"
    assert [
        (v["sku"], v["effective_price"], [b["code"] for b in v["barcodes"]], v["store_prices"])
        for v in body["variants"]
    ] == [
        ("TS-M", "19.90", [ean13(41)], [{"store_id": str(store.pk), "price": "17.90"}]),
        ("TS-L", "21.90", [ean13(42), "REGAL-7"], []),
    ]
    product, variants = _product_rows(body["id"])
    assert product.category_id == clothing.pk
    assert [v.attributes for v in variants] == [{"Größe": "M"}, {}]
    # And the audit log names the token
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="catalog.product.created", object_id=body["id"])
    assert entry.actor_label == "api_token:API: Kassensystem"


def test_create_simple_product_gets_one_default_variant(api, organization):
    response = api.post("/products", {"name": "Kaffee", "price": "2.49"})
    assert response.status_code == 201
    assert [(v["name"], v["effective_price"]) for v in response.json()["variants"]] == [("", "2.49")]


def test_put_replaces_variants_and_store_prices(api, organization, store):
    # Given a product with a store price on its variant
    product = ProductFactory(organization=organization, name="Brezel", variant__barcode=ean13(51))
    with scopes_disabled():
        old_variant = product.variants.get()
        StorePrice.objects.create(organization=organization, store=store, variant=old_variant, price=Decimal("0.80"))
    # When the client puts the product with the variant's price removed from the store and a new variant
    response = api.put(
        f"/products/{product.pk}",
        {
            "name": "Laugenbrezel",
            "price": "0.95",
            "vat_class": "reduced",
            "variants": [
                {"id": str(old_variant.pk), "sku": old_variant.sku, "barcodes": [ean13(51)], "store_prices": []},
                {
                    "name": "groß",
                    "barcodes": [ean13(52)],
                    "store_prices": [{"store_id": str(store.pk), "price": "1.50"}],
                },
            ],
        },
    )
    # Then the product, its variants and store prices are exactly as sent
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["name"] == "Laugenbrezel"
    assert [(v["name"], v["store_prices"]) for v in body["variants"]] == [
        ("", []),
        ("groß", [{"store_id": str(store.pk), "price": "1.50"}]),
    ]
    with scopes_disabled():
        assert StorePrice.objects.filter(variant=old_variant).count() == 0


def test_put_without_variants_keeps_them(api, organization):
    product = ProductFactory(organization=organization, name="Brezel", variant__barcode=ean13(53))
    response = api.put(f"/products/{product.pk}", {"name": "Brezel", "price": "0.95"})
    assert response.status_code == 200
    assert [b["code"] for b in response.json()["variants"][0]["barcodes"]] == [ean13(53)]


def test_patch_changes_only_the_fields_sent(api, organization):
    product = ProductFactory(organization=organization, name="Brezel", price=Decimal("0.90"), is_favourite=True)
    response = api.patch(f"/products/{product.pk}", {"price": "0.95"})
    assert response.status_code == 200
    with scopes_disabled():
        product.refresh_from_db()
    assert (product.name, product.price, product.is_favourite, product.vat_class) == (
        "Brezel",
        Decimal("0.95"),
        True,
        "reduced",
    )


def test_deactivate_keeps_the_product(api, organization):
    product = ProductFactory(organization=organization)
    response = api.post(f"/products/{product.pk}/deactivate")
    assert (response.status_code, response.json()["is_active"]) == (200, False)
    with scopes_disabled():
        assert Product.objects.filter(pk=product.pk, is_active=False).exists()


def test_money_with_more_decimals_in_a_string_is_refused(api, organization, counts):
    before = counts()
    response = api.post("/products", {"name": "Kaffee", "price": "2.499"})
    assert response.json() == {"detail": [{"field": "price", "message": "A price has at most two decimal places."}]}
    assert counts() == before


# --- Bad input: 422, translated, nothing changed ---------------------------------------------

BAD_PRODUCTS = [
    pytest.param(
        {"name": "Kaffee", "price": "2.49", "variants": [{"barcodes": ["4006381333932"]}]},
        "variants.0.barcodes",
        "The check digit of 4006381333932 is wrong (expected 1). Please check the code for typing errors.",
        "Die Prüfziffer von 4006381333932 ist falsch (erwartet 1). Bitte prüfen Sie den Code auf Tippfehler.",
        id="check-digit",
    ),
    pytest.param(
        {"name": "Kaffee", "price": "2.49", "variants": [{"barcodes": [ean13(61)]}]},
        "variants.0.barcodes",
        f"The barcode {ean13(61)} already belongs to “Brötchen”.",
        f"Der Barcode {ean13(61)} gehört schon zu „Brötchen“.",
        id="duplicate-barcode",
    ),
    pytest.param(
        {"name": "Kaffee", "price": "-1.00"},
        "price",
        "A price must not be negative.",
        "Ein Preis darf nicht negativ sein.",
        id="negative-price",
    ),
    pytest.param(
        {"name": "Kaffee", "price": "2.49", "vat_class": "luxury"},
        "vat_class",
        "Unknown VAT class “luxury”. Use one of: standard, reduced, zero, exempt.",
        "Unbekannte MwSt.-Klasse „luxury“. Erlaubt sind: standard, reduced, zero, exempt.",
        id="unknown-vat-class",
    ),
    pytest.param(
        {"name": "Kaffee", "price": "2.49", "category_id": "FOREIGN"},
        "category_id",
        "Unknown category.",
        "Unbekannte Kategorie.",
        id="foreign-category",
    ),
    pytest.param(
        {"name": "Kaffee", "price": 2.49},
        "price",
        "Enter an amount as a string with a decimal point, e.g. “2.49”.",
        "Geben Sie einen Betrag als Zeichenkette mit Dezimalpunkt ein, z. B. „2.49“.",
        id="price-as-json-number",
    ),
    pytest.param(
        {"price": "2.49"},
        "name",
        "This field is required.",
        "Dieses Feld ist zwingend erforderlich.",
        id="missing-name",
    ),
]


@pytest.mark.parametrize(("body", "field", "english", "german"), BAD_PRODUCTS)
def test_bad_product_input_is_422_translated_and_changes_nothing(
    api, organization, counts, body, field, english, german
):
    # Given an existing product with a barcode and a category of another organization
    ProductFactory(organization=organization, name="Brötchen", variant__barcode=ean13(61))
    foreign = CategoryFactory()
    if body.get("category_id") == "FOREIGN":
        body = {**body, "category_id": str(foreign.pk)}
    before = counts()
    # When the client sends the bad product in English and in German
    for language, message in (("en", english), ("de", german)):
        response = api.post("/products", body, language=language)
        # Then it is refused with the message in that language
        assert response.status_code == 422
        assert response.json() == {"detail": [{"field": field, "message": message}]}
    # And nothing changed
    assert counts() == before


def test_bad_store_price_rolls_back_the_whole_product(api, organization, store, counts):
    before = counts()
    response = api.post(
        "/products",
        {
            "name": "Kaffee",
            "price": "2.49",
            "variants": [{"store_prices": [{"store_id": str(store.pk), "price": "-2.00"}]}],
        },
    )
    assert response.json() == {
        "detail": [{"field": "variants.0.store_prices.0.price", "message": "A price must not be negative."}]
    }
    assert counts() == before


def test_store_of_another_organization_is_refused(api, organization, counts):
    other_store = StoreFactory()
    before = counts()
    response = api.post(
        "/products",
        {
            "name": "Kaffee",
            "price": "2.49",
            "variants": [{"store_prices": [{"store_id": str(other_store.pk), "price": "2.00"}]}],
        },
    )
    assert response.json() == {"detail": [{"field": "variants.0.store_prices.0.store_id", "message": "Unknown store."}]}
    assert counts() == before


def test_malformed_json_is_422(api):
    response = api.client.post(
        "/api/v1/products",
        data="{name: 1",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.raw_token}",
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 422
    assert response.json() == {"detail": [{"field": "body", "message": "Der Anfragetext ist kein gültiges JSON."}]}


def test_unknown_fields_are_refused(api, counts):
    before = counts()
    response = api.post("/products", {"name": "Kaffee", "price": "2.49", "prize": "3.00"})
    assert response.json() == {"detail": [{"field": "prize", "message": "This field is unknown."}]}
    assert counts() == before


# --- Categories ------------------------------------------------------------------------------


def test_category_create_list_and_patch(api, organization):
    created = api.post("/categories", {"name": "Backwaren", "color": "#C8A165", "position": 2})
    assert created.status_code == 201
    category_id = created.json()["id"]
    child = api.post("/categories", {"name": "Brötchen", "parent_id": category_id}).json()
    patched = api.patch(f"/categories/{category_id}", {"is_active": False})
    listing = api.get("/categories").json()
    assert patched.json()["is_active"] is False
    assert patched.json()["color"] == "#C8A165"
    assert [(c["name"], c["parent_id"]) for c in listing["items"]] == [
        ("Brötchen", category_id),
        ("Backwaren", None),
    ]
    assert child["parent_id"] == category_id


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("de", "Eine Kategorie kann nicht in sich selbst liegen."),
        ("en", "A category cannot be placed inside itself."),
    ],
)
def test_category_cannot_be_its_own_ancestor(api, organization, counts, language, message):
    parent = CategoryFactory(organization=organization, name="Backwaren")
    child = CategoryFactory(organization=organization, name="Brötchen", parent=parent)
    before = counts()
    response = api.patch(f"/categories/{parent.pk}", {"parent_id": str(child.pk)}, language=language)
    assert response.status_code == 422
    assert response.json() == {"detail": [{"field": "parent_id", "message": message}]}
    assert counts() == before


def test_category_cannot_be_its_own_parent(api, organization, counts):
    category = CategoryFactory(organization=organization, name="Backwaren")
    before = counts()
    response = api.put(f"/categories/{category.pk}", {"name": "Backwaren", "parent_id": str(category.pk)})
    assert response.json()["detail"] == [
        {"field": "parent_id", "message": "A category cannot be placed inside itself."}
    ]
    assert counts() == before


def test_duplicate_category_name_is_422(api, organization, counts):
    CategoryFactory(organization=organization, name="Backwaren")
    before = counts()
    response = api.post("/categories", {"name": "backwaren"}, language="de")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "name"
    assert counts() == before


def test_category_list_has_a_query_budget(api, organization, django_assert_max_num_queries):
    for n in range(20):
        CategoryFactory(organization=organization, name=f"Kategorie {n}")
    with django_assert_max_num_queries(5):
        assert api.get("/categories").json()["count"] == 20


def test_barcode_rows_follow_the_variant(api, organization):
    product = ProductFactory(organization=organization, variant__barcode=ean13(71))
    with scopes_disabled():
        variant = product.variants.get()
    api.patch(
        f"/products/{product.pk}", {"variants": [{"id": str(variant.pk), "sku": variant.sku, "barcodes": [ean13(72)]}]}
    )
    with scopes_disabled():
        assert list(Barcode.objects.filter(variant=variant).values_list("code", flat=True)) == [ean13(72)]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Enter a number that is at least 1."),
        ("de", "Geben Sie eine Zahl ein, die mindestens 1 ist."),
    ],
)
def test_bad_query_parameters_get_readable_messages(api, language, message):
    response = api.get("/products", {"limit": 0}, language=language)
    assert response.status_code == 422
    assert response.json() == {"detail": [{"field": "limit", "message": message}]}


def test_foreign_parent_category_is_refused(api, organization, counts):
    foreign = CategoryFactory(name="Fremd")
    before = counts()
    response = api.post("/categories", {"name": "Backwaren", "parent_id": str(foreign.pk)}, language="de")
    assert response.json() == {"detail": [{"field": "parent_id", "message": "Unbekannte Kategorie."}]}
    assert counts() == before
