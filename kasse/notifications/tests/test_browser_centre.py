"""The notification centre in Chromium: a sale at a register raises the bell's unread count within a second."""

from __future__ import annotations

import pytest

from kasse.notifications.preferences import save_preferences
from kasse.sync.tests.test_browser_live import _sell
from kasse.testing.asgi_server import asgi_server
from kasse.testing.factories import owner_user
from kasse.testing.plugin import log_in_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_sale_at_a_register_raises_the_unread_count_within_a_second(
    page, organization, store, register, shift, cashier, coffee
):
    owner = owner_user(organization, email="inhaber@example.org", language="de")
    save_preferences(
        user=owner, organization=organization, store=None, rows=[{"kind": "sale.completed", "in_app": True}]
    )
    with asgi_server() as base_url:
        log_in_in_browser(page, base_url, "inhaber@example.org")
        page.goto(base_url + "/sales/receipts/")
        # Given the bell shows nothing new and its socket has said so
        page.wait_for_function("document.getElementById('notification-bell').dataset.unread === '0'", timeout=5000)
        page.evaluate("window.stillTheSamePage = true")
        # When a coffee is sold at the register
        _sell(register, cashier, coffee.variants.get(), "5")
        # Then the count is 1 within a second, without a reload
        page.wait_for_function("document.getElementById('notification-count').textContent === '1'", timeout=1000)
        assert page.evaluate("window.stillTheSamePage") is True
        # And the centre says what happened, in German
        page.click("[data-testid=notification-bell]")
        text = page.locator("[data-testid=notification-text]").first.text_content()
        assert text.startswith("Verkauf über 2,80 €")
        page.wait_for_function("document.getElementById('notification-count').textContent === '0'", timeout=5000)
