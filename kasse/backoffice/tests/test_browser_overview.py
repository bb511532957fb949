"""The Übersicht in Chromium: a sale completed at a register changes today's figures without a reload."""

from __future__ import annotations

import os

import pytest

from kasse.sync.tests.test_browser_live import _sell
from kasse.testing.asgi_server import asgi_server
from kasse.testing.factories import owner_user
from kasse.testing.plugin import log_in_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_overview_receives_a_sale_from_a_register_live(
    page, organization, store, register, shift, cashier, coffee, rolls
):
    owner_user(organization, email="inhaber@example.org", language="de")
    _sell(register, cashier, rolls.variants.get(), "1")
    with asgi_server() as base_url:
        log_in_in_browser(page, base_url, "inhaber@example.org")
        page.goto(base_url + "/")
        # Given the Übersicht shows this morning's one sale and is connected
        page.wait_for_selector("body[data-live='1']")
        row = page.locator(f"[data-testid=overview-store][data-store='{store.pk}']")
        assert row.locator("[data-testid=receipts]").text_content() == "1"
        page.evaluate("window.stillTheSamePage = true")
        # When a coffee is sold at the register
        _sell(register, cashier, coffee.variants.get(), "5")
        # Then the figures change without a reload: two receipts, the coffee among the top products
        page.wait_for_function(
            "document.querySelector('[data-testid=overview-store] [data-testid=receipts]').textContent === '2'",
            timeout=5000,
        )
        assert page.locator("[data-testid=top-product]").count() == 2
        assert page.evaluate("window.stillTheSamePage") is True  # no reload
        page.screenshot(path=os.environ.get("KASSE_SCREENSHOT_DIR", "/tmp") + "/overview.png", full_page=True)
