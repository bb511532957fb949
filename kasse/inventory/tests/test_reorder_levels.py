"""Reorder levels ("Meldebestand"): set per variant for every store or one store, shown in Bestand and the
product list, read by :func:`kasse.inventory.selectors.low_stock` and the Übersicht's alert."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.models import AuditEntry
from kasse.inventory.models import StockMovement, StockThreshold
from kasse.inventory.selectors import low_stock
from kasse.inventory.services import InventoryError, LevelEntry, set_reorder_levels
from kasse.inventory.tests.conftest import variant_of
from kasse.testing.factories import ProductFactory
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db


def _move(store, variant, delta) -> None:
    with scopes_disabled():
        StockMovement.objects.create(
            organization=store.organization, store=store, variant=variant, delta=Decimal(delta), reason="receipt"
        )


def _level(variant, store, minimum) -> None:
    with scopes_disabled():
        StockThreshold.objects.create(organization=variant.organization, variant=variant, store=store, minimum=minimum)


def _login(employee) -> Client:
    client = Client()
    client.force_login(employee.user)
    return client


def _found(organization, stores=None, **kwargs) -> list[tuple[str, str, str, str]]:
    with scopes_disabled():
        return [
            (item.store.name, str(item.variant), f"{item.quantity.normalize():f}", f"{item.minimum.normalize():f}")
            for item in low_stock(organization, stores, **kwargs)
        ]


def test_low_stock_uses_the_stores_own_level_else_the_level_for_every_store(
    organization, store, other_store, rolls, cheese
):
    bread, kaese = variant_of(rolls), variant_of(cheese)
    _move(store, bread, "4")
    _move(other_store, bread, "12")
    _move(store, kaese, "2.5")
    _level(bread, None, "10")  # every store: Mitte has 4 (low), Süd 12 (not low)
    _level(kaese, store, "2.5")  # exactly at the level is not below it
    assert _found(organization) == [("Filiale Mitte", "Brötchen", "4", "10")]
    # Süd's own level replaces the one for every store; a level above the stock makes it low
    _level(bread, other_store, "20")
    assert _found(organization) == [("Filiale Mitte", "Brötchen", "4", "10"), ("Filiale Süd", "Brötchen", "12", "20")]
    # a store never stocked counts as 0; only the given stores are read
    third = other_store.__class__.objects.create(organization=organization, name="Filiale Ost", number=9)
    assert ("Filiale Ost", "Brötchen", "0", "10") in _found(organization)
    assert _found(organization, [other_store]) == [("Filiale Süd", "Brötchen", "12", "20")]
    assert _found(organization, [third], product_ids=[cheese.pk]) == []
    # an inactive product is not reported; another organization's levels are not read
    with scopes_disabled():
        rolls.is_active = False
        rolls.save(update_fields=["is_active"])
    assert _found(organization) == []
    # three queries, however many stores and levels
    rolls.is_active = True
    with scopes_disabled():
        rolls.save(update_fields=["is_active"])
        with CaptureQueriesContext(connection) as ctx:
            low_stock(organization, [store, other_store, third])
    assert len(ctx.captured_queries) == 3


def test_the_owner_sets_levels_and_bestand_and_the_product_list_mark_low_stock(
    owner_client, organization, store, other_store, rolls, cheese
):
    bread, kaese = variant_of(rolls), variant_of(cheese)
    _move(store, bread, "4")
    _move(other_store, bread, "12")
    _move(store, kaese, "3")
    url = f"/stock/reorder-levels/{rolls.pk}/"
    page = soup_of(owner_client.get(url, HTTP_ACCEPT_LANGUAGE="de"))
    assert page.select_one("h1").get_text(strip=True).startswith("Meldebestand")
    inputs = [i["name"] for i in page.select("[data-testid=reorder-input]")]
    assert inputs == [f"level-{bread.pk}-all", f"level-{bread.pk}-{store.pk}", f"level-{bread.pk}-{other_store.pk}"]
    response = owner_client.post(url, {f"level-{bread.pk}-all": "10", f"level-{bread.pk}-{other_store.pk}": "5"})
    assert response.status_code == 302
    with scopes_disabled():
        assert {(t.store_id, t.minimum) for t in StockThreshold.objects.filter(variant=bread)} == {
            (None, Decimal("10")),
            (other_store.pk, Decimal("5")),
        }
        entry = AuditEntry.objects.get(action="inventory.reorder_levels.set")
    assert len(entry.data["changes"]) == 2
    # Bestand shows the level in force and marks Mitte (4 < 10), not Süd (12 ≥ 5)
    rows = soup_of(owner_client.get("/stock/levels/", {"q": "Brötchen"})).select("[data-testid=stock-row]")
    shown = [
        (
            r.select_one("[data-testid=stock-store-name]").get_text(strip=True),
            r.select_one("[data-testid=stock-minimum]").get_text(strip=True),
            r.select_one("[data-testid=stock-low]") is not None,
        )
        for r in rows
    ]
    assert shown == [("Filiale Mitte", "10", True), ("Filiale Süd", "5", False)]
    low = soup_of(owner_client.get("/stock/levels/", {"low": "1"})).select("[data-testid=stock-row]")
    assert [(r["data-variant-id"], r["data-store-id"]) for r in low] == [(str(bread.pk), str(store.pk))]
    # the product list marks the product low; cheese has no level
    catalog = soup_of(owner_client.get("/catalog/"))
    marked = [
        r["data-product-id"]
        for r in catalog.select("[data-testid=product-row]")
        if r.select_one("[data-testid=product-stock-low]")
    ]
    assert marked == [str(rolls.pk)]
    # and its stock links to the product's reorder levels (also for a product never received)
    links = [a["href"] for a in catalog.select("[data-testid=product-reorder-link]")]
    assert f"/stock/reorder-levels/{rolls.pk}/" in links
    # an empty field removes a level
    owner_client.post(url, {f"level-{bread.pk}-all": "10", f"level-{bread.pk}-{other_store.pk}": ""})
    with scopes_disabled():
        assert list(StockThreshold.objects.filter(variant=bread).values_list("store_id", flat=True)) == [None]


def test_bad_levels_are_refused_with_a_message_and_nothing_is_written(owner_client, organization, store, rolls, cheese):
    bread = variant_of(rolls)
    url = f"/stock/reorder-levels/{rolls.pk}/"
    for value, message in [
        ("viele", "ist keine Menge"),
        ("-1", "kann nicht unter null"),
        ("2,5", "ganze Zahl"),
        ("9999999", "zu groß"),
    ]:
        response = owner_client.post(url, {f"level-{bread.pk}-all": value}, HTTP_ACCEPT_LANGUAGE="de")
        assert response.status_code == 422, value
        assert message in soup_of(response).select_one("[data-testid=reorder-error]").get_text(), value
    with scopes_disabled():
        assert not StockThreshold.objects.exists()
    # goods sold by weight take decimals
    kaese = variant_of(cheese)
    assert owner_client.post(f"/stock/reorder-levels/{cheese.pk}/", {f"level-{kaese.pk}-all": "1,5"}).status_code == 302
    with scopes_disabled():
        assert StockThreshold.objects.get().minimum == Decimal("1.5")


def test_a_store_manager_sets_only_their_stores_level(organization, store, other_store, rolls, manager, cashier):
    bread = variant_of(rolls)
    client = _login(manager)
    url = f"/stock/reorder-levels/{rolls.pk}/"
    page = soup_of(client.get(url))
    # no column for every store, none for Süd
    assert [i["name"] for i in page.select("[data-testid=reorder-input]")] == [f"level-{bread.pk}-{store.pk}"]
    assert client.post(url, {f"level-{bread.pk}-{store.pk}": "3"}).status_code == 302
    # the service refuses the rest, whatever is posted
    with pytest.raises(InventoryError), scopes_disabled():
        set_reorder_levels(
            actor=Actor.system(),
            organization=organization,
            employee=manager,
            entries=[LevelEntry(bread.pk, other_store.pk, Decimal(1))],
        )
    with pytest.raises(InventoryError), scopes_disabled():
        set_reorder_levels(
            actor=Actor.system(),
            organization=organization,
            employee=manager,
            entries=[LevelEntry(bread.pk, None, Decimal(1))],
        )
    with scopes_disabled():
        assert list(StockThreshold.objects.values_list("store_id", "minimum")) == [(store.pk, Decimal("3.000"))]
    assert _login(cashier).get(url).status_code == 403


def test_the_overview_alerts_low_stock_per_store(owner_client, organization, store, other_store, rolls, manager):
    bread = variant_of(rolls)
    _move(store, bread, "4")
    _move(other_store, bread, "1")
    _level(bread, None, "10")
    for n in range(4):
        _level(variant_of(ProductFactory(organization=organization, name=f"Ware {n}")), other_store, "1")
    page = soup_of(owner_client.get("/", HTTP_ACCEPT_LANGUAGE="de"))
    stock_alerts = [a for a in page.select("[data-testid=overview-alert]") if a["data-kind"] == "stock"]
    texts = [a.get_text(" ", strip=True) for a in stock_alerts]
    assert texts[0] == "Filiale Mitte: 1 Artikel ist unter dem Meldebestand: Brötchen"
    assert texts[1].startswith("Filiale Süd: 5 Artikel sind unter dem Meldebestand: Brötchen, Ware 0, Ware 1 …")
    assert stock_alerts[0].select_one("a")["href"] == f"/stock/levels/store/{store.pk}/?low=1"
    # the manager of Mitte sees Mitte's alert only
    mine = soup_of(_login(manager).get("/")).select("[data-testid=overview-alert][data-kind=stock]")
    assert len(mine) == 1
    assert "Filiale Mitte" in mine[0].get_text()
