"""A loyalty sale in Debian's Chromium: scan two coffees and the customer's card, redeem points, pay."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.loyalty.selectors import points_balance
from kasse.loyalty.services import adjust_points
from kasse.register.tests.test_browser import _tolerant_scanner_timing  # noqa: F401
from kasse.sales.models import Sale
from kasse.testing.browser import scan
from kasse.testing.plugin import open_register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_loyalty_sale_scan_the_card_redeem_points_and_pay(live_server, page, register, till, bakery, program, anna):
    adjust_points(actor=Actor.system(), customer=anna, points=250, note="Start")
    with scopes_disabled():
        anna.loyalty_card_code = "9001001"  # digits, as most printed cards' barcodes
        anna.save()
    open_register(page, live_server.url)
    # Given two coffees in the cart and the customer's card scanned
    scan(page, "4000000000024")
    scan(page, "4000000000024")
    page.wait_for_selector("[data-testid=cart-total]:has-text('5,60')")
    scan(page, "9001001")
    page.wait_for_selector("[data-testid=loyalty-points][data-points='250']")
    assert page.text_content("[data-testid=loyalty-points]").strip() == "250 Punkte"
    # When the cashier redeems 200 points
    page.fill("[data-testid=redeem-points-input]", "200")
    page.click("[data-testid=redeem-points]")
    page.wait_for_selector("[data-testid=cart-total]:has-text('3,60')")
    assert page.text_content("[data-testid=loyalty-discount]") == "Eingelöst −2,00 €"
    # And the customer pays the rest in cash
    page.click("[data-testid=pay]")
    page.click("[data-testid=cash-exact]")
    page.wait_for_selector("[data-testid=sale-done]")
    page.screenshot(path=os.environ.get("KASSE_SCREENSHOT_DIR", "/tmp") + "/register-loyalty-sale.png")
    # Then the sale carries the points' value as a discount and the account is 250 − 200 + 3 earned
    with scopes_disabled():
        sale = Sale.objects.get()
        assert (sale.total, sale.loyalty_discount, sale.customer_id) == (Decimal("3.60"), Decimal("2.00"), anna.pk)
        assert points_balance(anna.pk) == 53


def test_the_loyalty_band_and_the_sign_up_form_fit_a_1024_by_768_register(
    live_server, page, register, till, bakery, program, anna
):
    from kasse.loyalty.services import save_stamp_card

    save_stamp_card(
        actor=Actor.system(),
        organization=anna.organization,
        data={"name": "Kaffeekarte", "stamps_needed": 10, "product": bakery["coffee"], "category": None},
    )
    adjust_points(actor=Actor.system(), customer=anna, points=250, note="Start")
    page.set_viewport_size({"width": 1024, "height": 768})
    open_register(page, live_server.url)
    scan(page, "4000000000024")
    page.wait_for_selector("[data-testid=cart-line]")
    scan(page, "K1001")
    page.wait_for_selector("[data-testid=loyalty-points]")
    # The points, the redeem field and the stamp card are one compact band inside the cart, so the lines keep
    # their room: without the band's styles the field took the cart's whole width and the band 130 px
    cart = page.locator("[data-testid=cart]").bounding_box()
    band = page.locator("[data-testid=cart-loyalty]").bounding_box()
    field = page.locator("[data-testid=redeem-points-input]").bounding_box()
    assert band["height"] <= 120, band
    assert field["width"] < cart["width"] / 2, (field, cart)
    assert band["x"] >= cart["x"]
    assert band["x"] + band["width"] <= cart["x"] + cart["width"] + 1
    points = page.locator("[data-testid=loyalty-points]").bounding_box()
    assert points["x"] >= cart["x"] + 8, (points, cart)  # padded like the customer's name above it
    # The new-customer form's consent is a box beside its text, not a field as wide as the dialog
    page.click("[data-testid=customer-button]")
    page.click("[data-testid=customer-new] summary")
    box = page.locator("[data-testid=customer-form] input[type=checkbox]").first
    box_at = box.bounding_box()
    label_at = page.locator("[data-testid=customer-form] label:has(input[type=checkbox])").first.bounding_box()
    assert box_at["width"] <= 48, box_at
    assert label_at["height"] <= 56, label_at  # box and text on one line
