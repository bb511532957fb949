"""A partial return in Debian's Chromium: sell, scan the receipt's code, return two rolls in cash."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.inventory.selectors import stock_level
from kasse.register.tests.test_browser import _tolerant_scanner_timing  # noqa: F401
from kasse.sales.models import Sale
from kasse.testing.browser import scan
from kasse.testing.plugin import open_register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partial_return_by_scanning_the_receipt_code(live_server, page, register, till, bakery):
    open_register(page, live_server.url)
    # Given a sale of three rolls, paid in cash
    for _ in range(3):
        scan(page, "4000000000017")
    page.wait_for_selector("[data-testid=cart-total]:has-text('1,35')")
    page.click("[data-testid=pay]")
    page.click("[data-testid=cash-exact]")
    page.wait_for_selector("[data-testid=sale-done]")
    page.click("[data-testid=next-customer]")
    page.wait_for_selector("[data-testid=cart-empty]")
    with scopes_disabled():
        sale = Sale.objects.get()
        code = f"R-{sale.store.number}-{register.number}-{sale.receipt_number}"
    # When the customer comes back and the cashier scans the receipt's barcode
    scan(page, code)
    page.wait_for_selector("#overlay.open [data-testid=return-form]")
    assert page.text_content("[data-testid=return-title]") == f"Rückgabe von Beleg {register.number}/1"
    assert page.text_content("[data-testid=cart-lines]").strip() == "Artikel scannen oder antippen."
    # And takes back two of the three rolls, in cash
    page.click("[data-testid=qty-plus]")
    page.wait_for_selector("[data-testid=return-total]:has-text('0,45')")
    page.click("[data-testid=qty-plus]")
    page.wait_for_selector("[data-testid=return-total]:has-text('0,90')")
    page.check("[data-testid=tender-cash]")
    page.wait_for_selector("[data-testid=tender-cash]:checked")
    page.click("[data-testid=return-confirm]")
    # Then the done screen shows the refund, and the return is stored with the rolls back in stock
    page.wait_for_selector("[data-testid=return-done]")
    assert page.text_content("[data-testid=refund-total]") == "0,90 €"
    assert page.text_content("[data-testid=cash-back]").split() == ["Bar", "auszahlen", "0,90", "€"]
    with scopes_disabled():
        refund = Sale.objects.get(kind="refund")
        assert (refund.original_sale_id, refund.total) == (sale.pk, Decimal("-0.90"))
        assert [(p.method, p.amount) for p in refund.payments.all()] == [("cash", Decimal("-0.90"))]
        assert stock_level(register.store, bakery["rolls"].variants.get()) == Decimal("-1")
    page.screenshot(path=os.environ.get("KASSE_SCREENSHOT_DIR", "/tmp") + "/register-return-done.png")
    page.click("[data-testid=return-next]")
    page.wait_for_selector("#overlay:not(.open)", state="attached")
