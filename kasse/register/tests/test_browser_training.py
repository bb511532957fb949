"""Training mode in Debian's Chromium: a manager's PIN switches it on, the register and its customer
display say so, a sale's receipt is marked, and the PIN switches it off again (docs/fiscal.md, item 6)."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from kasse.register.services.pairing import DEVICE_COOKIE
from kasse.sales.models import Sale
from kasse.testing.browser import scan
from kasse.testing.plugin import open_register, paired_client
from kasse.testing.register_login import approve_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_switches_training_mode_on_a_cashier_sells_and_it_is_switched_off(
    page, browser, register, till, manager, bakery
):
    from kasse.testing.asgi_server import asgi_server

    paired_client(register, token="display-token")
    with asgi_server() as base_url:
        display_context = browser.new_context(locale="de-DE")
        display = display_context.new_page()
        display_context.add_cookies([{"name": DEVICE_COOKIE, "value": "display-token", "url": base_url}])
        display.goto(base_url + "/register/display/")
        display.wait_for_selector("[data-testid=display-idle]")
        assert display.locator("[data-testid=display-training]").count() == 0
        open_register(page, base_url)
        # Max approves training mode with his PIN in the shift menu
        page.click("[data-testid=shift-button]")
        page.click("[data-testid=training-button]")
        page.wait_for_selector("[data-testid=training-form]")
        approve_in_browser(page, "Max", "2222", pin_testid="training-pin")
        page.click("[data-testid=training-submit]")
        # The register reloads with the banner; the customer display reloads and says it too
        page.wait_for_selector("body[data-ready='1'] [data-testid=training-banner]")
        display.wait_for_selector("[data-testid=display-training]", timeout=5000)
        # Clara sells a coffee; the done dialog and the receipt say TRAININGSBELEG
        scan(page, "4000000000024")
        page.wait_for_selector("[data-testid=cart-total]:has-text('2,80')")
        page.click("[data-testid=pay]")
        page.click("[data-testid=cash-500]")
        page.wait_for_selector("[data-testid=sale-done] [data-testid=done-training]")
        with scopes_disabled():
            sale = Sale.objects.get()
        assert sale.is_training
        page.goto(f"{base_url}/register/receipt/{sale.pk}/")
        assert page.text_content("[data-testid=receipt-training]") == "TRAININGSBELEG"
        # Max switches training mode off again: the banner is gone
        page.goto(base_url + "/register/")
        page.wait_for_selector("body[data-ready='1'] [data-testid=training-banner]")
        page.click("[data-testid=shift-button]")
        page.click("[data-testid=training-button]")
        approve_in_browser(page, "Max", "2222", pin_testid="training-pin")
        page.click("[data-testid=training-submit]")
        page.wait_for_selector("[data-testid=training-banner]", state="detached")
        page.wait_for_selector("body[data-ready='1'] [data-testid=cart-empty]")
        display.wait_for_selector("[data-testid=display-idle]:not(:has([data-testid=display-training]))", timeout=5000)
        display_context.close()
