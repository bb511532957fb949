"""The receipt journal in Chromium: a receipt found by its number shows as printed; a manager of one store
sees nothing of another store, in the journal, on the Übersicht and at another store's receipt's address."""

from __future__ import annotations

import os

import pytest

from kasse.tenancy.permissions import Role
from kasse.testing.asgi_server import asgi_server
from kasse.testing.browser import wait_settled
from kasse.testing.factories import EmployeeFactory, UserFactory, owner_user
from kasse.testing.plugin import log_in_in_browser
from kasse.testing.sales_data import product, till

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_receipt_is_found_by_its_number_and_shows_as_printed(page, organization, store):
    owner_user(organization, email="inhaber@example.org", language="de")
    shop = till(organization, store)
    bread, coffee = product(organization, name="Brot", price="3.50"), product(organization, name="Kaffee", price="2.80")
    for _ in range(3):
        shop.sell(bread)
    wanted = shop.sell(coffee, 2)
    shop.sell(bread)
    with asgi_server() as base_url:
        log_in_in_browser(page, base_url, "inhaber@example.org")
        page.goto(base_url + "/sales/receipts/")
        assert page.locator("[data-testid=journal-row]").count() == 5
        # When the owner types the receipt's number and searches
        page.fill("input[name=number]", str(wanted.receipt_number))
        page.click("[data-testid=journal-search]")
        page.wait_for_function("() => document.querySelectorAll('[data-testid=journal-row]').length === 1")
        wait_settled(page)
        rows = page.locator("[data-testid=journal-row]")
        assert rows.first.get_attribute("data-id") == str(wanted.pk)
        assert rows.first.locator("[data-testid=journal-total]").text_content() == "5,60 €"
        assert f"number={wanted.receipt_number}" in page.url  # the search is in the address, for the back button
        # Then opening it shows the receipt as it was printed
        rows.first.locator("[data-testid=journal-open]").click()
        page.wait_for_selector("[data-testid=printed-receipt]")
        printed = page.locator("[data-testid=printed-receipt]")
        assert printed.locator("[data-testid=receipt-total]").text_content().strip() == "5,60 €"
        assert "Kaffee" in printed.text_content()
        assert (
            page.locator("[data-testid=detail-pdf]").get_attribute("href").endswith(f"/sales/receipts/{wanted.pk}/pdf/")
        )
        page.screenshot(path=os.environ.get("KASSE_SCREENSHOT_DIR", "/tmp") + "/receipt-detail.png", full_page=True)


def test_a_manager_of_one_store_sees_nothing_of_another(page, organization, store):
    mine = till(organization, store)
    theirs = till(organization, name="Filiale Nord")
    bread = product(organization, name="Brot", price="3.50")
    own_sale = mine.sell(bread)
    other_sale = theirs.sell(bread, 7)
    user = UserFactory(email="leitung@example.org", language="de")
    EmployeeFactory(organization=organization, user=user, role=(store, Role.MANAGER))
    with asgi_server() as base_url:
        log_in_in_browser(page, base_url, "leitung@example.org")
        # the Übersicht: their store only
        page.wait_for_selector("[data-testid=overview-store]")
        assert page.locator("[data-testid=overview-store]").count() == 1
        assert "Filiale Nord" not in page.content()
        assert "24,50" not in page.content()
        # the journal: their receipts only, no other store to choose
        page.goto(base_url + "/sales/receipts/")
        ids = page.locator("[data-testid=journal-row]").evaluate_all("(rows) => rows.map((r) => r.dataset.id)")
        assert ids == [str(own_sale.pk)]
        assert "Filiale Nord" not in page.locator("[data-testid=journal-filters]").text_content()
        # another store's receipt by its address: not found, nothing of it shown
        response = page.goto(base_url + f"/sales/receipts/{other_sale.pk}/")
        assert response.status == 404
        assert "24,50" not in page.content()
