"""A gift-card redemption at the register in Debian's Chromium: three coffees, part paid with a gift card
found by its code, the rest in cash."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.register.tests.test_browser import _tolerant_scanner_timing  # noqa: F401
from kasse.sales.models import Sale
from kasse.testing.browser import scan
from kasse.testing.plugin import open_register
from kasse.vouchers.models import Voucher
from kasse.vouchers.selectors import balance_of
from kasse.vouchers.tests.conftest import sell

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_gift_card_pays_part_of_a_sale_at_the_register(live_server, page, register, till, cashier, bakery, gift_card):
    with scopes_disabled():
        sell(register, cashier, cards=[(gift_card, "GESCHENK04", "4.00")])  # sold earlier: 4 € on the card
    open_register(page, live_server.url)
    # Given three coffees in the cart
    for _ in range(3):
        scan(page, "4000000000024")
    page.wait_for_selector("[data-testid=cart-total]:has-text('8,40')")
    # When the cashier opens the payment, scans the card and takes what is on it
    page.click("[data-testid=pay]")
    page.wait_for_selector("[data-testid=voucher-code]")
    page.wait_for_load_state("networkidle")
    scan(page, "GESCHENK04")
    page.wait_for_selector("[data-testid=gift-card-pay]:has-text('4,00')")
    page.screenshot(path=os.environ.get("KASSE_SCREENSHOT_DIR", "/tmp") + "/register-gift-card-pay-panel.png")
    page.click("[data-testid=gift-card-pay]")
    page.wait_for_selector("[data-testid=pay-due]:has-text('4,40')")
    assert "Geschenkgutschein …NK04" in page.text_content("[data-testid=tenders]")
    # And the rest in cash
    page.click("[data-testid=cash-exact]")
    page.wait_for_selector("[data-testid=sale-done]")
    page.screenshot(path=os.environ.get("KASSE_SCREENSHOT_DIR", "/tmp") + "/register-gift-card.png")
    # Then the receipt has the card's line, the cash is the rest and the card is empty
    with scopes_disabled():
        sale = Sale.objects.order_by("-completed_at").first()
        assert sale.total == Decimal("4.40")
        assert [(p.method, p.amount) for p in sale.payments.all()] == [("cash", Decimal("4.40"))]
        assert balance_of(Voucher.objects.get(code="GESCHENK04")) == Decimal("0.00")


def test_a_pre_printed_card_is_scanned_into_the_dialog_and_an_unknown_code_is_a_clear_message(
    live_server, page, register, till, bakery, gift_card
):
    open_register(page, live_server.url)
    # A pre-printed card's barcode scanned in the gift-card dialog lands in its code field
    page.click("[data-testid=gift-card-button]")
    page.fill("[data-testid=gift-card-amount]", "15")
    scan(page, "7700001234")
    page.wait_for_function("document.querySelector('[data-testid=gift-card-code]').value === '7700001234'")
    page.click("[data-testid=gift-card-add]")
    page.wait_for_selector("[data-testid=line-voucher-code]:has-text('7700001234')")
    page.wait_for_selector("[data-testid=gift-card-dialog]", state="detached")  # scans go to the cart again
    scan(page, "4000000000024")
    page.wait_for_selector("[data-testid=cart-total]:has-text('17,80')")
    page.click("[data-testid=pay]")
    page.wait_for_load_state("networkidle")  # the pay panel and the cart's last requests are in
    page.fill("[data-testid=voucher-code]", "NIXDA123")  # typed by hand
    page.click("[data-testid=tender-voucher]")
    page.wait_for_selector("[data-testid=gift-card-error]")
    assert page.text_content("[data-testid=gift-card-error]") == "Kein Geschenkgutschein hat den Code „NIXDA123“."
