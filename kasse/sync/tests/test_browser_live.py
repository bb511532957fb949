"""The owner's live sales page in Chromium: a sale completed at a register appears on top without a reload."""

from __future__ import annotations

import os
import threading

import pytest

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.testing.asgi_server import asgi_server
from kasse.testing.factories import owner_user
from kasse.testing.plugin import log_in_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sell(register, cashier, variant, amount: str) -> None:
    """Complete a sale from another thread, as a request would (Playwright holds this thread's loop)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            complete_sale(
                actor=Actor.for_employee(cashier),
                register=register,
                employee=cashier,
                cart=SaleInput(id=uuid7(), lines=[LineInput(variant.pk, 1)], payments=[PaymentInput("cash", amount)]),
            )
        except BaseException as exc:  # pragma: no cover - shown by the assert below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert not errors, errors


def test_a_sale_appears_on_the_live_page_as_it_happens(
    page, organization, store, register, shift, cashier, coffee, rolls
):
    owner_user(organization, email="inhaber@example.org", language="de")
    _sell(register, cashier, rolls.variants.get(), "1")
    with asgi_server() as base_url:
        log_in_in_browser(page, base_url, "inhaber@example.org")
        page.goto(base_url + "/nodes/live/")
        # Given the page shows the earlier sale and is connected
        page.wait_for_selector("body[data-ready='1'][data-live='1']")
        assert page.locator("[data-testid=live-sale]").count() == 1
        assert page.text_content("[data-testid=live-state]") == "live"
        # When a coffee is sold at the register
        _sell(register, cashier, coffee.variants.get(), "5")
        # Then it is on top of the list without a reload, with store, register and German amounts
        page.wait_for_function("document.querySelectorAll('[data-testid=live-sale]').length === 2", timeout=3000)
        first = page.locator("[data-testid=live-sale]").first
        assert first.locator("[data-testid=live-total]").text_content() == "2,80 €"
        assert first.locator("[data-testid=live-receipt]").text_content() == "2"
        cells = first.locator("td").all_text_contents()
        assert cells[1:3] == [store.name, register.name]
        assert cells[4] == cashier.display_name
        # the time is shown like the server-rendered rows (dd.mm.yyyy, hh:mm:ss in the store's zone)
        times = page.locator("[data-testid=live-sale] time").all_text_contents()
        assert all(len(t) == len("29.11.2026, 07:00:00") for t in times), times
        page.screenshot(path=os.environ.get("KASSE_SCREENSHOT_DIR", "/tmp") + "/live-sales.png")
