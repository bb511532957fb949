"""A store-bound manager sets their store's prices only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from django_scopes import scopes_disabled

from kasse.catalog.models import StorePrice
from kasse.catalog.services import set_store_price
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
        f"store_{store.pk}"]
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
