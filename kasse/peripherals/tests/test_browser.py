"""In Chromium: a code read by the node's (virtual) scanner shows up in the register's cart."""

from __future__ import annotations

import os

import pytest

from kasse.hardware.scanners.virtual_scanner import VirtualSerialScanner
from kasse.peripherals.runner import PeripheralRunner
from kasse.peripherals.tests.conftest import FAST, wait_for
from kasse.testing.asgi_server import asgi_server
from kasse.testing.plugin import open_register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_scan_on_the_nodes_scanner_lands_in_the_cart(page, till, bakery, make_scanner):
    # Given the register page open in Chromium and a scanner on the node bound to this register
    with VirtualSerialScanner() as virtual, asgi_server() as base_url:
        scanner = make_scanner(virtual.port)
        with PeripheralRunner(refresh_seconds=3600, status_seconds=0.1, backoff=FAST) as runner:
            assert wait_for(lambda: runner.scanners[scanner.pk].state == "connected")
            open_register(page, base_url)
            page.wait_for_selector("#register[data-scanner-socket='open']")
            # When the scanner reads the rolls, twice, and the coffee
            for code in ("4000000000017", "4000000000017", "4000000000024"):
                virtual.scan(code)
                page.wait_for_timeout(100)
            # Then the cart shows them, as if they had been typed by a wedge scanner
            page.wait_for_selector("[data-testid=cart-line]:has-text('Kaffee')")
            page.wait_for_selector("[data-testid=cart-line]:has-text('Brötchen') [data-testid=line-qty]:has-text('2')")
            assert page.text_content("[data-testid=cart-total]") == "3,70 €"
            page.screenshot(path=os.environ.get("KASSE_SCREENSHOT_DIR", "/tmp") + "/register-node-scanner.png")
