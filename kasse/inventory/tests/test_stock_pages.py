"""Bestand: stock per store and variant from the ledger, its filters, pages and store scope; and the stock
column of the back-office product list (one query for the page's stock, whatever the page holds)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from kasse.inventory.models import StockMovement, StockReason
from kasse.inventory.tests.conftest import variant_of
from kasse.testing.factories import CategoryFactory, ProductFactory
from kasse.testing.plugin import soup_of
from kasse.testing.sales_data import till

pytestmark = pytest.mark.django_db
LIST = "/stock/levels/"


def _move(store, variant, delta, reason=StockReason.RECEIPT) -> None:
    with scopes_disabled():
        StockMovement.objects.create(
            organization=store.organization, store=store, variant=variant, delta=Decimal(delta), reason=reason
        )


def _rows(response) -> list[tuple[str, str, str]]:
    """(product · variant, store, quantity as shown) per row."""
    assert response.status_code == 200, response.content.decode()[:500]
    page = soup_of(response)
    return [
        (
            row.select_one("td a").get_text(strip=True),
            row.select_one("[data-testid=stock-store-name]").get_text(strip=True),
            row.select_one("[data-testid=stock-quantity]").contents[0].strip(),
        )
        for row in page.select("[data-testid=stock-row]")
    ]


def _login(employee) -> Client:
    client = Client()
    client.force_login(employee.user)
    return client


@pytest.fixture
def stocked(organization, store, other_store, rolls, cheese):
    """Brötchen: 10 received in Mitte, 4 sold at its register; 2 received in Süd, 2 broken. Käse: 3.5 kg in Mitte."""
    bread, kaese = variant_of(rolls), variant_of(cheese)
    _move(store, bread, "10")
    _move(other_store, bread, "2")
    _move(other_store, bread, "-2", StockReason.WASTE)
    _move(store, kaese, "3.5")
    till(organization, store).sell(bread, 4)
    return bread, kaese


def test_stock_per_store_and_variant_is_the_sum_of_the_ledger(owner_client, stocked, store):
    response = owner_client.get(LIST, HTTP_ACCEPT_LANGUAGE="de")
    assert _rows(response) == [
        ("Bergkäse", "Filiale Mitte", "3,500"),
        ("Brötchen", "Filiale Mitte", "6"),
        ("Brötchen", "Filiale Süd", "0"),
    ]
    page = soup_of(response)
    assert page.select_one("h1").get_text(strip=True) == "Bestand"
    # Out of stock (zero or below) is marked
    marked = [row for row in page.select("[data-testid=stock-row]") if row.select_one(".stock-out")]
    assert [row.select_one("[data-testid=stock-store-name]").get_text(strip=True) for row in marked] == ["Filiale Süd"]
    assert "nicht vorrätig" in marked[0].get_text()


def test_filters_narrow_the_stock(owner_client, organization, stocked, store, other_store, cheese):
    with scopes_disabled():
        dairy = CategoryFactory(organization=organization, name="Molkerei")
        cheese.category = dairy
        cheese.save(update_fields=["category"])
    assert [r[0] for r in _rows(owner_client.get(LIST, {"q": "brot"}))] == ["Brötchen", "Brötchen"]
    assert _rows(owner_client.get(LIST, {"category": str(dairy.pk)})) == [("Bergkäse", "Filiale Mitte", "3,500")]
    assert [r[1] for r in _rows(owner_client.get(LIST, {"store": str(other_store.pk)}))] == ["Filiale Süd"]
    assert [r[1] for r in _rows(owner_client.get(f"{LIST}store/{store.pk}/"))] == ["Filiale Mitte", "Filiale Mitte"]
    assert _rows(owner_client.get(LIST, {"out": "1"})) == [("Brötchen", "Filiale Süd", "0")]
    # htmx asks for the results only
    partial = owner_client.get(LIST, {"q": "käse"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="stock-results")
    assert b"<html" not in partial.content
    assert len(_rows(partial)) == 1


def test_a_store_manager_sees_only_their_stores_stock(organization, stocked, store, other_store, manager):
    client = _login(manager)
    assert {r[1] for r in _rows(client.get(LIST))} == {"Filiale Mitte"}
    assert client.get(LIST, {"store": str(other_store.pk)}).status_code == 404
    assert client.get(f"{LIST}store/{other_store.pk}/").status_code == 404
    # and the product list's stock column counts only their store: 6 Brötchen in Mitte
    page = soup_of(client.get("/catalog/", {"q": "Brötchen"}))
    assert [td.get_text(strip=True) for td in page.select("[data-testid=product-stock]")] == ["6"]


def test_a_cashier_has_no_stock_page(organization, store, cashier):
    assert _login(cashier).get(LIST).status_code == 403


def test_stock_is_paginated(owner_client, organization, store):
    for n in range(55):
        _move(store, variant_of(ProductFactory(organization=organization, name=f"Artikel {n:02}")), "1")
    first = _rows(owner_client.get(LIST))
    second = _rows(owner_client.get(LIST, {"page": "2"}))
    assert len(first) == 50
    assert len(second) == 5
    assert first[0][0] == "Artikel 00"
    assert second[-1][0] == "Artikel 54"
    # a page out of range or no number: the nearest page, and a sentence that says so (bad input, issue 15)
    for asked, shown, notice in (
        ("99", "Artikel 54", "Eine Seite „99“ gibt es nicht; dies ist Seite 2 von 2."),
        ("zwei", "Artikel 00", "Eine Seite „zwei“ gibt es nicht; dies ist Seite 1 von 2."),
    ):
        response = owner_client.get(LIST, {"page": asked}, HTTP_ACCEPT_LANGUAGE="de")
        assert response.status_code == 200
        soup = BeautifulSoup(response.content, "html.parser")
        assert soup.select_one("[data-testid=page-notice]").get_text(strip=True) == notice
        assert shown in [row[0] for row in _rows(response)]
    assert "page-notice" not in owner_client.get(LIST, {"page": "2"}).content.decode()


def test_the_product_list_shows_stock_with_one_query_for_the_page(owner_client, organization, store, other_store):
    def products(n: int, start: int) -> None:
        for i in range(start, start + n):
            variant = variant_of(ProductFactory(organization=organization, name=f"Ware {i:03}"))
            _move(store, variant, str(i + 1))
            _move(other_store, variant, "-1", StockReason.SALE)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert owner_client.get("/catalog/").status_code == 200
        return len(ctx.captured_queries)

    products(2, 0)
    few = queries()
    products(40, 2)
    with CaptureQueriesContext(connection) as ctx:
        response = owner_client.get("/catalog/")
    assert len(ctx.captured_queries) == few
    assert sum("inventory_stockmovement" in q["sql"] for q in ctx.captured_queries) == 1
    page = soup_of(response)
    # the owner sees the total over every store: received i+1 in Mitte, one sold in Süd
    stock = [td.get_text(strip=True) for td in page.select("[data-testid=product-stock]")]
    assert stock[:3] == ["0", "1", "2"]
    assert page.select_one("[data-testid=product-stock].stock-out") is not None
