"""The catalog pages as an owner sees them: list, search, edit, categories, store prices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from kasse.catalog.models import Barcode, Category, Product, StorePrice, Variant
from kasse.tenancy.permissions import Role
from kasse.testing.factories import (
    CategoryFactory,
    EmployeeFactory,
    OrganizationFactory,
    ProductFactory,
    UserFactory,
    ean13,
)
from kasse.testing.plugin import soup_of, texts

pytestmark = pytest.mark.django_db
DE = {"HTTP_ACCEPT_LANGUAGE": "de"}


@pytest.fixture
def de_client(owner_client: Client) -> Client:
    session = owner_client.session
    session["language"] = "de"
    session.save()
    return owner_client


def _variant(product: Product) -> Variant:
    with scopes_disabled():
        return Variant.objects.get(product=product)


def _post_data(product: Product | None = None, **overrides: str) -> dict[str, str]:
    """What the edit form of ``product`` (or an empty new one) submits unchanged."""
    data = {
        "name": "Brötchen",
        "price": "0,45",
        "vat_class": "reduced",
        "unit": "piece",
        "track_stock": "on",
        "is_active": "on",
        "variants-TOTAL_FORMS": "0",
        "variants-INITIAL_FORMS": "0",
    }
    if product is not None:
        variant = _variant(product)
        with scopes_disabled():
            codes = "\n".join(variant.barcodes.values_list("code", flat=True))
        data.update(
            {
                "name": product.name,
                "price": str(product.price).replace(".", ","),
                "vat_class": product.vat_class,
                "unit": product.unit,
                "variants-TOTAL_FORMS": "1",
                "variants-INITIAL_FORMS": "1",
                "variants-0-id": str(variant.pk),
                "variants-0-name": variant.name,
                "variants-0-sku": variant.sku,
                "variants-0-barcodes": codes,
                "variants-0-is_active": "on",
            }
        )
    data.update(overrides)
    return data


# --- list, search, filters ------------------------------------------------------------------------


def test_product_list_shows_columns_in_german_format(de_client, organization):
    # Given a product with a four-digit price, a category and two barcodes
    category = CategoryFactory(organization=organization, name="Torten")
    product = ProductFactory(
        organization=organization,
        name="Hochzeitstorte",
        price=Decimal("1234.50"),
        vat_class="reduced",
        category=category,
        variant__barcode=ean13(11),
    )
    with scopes_disabled():
        Barcode.objects.create(organization=organization, variant=_variant(product), code="TORTE-1", kind="instore")
    # When the owner opens the catalog
    page = soup_of(de_client.get("/catalog/"))
    # Then the row shows name, category, German price, VAT, unit, barcode count and status
    row = page.select_one("[data-testid=product-row]")
    assert texts(row, "product-name") == ["Hochzeitstorte"]
    assert texts(row, "product-category") == ["Torten"]
    assert texts(row, "product-price") == ["1.234,50 €"]
    assert texts(row, "product-vat") == ["7 % (ermäßigter Satz)"]
    assert texts(row, "product-unit") == ["Stück"]
    assert texts(row, "product-barcodes") == ["2"]
    assert texts(row, "product-active") == ["aktiv"]


def test_search_is_umlaut_insensitive_and_swaps_only_the_results(owner_client, organization):
    # Given Brötchen and Milch
    ProductFactory(organization=organization, name="Brötchen")
    ProductFactory(organization=organization, name="Milch")
    # When the owner types "brotchen" (htmx request from the search box)
    response = owner_client.get(
        "/catalog/", {"q": "brotchen"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="product-results"
    )
    # Then only the result table comes back, with Brötchen in it
    html = response.content.decode()
    assert "<html" not in html
    assert texts(soup_of(response), "product-name") == ["Brötchen"]


def test_filters_by_category_and_status(owner_client, organization):
    bread = CategoryFactory(organization=organization, name="Brot")
    ProductFactory(organization=organization, name="Roggenbrot", category=bread)
    ProductFactory(organization=organization, name="Dinkelbrot", category=bread, is_active=False)
    ProductFactory(organization=organization, name="Kaffee")
    page = soup_of(owner_client.get("/catalog/", {"category": str(bread.pk)}))
    assert texts(page, "product-name") == ["Dinkelbrot", "Roggenbrot"]
    page = soup_of(owner_client.get("/catalog/", {"category": str(bread.pk), "active": "no"}))
    assert texts(page, "product-name") == ["Dinkelbrot"]
    page = soup_of(owner_client.get("/catalog/", {"active": "yes"}))
    assert texts(page, "product-name") == ["Kaffee", "Roggenbrot"]


def test_foreign_category_filter_is_ignored(owner_client, organization):
    foreign = CategoryFactory(organization=OrganizationFactory())
    ProductFactory(organization=organization, name="Kaffee")
    page = soup_of(owner_client.get("/catalog/", {"category": str(foreign.pk)}))
    assert texts(page, "product-name") == ["Kaffee"]


def test_list_is_paginated(de_client, organization):
    for n in range(55):
        ProductFactory(organization=organization, name=f"Artikel {n:02d}")
    page = soup_of(de_client.get("/catalog/", {"page": "2"}))
    assert len(page.select("[data-testid=product-row]")) == 5
    assert texts(page, "page-info") == ["Seite 2 von 2 (55 Produkte)"]


def test_product_list_query_budget(owner_client, organization, django_assert_max_num_queries):
    for n in range(30):
        ProductFactory(
            organization=organization,
            name=f"Brötchen {n}",
            variant__barcode=ean13(100 + n),
            category=CategoryFactory(organization=organization),
        )
    # 10, one for the page's stock column, up to four for reorder levels (stores, levels, their stock, variants)
    with django_assert_max_num_queries(15):
        response = owner_client.get("/catalog/", {"q": "brot"})
    assert len(soup_of(response).select("[data-testid=product-row]")) == 30


def test_cashier_may_not_open_the_catalog(organization):
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=Role.CASHIER)
    client = Client()
    client.force_login(user)
    assert client.get("/catalog/").status_code == 403


# --- create and edit ------------------------------------------------------------------------------


def test_owner_creates_a_product_with_variants(owner_client, organization):
    category = CategoryFactory(organization=organization, name="Textil")
    data = _post_data(
        name="Shirt",
        price="19,90",
        vat_class="standard",
        category=str(category.pk),
        **{
            "variants-TOTAL_FORMS": "2",
            "variants-0-name": "M",
            "variants-0-sku": "SH-M",
            "variants-0-is_active": "on",
            "variants-0-barcodes": f"{ean13(21)}, {ean13(22)}",
            "variants-0-attributes": "Größe: M",
            "variants-1-name": "L",
            "variants-1-sku": "SH-L",
            "variants-1-price": "21,90",
            "variants-1-is_active": "on",
            "variants-1-barcodes": ean13(23),
        },
    )
    response = owner_client.post(reverse("catalog:product-create"), data)
    assert response.status_code == 302
    with scopes_disabled():
        product = Product.objects.get(name="Shirt")
        assert (product.price, product.vat_class, product.category) == (Decimal("19.90"), "standard", category)
        assert list(product.variants.values_list("sku", "price", "attributes")) == [
            ("SH-M", None, {"Größe": "M"}),
            ("SH-L", Decimal("21.90"), {}),
        ]
        assert sorted(Barcode.objects.filter(variant__product=product).values_list("code", flat=True)) == [
            ean13(21),
            ean13(22),
            ean13(23),
        ]
    assert response["Location"] == reverse("catalog:product-edit", kwargs={"pk": product.pk})


def test_simple_product_without_variant_rows_gets_a_default_variant(owner_client):
    response = owner_client.post(reverse("catalog:product-create"), _post_data(name="Kaffee"))
    assert response.status_code == 302
    with scopes_disabled():
        assert Variant.objects.filter(product__name="Kaffee", name="").count() == 1


def test_edit_shows_the_product_with_german_amounts(de_client, organization):
    product = ProductFactory(
        organization=organization, name="Brötchen", price=Decimal("0.45"), variant__barcode=ean13(31)
    )
    page = soup_of(de_client.get(reverse("catalog:product-edit", kwargs={"pk": product.pk})))
    assert page.select_one("input[name=price]")["value"] == "0,45"
    assert page.select_one("textarea[name=variants-0-barcodes]").text.strip() == ean13(31)


@pytest.mark.parametrize(
    ("field", "value", "testid", "message"),
    [
        (
            "variants-0-barcodes",
            "4006381333932",
            "variant-error-barcodes",
            "Die Prüfziffer von 4006381333932 ist falsch (erwartet 1).",
        ),
        ("price", "-2,00", "error-price", "Ein Preis darf nicht negativ sein."),
        ("price", "zwei Euro", "error-price", "„zwei Euro“ ist kein gültiger Betrag."),
        ("vat_class", "20", "error-vat_class", "Bitte eine gültige Auswahl treffen. 20 ist keine gültige Auswahl."),
    ],
)
def test_bad_input_on_edit_is_shown_next_to_the_field_and_changes_nothing(
    de_client, organization, counts, field, value, testid, message
):
    # Given a product
    product = ProductFactory(organization=organization, name="Brötchen", price=Decimal("0.45"))
    before = counts()
    # When the owner saves it with one bad field
    response = de_client.post(
        reverse("catalog:product-edit", kwargs={"pk": product.pk}), _post_data(product, **{field: value})
    )
    # Then the page comes back with the German message next to that field, and nothing changed
    assert response.status_code == 400
    page = soup_of(response)
    assert any(message in text for text in texts(page, testid))
    assert texts(page, "product-form-refused") == [
        "Es wurde nichts gespeichert. Bitte korrigieren Sie die unten markierten Felder."
    ]
    assert page.select_one("h1").text == "Brötchen"
    assert counts() == before
    with scopes_disabled():
        product.refresh_from_db()
    assert product.price == Decimal("0.45")


def test_duplicate_barcode_is_shown_at_the_variant_but_other_org_is_fine(de_client, organization, counts):
    # Given another product of mine with a barcode, and the same code in another organization
    ProductFactory(organization=organization, name="Laugenbrezel", variant__barcode=ean13(41))
    ProductFactory(organization=OrganizationFactory(), name="Fremd", variant__barcode=ean13(42))
    product = ProductFactory(organization=organization, name="Brötchen")
    before = counts()
    # When I give my product my other product's code
    url = reverse("catalog:product-edit", kwargs={"pk": product.pk})
    response = de_client.post(url, _post_data(product, **{"variants-0-barcodes": ean13(41)}))
    # Then it is refused with a clear message at the variant
    assert texts(soup_of(response), "variant-error-barcodes") == [
        f"Der Barcode {ean13(41)} gehört schon zu „Laugenbrezel“."
    ]
    assert counts() == before
    # But the other organization's code is fine
    response = de_client.post(url, _post_data(product, **{"variants-0-barcodes": ean13(42)}))
    assert response.status_code == 302
    with scopes_disabled():
        assert list(Barcode.objects.filter(variant__product=product).values_list("code", flat=True)) == [ean13(42)]


def test_deleting_a_variant_row_deactivates_it(owner_client, organization):
    product = ProductFactory(organization=organization, name="Brötchen")
    variant = _variant(product)
    data = _post_data(
        product,
        **{
            "variants-TOTAL_FORMS": "2",
            "variants-0-DELETE": "on",
            "variants-1-name": "groß",
            "variants-1-is_active": "on",
        },
    )
    assert owner_client.post(reverse("catalog:product-edit", kwargs={"pk": product.pk}), data).status_code == 302
    with scopes_disabled():
        assert list(Variant.objects.filter(product=product).values_list("name", "is_active")) == [
            ("groß", True),
            ("", False),
        ] or sorted(Variant.objects.filter(product=product).values_list("name", "is_active")) == [
            ("", False),
            ("groß", True),
        ]
        variant.refresh_from_db()
        assert variant.is_active is False


def test_add_variant_row_comes_with_the_next_form_count(owner_client):
    response = owner_client.get(reverse("catalog:variant-row"), {"variants-TOTAL_FORMS": "2"}, HTTP_HX_REQUEST="true")
    page = soup_of(response)
    assert page.select_one("input[name=variants-2-sku]") is not None
    total = page.select_one("input[name=variants-TOTAL_FORMS]")
    assert (total["value"], total["hx-swap-oob"]) == ("3", "true")


def test_generate_variants_from_sizes_and_colours(de_client):
    response = de_client.post(
        reverse("catalog:variant-generate"),
        {"variants-TOTAL_FORMS": "1", "sizes": "S, M", "colours": "Rot, Blau"},
        HTTP_HX_REQUEST="true",
    )
    page = soup_of(response)
    names = [el["value"] for el in page.select("input[name$=-name]")]
    assert names == ["S / Rot", "S / Blau", "M / Rot", "M / Blau"]
    assert page.select_one("input[name=variants-1-attributes]")["value"] == "Größe: S, Farbe: Rot"
    assert page.select_one("input[name=variants-TOTAL_FORMS]")["value"] == "5"


# --- store prices -----------------------------------------------------------------------------------


def test_store_price_override_is_saved_and_removed(owner_client, organization, store):
    product = ProductFactory(organization=organization, price=Decimal("0.45"))
    variant = _variant(product)
    url = reverse("catalog:variant-prices", kwargs={"pk": variant.pk})
    assert owner_client.post(url, {f"store_{store.pk}": "0,50"}).status_code == 302
    with scopes_disabled():
        assert list(StorePrice.objects.values_list("store", "variant", "price")) == [
            (store.pk, variant.pk, Decimal("0.50"))
        ]
    assert owner_client.post(url, {f"store_{store.pk}": ""}).status_code == 302
    with scopes_disabled():
        assert not StorePrice.objects.exists()


def test_negative_store_price_is_shown_and_nothing_saved(de_client, organization, store, counts):
    variant = _variant(ProductFactory(organization=organization))
    before = counts()
    response = de_client.post(reverse("catalog:variant-prices", kwargs={"pk": variant.pk}), {f"store_{store.pk}": "-1"})
    assert response.status_code == 400
    assert texts(soup_of(response), f"error-store_{store.pk}") == ["Ein Preis darf nicht negativ sein."]
    assert counts() == before


# --- categories -------------------------------------------------------------------------------------


def test_owner_creates_and_renames_a_category(owner_client, organization):
    response = owner_client.post(
        reverse("catalog:category-create"),
        {"name": "Backwaren", "position": "1", "color": "#aa8800", "is_active": "on"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        category = Category.objects.get(organization=organization)
    assert (category.name, category.position, category.color) == ("Backwaren", 1, "#aa8800")
    owner_client.post(
        reverse("catalog:category-edit", kwargs={"pk": category.pk}),
        {"name": "Brot & Brötchen", "position": "2", "color": "#aa8800", "is_active": "on"},
    )
    page = soup_of(owner_client.get(reverse("catalog:category-list")))
    assert texts(page, "category-name") == ["Brot & Brötchen"]


def test_duplicate_category_name_is_a_german_error(de_client, organization, counts):
    CategoryFactory(organization=organization, name="Backwaren")
    before = counts()
    response = de_client.post(reverse("catalog:category-create"), {"name": "backwaren", "position": "0"})
    assert texts(soup_of(response), "error-name") == ["Eine Kategorie mit diesem Namen gibt es schon."]
    assert counts() == before


def test_category_form_refuses_a_descendant_as_parent_like_the_api(de_client, organization, counts):
    # Given Backwaren > Brötchen
    parent = CategoryFactory(organization=organization, name="Backwaren")
    child = CategoryFactory(organization=organization, name="Brötchen", parent=parent)
    before = counts()
    # When the owner puts Backwaren inside Brötchen in the back office
    response = de_client.post(
        reverse("catalog:category-edit", kwargs={"pk": parent.pk}),
        {"name": "Backwaren", "parent": str(child.pk), "position": "0"},
    )
    # Then the form shows the service's German message and nothing changed
    assert response.status_code == 400
    assert texts(soup_of(response), "error-parent") == ["Eine Kategorie kann nicht in sich selbst liegen."]
    assert counts() == before
    with scopes_disabled():
        assert Category.objects.get(pk=parent.pk).parent_id is None


# --- pages render -----------------------------------------------------------------------------------


def test_every_catalog_page_renders_for_the_owner(de_client, organization, store):
    product = ProductFactory(organization=organization)
    category = CategoryFactory(organization=organization)
    for url in (
        "/catalog/",
        reverse("catalog:product-create"),
        reverse("catalog:category-list"),
        reverse("catalog:category-create"),
        reverse("catalog:product-import"),
        reverse("catalog:product-edit", kwargs={"pk": product.pk}),
        reverse("catalog:category-edit", kwargs={"pk": category.pk}),
        reverse("catalog:variant-prices", kwargs={"pk": _variant(product).pk}),
    ):
        response = de_client.get(url)
        assert response.status_code == 200, url
        assert soup_of(response).select_one("[data-testid=catalog-subnav]") is not None, url


def test_image_upload_is_saved_with_the_product(owner_client, organization, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "orange").save(buffer, format="PNG")
    product = ProductFactory(organization=organization, name="Brötchen")
    data = _post_data(product, image=SimpleUploadedFile("broetchen.png", buffer.getvalue(), "image/png"))
    assert owner_client.post(reverse("catalog:product-edit", kwargs={"pk": product.pk}), data).status_code == 302
    with scopes_disabled():
        product.refresh_from_db()
    assert product.image.name.startswith("products/broetchen")
    assert (tmp_path / product.image.name).exists()


def test_foreign_category_cannot_be_chosen_for_a_product(de_client, organization, counts):
    foreign = CategoryFactory(organization=OrganizationFactory(), name="Fremd")
    before = counts()
    response = de_client.post(reverse("catalog:product-create"), _post_data(category=str(foreign.pk)))
    assert response.status_code == 400
    assert texts(soup_of(response), "error-category") == [
        "Bitte eine gültige Auswahl treffen. Dies ist keine gültige Auswahl."
    ]
    assert counts() == before


def test_english_page_uses_english_labels(owner_client, organization):
    session = owner_client.session
    session["language"] = "en"
    session.save()
    ProductFactory(organization=organization, name="Brötchen", price=Decimal("1234.50"), vat_class="reduced")
    row = soup_of(owner_client.get("/catalog/")).select_one("[data-testid=product-row]")
    assert texts(row, "product-vat") == ["7 % (reduced rate)"]
    assert texts(row, "product-price") == ["1,234.50 €"]
