"""A walk through the register, the customer display and the back office in Debian's Chromium, with the
Content-Security-Policy enforced (no bypass) and a product, a customer, the store and the cashier named like markup:
no policy violation, no dialog, every name shown literally, and the scripts' texts from the JavaScript catalog.
Screenshots of the overlays at 1024×768 and 1366×768 go to $KASSE_SCREENSHOT_DIR (default /tmp)."""

from __future__ import annotations

import json
import os

import pytest
from django.conf import settings
from django.test import Client
from django_scopes import scopes_disabled

from kasse.register.services.pairing import DEVICE_COOKIE
from kasse.register.tests.test_browser import _tolerant_scanner_timing  # noqa: F401
from kasse.register.tests.test_markup_as_text import CASHIER, CUSTOMER, IMG, PRODUCT, STORE, name_like_markup
from kasse.testing.browser import wait_settled
from kasse.testing.plugin import paired_client
from kasse.testing.register_login import unlock_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = [(1024, 768), (1366, 768)]
SHOTS = os.environ.get("KASSE_SCREENSHOT_DIR", "/tmp")
# Every violation the page reports (an inline handler or script refused, a foreign source), kept on the window.
WATCH = """document.addEventListener("securitypolicyviolation", (event) => {
  (window.__violations = window.__violations || []).push(event.violatedDirective + " " + event.blockedURI);
});"""

# How many lines the text of the first element matching a selector takes.
ONE_LINE = """(selector) => {
  const range = document.createRange();
  range.selectNodeContents(document.querySelector(selector));
  return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
}"""


def _enforcing_page(browser, width, height, problems):
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": height})  # the policy holds
    context.set_default_timeout(30_000)  # a loaded machine
    context.add_init_script(WATCH)
    page = context.new_page()
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on(
        "console", lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None
    )
    return page


def _violations(page):
    return page.evaluate("window.__violations || []")


def _literal(page, selector):
    return page.text_content(selector).replace("\u00ad", "")  # tiles break long names at soft hyphens


def _shot(page, name, width, height):
    page.wait_for_timeout(200)  # let the swap settle before the picture
    page.screenshot(path=f"{SHOTS}/frontend-{name}-{width}x{height}.png")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_walk_under_the_policy_with_names_like_markup(
    browser, organization, store, register, cashier, till, owner, width, height
):
    from kasse.sales.models import Sale
    from kasse.testing.asgi_server import asgi_server

    name_like_markup(organization, store, cashier)
    paired_client(register, token="display-token")
    problems: list[str] = []
    with asgi_server() as base_url:
        # The customer display of the register, idle
        display = _enforcing_page(browser, width, height, problems)
        display.context.add_cookies([{"name": DEVICE_COOKIE, "value": "display-token", "url": base_url}])
        display.goto(base_url + "/register/display/")
        display.wait_for_selector("[data-testid=display-idle]")
        # The register: lock screen with the cashier's tile, then the selling screen
        page = _enforcing_page(browser, width, height, problems)
        page.context.add_cookies([{"name": DEVICE_COOKIE, "value": "device-token", "url": base_url}])
        page.goto(base_url + "/register/")
        assert CASHIER in page.locator("[data-testid=staff-tile]").first.text_content()
        _shot(page, "lock", width, height)
        unlock_in_browser(page, CASHIER, "1111")
        page.wait_for_selector("body[data-ready='1'] [data-testid=cart-empty]")
        assert page.text_content("[data-testid=cashier]") == CASHIER
        assert STORE in page.text_content(".bar .where")
        # The tile, the cart, and the display following it
        assert _literal(page, "[data-testid=tile] .name") == PRODUCT
        page.click("[data-testid=tile]")
        page.wait_for_selector("[data-testid=cart-line]")
        assert PRODUCT in _literal(page, "[data-testid=cart-line]")
        display.wait_for_selector("[data-testid=display-total]:has-text('2,00')")
        assert PRODUCT in display.text_content("[data-testid=display-cart]")
        assert display.evaluate(ONE_LINE, ".display-cart .line .amount") == 1  # "2,00 €" does not break
        _shot(display, "display-cart", width, height)
        # The discount dialog and the price instead
        page.click("[data-testid=line-menu]")
        assert page.text_content("[data-testid=discount-form] [data-testid=dialog-title]") == PRODUCT
        _shot(page, "discount", width, height)
        page.click("[data-testid=price-instead]")
        page.wait_for_selector("[data-testid=price-input]")
        assert page.text_content("[data-testid=dialog-title]") == PRODUCT
        page.keyboard.press("Escape")
        # The note dialog: a note like markup is saved and shown as text
        page.click("[data-testid=line-note-button]")
        page.wait_for_selector("[data-testid=note-form]")
        wait_settled(page)
        assert PRODUCT in page.text_content("[data-testid=note-form] [data-testid=dialog-title]")
        page.fill("[data-testid=note-input]", IMG)
        _shot(page, "note", width, height)
        page.click("[data-testid=note-save]")
        page.wait_for_selector(f"[data-testid=line-note]:text-is('{IMG}')")
        # The customer picker finds the customer; the cart names her
        page.click("[data-testid=customer-button]")
        page.wait_for_selector("[data-testid=customer-search]")
        wait_settled(page)
        page.fill("[data-testid=customer-search]", "K")
        pick = page.locator("[data-testid=customer-result]", has_text=CUSTOMER).first
        pick.wait_for()
        _shot(page, "customer", width, height)
        pick.click()
        page.wait_for_selector(f"[data-testid=cart-customer]:has-text('{CUSTOMER[:5]}')")
        assert CUSTOMER in page.text_content("[data-testid=cart-customer]")
        # Pay: the panel, the card step, a declined card (its message from the JavaScript catalog), then cash
        page.click("[data-testid=pay]")
        page.wait_for_selector("[data-testid=pay-panel]")
        _shot(page, "pay", width, height)
        page.click("[data-testid=tender-card]")
        page.wait_for_selector("[data-testid=card-declined]")
        _shot(page, "card-step", width, height)
        page.click("[data-testid=card-declined]")
        page.wait_for_selector("[data-testid=toast].show:text-is('Kartenzahlung abgelehnt.')")
        page.wait_for_selector("[data-testid=pay-panel]")
        page.click("[data-testid=cash-500]")
        page.wait_for_selector("[data-testid=sale-done]")
        _shot(page, "done", width, height)
        display.wait_for_selector("[data-testid=display-done]")
        _shot(display, "display-done", width, height)
        page.click("[data-testid=next-customer]")
        page.wait_for_selector("[data-testid=cart-empty]")
        # Returns: the receipts list, the return dialog with the product
        page.click("[data-testid=receipts-button]")
        page.wait_for_selector("[data-testid=receipt-row]")
        _shot(page, "receipts", width, height)
        page.click("[data-testid=receipt-return]")
        page.wait_for_selector("[data-testid=return-form]")
        assert PRODUCT in _literal(page, "[data-testid=return-lines]")
        _shot(page, "return", width, height)
        page.keyboard.press("Escape")
        # The on-screen receipt
        with scopes_disabled():
            sale = Sale.objects.get()
        page.goto(f"{base_url}/register/receipt/{sale.pk}/")
        body = _literal(page, "body")
        assert PRODUCT in body
        assert STORE in body
        _shot(page, "receipt", width, height)
        # The back office, logged in as the owner
        client = Client()
        client.force_login(owner)
        office = _enforcing_page(browser, width, height, problems)
        office.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": base_url,
                }
            ]
        )
        for path, name in (
            ("/catalog/", PRODUCT),
            ("/customers/", CUSTOMER),
            ("/settings/employees/", CASHIER),
            ("/settings/stores/", STORE),
            ("/nodes/live/", STORE),
            ("/", ""),
        ):
            office.goto(base_url + path)
            office.wait_for_selector("body")
            assert name in office.text_content("body"), path
            assert _violations(office) == [], path
        _shot(office, "backoffice-live", width, height)
        violations = _violations(page) + _violations(display)
    assert json.dumps(problems + violations) == "[]"
    assert page.locator("img[src=x]").count() == 0


def test_the_walk_checks_see_an_injected_handler(browser):
    """The watch this walk relies on does report an inline handler the policy refused."""
    problems: list[str] = []
    from kasse.testing.asgi_server import asgi_server

    with asgi_server() as base_url:
        page = _enforcing_page(browser, 1024, 768, problems)
        page.goto(base_url + "/login/")
        page.evaluate(f"document.body.insertAdjacentHTML('beforeend', {json.dumps(IMG)})")  # what a bug would do
        page.wait_for_timeout(500)
        assert any("script-src" in v for v in _violations(page))
