"""Product tiles show the price the register charges in this store (``selling_price``)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.catalog.models import StorePrice, Variant
from kasse.testing.factories import CategoryFactory, ProductFactory, StoreFactory
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db
D = Decimal


def _tile_prices(soup):
    return {
        t["data-name"]: t.select_one("[data-testid=tile-price]").get_text(strip=True)
        for t in soup.select("[data-testid=tile]")
    }


@pytest.fixture
def shelf(organization, store):
    """Kaffee costs 2.80 in the organization and 3.10 in this store (2.50 in another store);
    Tee's variant has its own price; Shirt has two sizes at different prices."""
    category = CategoryFactory(organization=organization, name="Regal")
    coffee = ProductFactory(organization=organization, name="Kaffee", price="2.80", category=category)
    ProductFactory(organization=organization, name="Tee", price="1.00", category=category, variant__price="1.40")
    shirt = ProductFactory(
        organization=organization,
        name="Shirt",
        price="9.00",
        category=category,
        variant__name="S",
        variant__price="12.00",
    )
    with scopes_disabled():
        Variant.objects.create(organization=organization, product=shirt, name="XL", sku="SHIRT-XL", price=D("14.00"))
        StorePrice.objects.create(
            organization=organization, store=store, variant=coffee.variants.get(), price=D("3.10")
        )
        StorePrice.objects.create(
            organization=organization,
            store=StoreFactory(organization=organization),
            variant=coffee.variants.get(),
            price=D("2.50"),
        )
    return {"category": category, "coffee": coffee, "shirt": shirt}


def test_a_tile_shows_the_store_price_and_the_cart_charges_it(till, shelf):
    # The tile showed the organization's product price (2,80 €) while the cart charged the store's.
    soup = soup_of(till.get("/register/products/", {"category": str(shelf["category"].pk)}, HTTP_ACCEPT_LANGUAGE="de"))
    assert _tile_prices(soup) == {"Kaffee": "3,10 €", "Shirt": "ab 12,00 €", "Tee": "1,40 €"}
    with scopes_disabled():
        variant = shelf["coffee"].variants.get()
    cart = soup_of(till.post("/register/cart/add/", {"variant": str(variant.pk)}, HTTP_ACCEPT_LANGUAGE="de"))
    assert cart.select_one("[data-testid=line-total]").get_text(strip=True) == "3,10 €"
    assert cart.select_one("[data-testid=cart-total]").get_text(strip=True) == "3,10 €"


def test_the_variant_picker_shows_each_variants_store_price(till, shelf, store, organization):
    with scopes_disabled():
        large = shelf["shirt"].variants.get(name="XL")
        StorePrice.objects.create(organization=organization, store=store, variant=large, price=D("13.50"))
    soup = soup_of(till.get(f"/register/products/{shelf['shirt'].pk}/variants/", HTTP_ACCEPT_LANGUAGE="en"))
    prices = [
        t.select_one("[data-testid=tile-price]").get_text(strip=True) for t in soup.select("[data-testid=variant-tile]")
    ]
    assert prices == ["12.00 €", "13.50 €"]
