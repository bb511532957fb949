"""A store-bound manager sets their store's prices only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from django_scopes import scopes_disabled

from kasse.catalog.csv_io import import_products_csv
from kasse.catalog.models import Category, Product, StorePrice
from kasse.catalog.services import save_category, set_store_price
from kasse.core.actors import Actor
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, ProductFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def _prices() -> dict[str, Decimal]:
    with scopes_disabled():
        return {p.store.name: p.price for p in StorePrice.objects.select_related("store")}


def test_a_store_manager_sets_only_their_stores_price(organization, store):
    nord = StoreFactory(organization=organization, name="Filiale Nord", number=50)
    with scopes_disabled():
        variant = ProductFactory(organization=organization).variants.get()
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.MANAGER))
    client = Client()
    client.force_login(user)
    url = f"/catalog/variants/{variant.pk}/prices/"
    # The page offers their store only
    page = BeautifulSoup(client.get(url).content, "html.parser")
    assert [el["name"] for el in page.select("[data-testid=store-price-form] input[type=text]")] == [
        f"store_{store.pk}"
    ]
    # and a posted price for the other store is not taken
    response = client.post(url, {f"store_{store.pk}": "1,10", f"store_{nord.pk}": "0,01"})
    assert response.status_code == 302
    assert _prices() == {"Filiale Mitte": Decimal("1.10")}


def test_the_service_refuses_another_stores_price_from_a_store_manager(organization, store):
    nord = StoreFactory(organization=organization, name="Filiale Nord", number=50)
    with scopes_disabled():
        variant = ProductFactory(organization=organization).variants.get()
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.MANAGER))
    with pytest.raises(ValidationError) as err, translation.override("de"):
        set_store_price(actor=Actor.for_user(user), store=nord, variant=variant, price="0.01")
    assert err.value.message_dict == {"price": ["Sie können nur Preise der Filialen festlegen, die Sie verwalten."]}
    assert _prices() == {}


def _store_manager_client(organization, store) -> tuple[Client, object]:
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.MANAGER))
    client = Client()
    client.force_login(user)
    return client, user


def test_a_store_manager_cannot_change_the_price_every_store_charges(organization, store):
    # Given a product at 2,50 € that store 2 sells at the organization's price, and a manager of store 1
    StoreFactory(organization=organization, name="Filiale Nord", number=50)
    product = ProductFactory(organization=organization, name="Kaffee", price=Decimal("2.50"))
    client, _user = _store_manager_client(organization, store)
    # When they open the product, it is read-only with the reason
    page = BeautifulSoup(client.get(f"/catalog/products/{product.pk}/").content, "html.parser")
    assert page.select_one("[data-testid=catalog-read-only]") is not None
    assert page.select_one("[data-testid=product-save]") is None
    # and a posted price is refused with the back office's 403 page, changing nothing
    response = client.post(f"/catalog/products/{product.pk}/", {"name": "Kaffee", "price": "0,01"})
    assert response.status_code == 403
    with scopes_disabled():
        product.refresh_from_db()
    assert product.price == Decimal("2.50")


def test_new_products_categories_and_the_csv_import_are_for_all_stores_roles(organization, store):
    client, user = _store_manager_client(organization, store)
    # The pages that only change the catalog answer 403, the lists hide their buttons
    for url in ("/catalog/products/new/", "/catalog/categories/new/", "/catalog/import/"):
        assert client.get(url).status_code == 403, url
    listing = BeautifulSoup(client.get("/catalog/").content, "html.parser")
    assert listing.select_one("[data-testid=product-create]") is None
    # and the services refuse too (an entry point forgetting the check changes nothing)
    with pytest.raises(ValidationError), translation.override("de"):
        save_category(actor=Actor.for_user(user), organization=organization, data={"name": "Neu"})
    result = import_products_csv(
        actor=Actor.for_user(user), organization=organization, file=b"name;price\nBillig;0,01\n"
    )
    assert not result.ok
    with scopes_disabled():
        assert not Category.objects.filter(name="Neu").exists()
        assert not Product.objects.filter(name="Billig").exists()


def test_an_all_stores_manager_still_edits_the_catalog(organization, store):
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=Role.MANAGER)
    client = Client()
    client.force_login(user)
    assert client.get("/catalog/products/new/").status_code == 200
    listing = BeautifulSoup(client.get("/catalog/").content, "html.parser")
    assert listing.select_one("[data-testid=product-create]") is not None
