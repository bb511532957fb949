"""Promotions apply in every store of the organization, so a manager bound to one store does not set them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.promotions.models import Promotion
from kasse.promotions.services import save_promotion
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, StoreFactory, UserFactory
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db


def _promotions() -> list[tuple[str, Decimal]]:
    with scopes_disabled():
        return sorted((p.name, p.percent) for p in Promotion.objects.all())


def test_a_store_manager_reads_the_promotions_but_cannot_create_or_change_one(organization, store):
    # Given a second store, a 10 % promotion and a manager of the first store only
    StoreFactory(organization=organization, name="Filiale Nord", number=50)
    with scopes_disabled():
        existing = save_promotion(
            actor=Actor.system(), organization=organization, data={"name": "Zehn", "kind": "percent", "percent": 10}
        )
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.MANAGER))
    client = Client()
    client.force_login(user)
    # The list is readable, without the button for a new one
    page = soup_of(client.get("/promotions/"))
    assert [row.td.text.strip() for row in page.select("[data-testid=promotion-row]")] == ["Zehn"]
    assert page.select_one("[data-testid=promotion-create]") is None
    # but a new promotion for every store, or 100 % on the existing one, is the back office's 403 and changes nothing
    assert client.get("/promotions/new/").status_code == 403
    created = client.post("/promotions/new/", {"name": "Alles gratis", "kind": "percent", "percent": "100"})
    changed = client.post(f"/promotions/{existing.pk}/", {"name": "Zehn", "kind": "percent", "percent": "100"})
    assert (created.status_code, changed.status_code) == (403, 403)
    assert _promotions() == [("Zehn", Decimal("10.00"))]


def test_the_service_refuses_a_promotion_from_a_store_manager(organization, store):
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.MANAGER))
    with pytest.raises(ValidationError) as err, translation.override("de"), scopes_disabled():
        save_promotion(
            actor=Actor.for_user(user),
            organization=organization,
            data={"name": "Alles gratis", "kind": "percent", "percent": 100},
        )
    assert err.value.messages == [
        "Aktionen gelten in allen Filialen; festlegen dürfen sie nur Inhaber und Filialleitungen aller Filialen."
    ]
    assert _promotions() == []


def test_an_all_stores_manager_still_creates_promotions(organization, store):
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=Role.MANAGER)
    client = Client()
    client.force_login(user)
    assert soup_of(client.get("/promotions/")).select_one("[data-testid=promotion-create]") is not None
    with scopes_disabled():
        save_promotion(
            actor=Actor.for_user(user),
            organization=organization,
            data={"name": "Zehn", "kind": "percent", "percent": 10},
        )
    assert _promotions() == [("Zehn", Decimal("10.00"))]
