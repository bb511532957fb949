"""An owner finds a product by typing without umlauts, changes its price and sees it in the list."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.catalog.models import Product
from kasse.testing.factories import ProductFactory, owner_user
from kasse.testing.plugin import log_in_in_browser


@pytest.mark.browser
def test_owner_searches_edits_price_and_sees_it_in_the_list(live_server, page, transactional_db, organization, store):
    # Given an owner and a bakery catalog
    owner_user(organization, email="inhaber@example.org", language="de")
    ProductFactory(organization=organization, name="Brötchen", price=Decimal("0.45"))
    ProductFactory(organization=organization, name="Milchkaffee", price=Decimal("2.80"))
    log_in_in_browser(page, live_server.url, "inhaber@example.org")

    # When they open the catalog and type "brotchen" (no umlaut) into the search box
    page.goto(live_server.url + "/catalog/")
    page.fill("[data-testid=product-search]", "brotchen")
    # Then the list shows only Brötchen, swapped in without a page load
    page.wait_for_function("document.querySelectorAll('[data-testid=product-row]').length === 1")
    assert page.text_content("[data-testid=product-row] [data-testid=product-name]").strip() == "Brötchen"

    # When they open it, change the price to 0,55 and save
    page.click("[data-testid=product-row] [data-testid=product-name]")
    page.fill("[data-testid=product-price]", "0,55")
    page.click("[data-testid=product-save]")
    page.wait_for_selector(".messages")
    # Then the catalog list shows the new price in German format
    page.goto(live_server.url + "/catalog/?q=brotchen")
    assert page.text_content("[data-testid=product-row] [data-testid=product-price]").strip() == "0,55\xa0€"
    with scopes_disabled():
        assert Product.objects.get(name="Brötchen").price == Decimal("0.55")
