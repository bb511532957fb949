"""The customer display while the terminal works, in Chromium over the ASGI server (WebSockets): the
terminal's intermediate status (04 FF) of a card payment, the refund of a return "as paid" to the card, and
the terminal's end-of-day when the shift closes (docs/payments.md, "The flow of a card payment", step 3)."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from kasse.hardware.terminals.zvt.terminal import ZvtTerminal, tcp_link
from kasse.payments.models import CardTerminal
from kasse.payments.runner import CardTerminalPool
from kasse.payments.tests.test_browser_card import (
    _to_card,
    _tolerant_scanner_timing,  # noqa: F401
)
from kasse.register.services.pairing import DEVICE_COOKIE
from kasse.sales.models import Sale
from kasse.testing.browser import scan
from kasse.testing.plugin import paired_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def patient_driver(terminal: CardTerminal) -> ZvtTerminal:
    """The terminal takes its time here (a customer at the PIN pad): the dialog waits for it."""
    host, port = terminal.host, terminal.port
    return ZvtTerminal(lambda: tcp_link(host, port), terminal.password, ack_timeout=3.0, overall_timeout=10.0)


def _display(browser, base_url: str):
    context = browser.new_context(locale="de-DE")
    context.add_cookies([{"name": DEVICE_COOKIE, "value": "display-token", "url": base_url}])
    display = context.new_page()
    display.goto(base_url + "/register/display/")
    display.wait_for_selector("[data-testid=display-idle]")
    return context, display


def test_the_customer_display_shows_what_the_terminal_asks_for(
    page, browser, register, till, bakery, sim, card_terminal
):
    from kasse.testing.asgi_server import asgi_server

    # Each step of the customer at the terminal takes a while: insert card, PIN pad, host, remove card
    sim.scenario.step_delay = 0.4
    paired_client(register, token="display-token")
    with (
        asgi_server() as base_url,
        CardTerminalPool(store_ids=[register.store_id], driver=patient_driver, idle_seconds=0.1),
    ):
        context, display = _display(browser, base_url)
        _to_card(page, base_url)
        # The terminal's own words, in the shop's language, on the customer's side while they matter
        display.wait_for_selector("[data-testid=display-card-text]:has-text('Karte einstecken')", timeout=15000)
        display.wait_for_selector("[data-testid=display-card-text]:has-text('PIN-Pad')", timeout=15000)
        assert "2,80" in display.text_content("[data-testid=display-card] h2")
        page.wait_for_selector("[data-testid=sale-done]", timeout=20000)
        display.wait_for_selector("[data-testid=display-change], [data-testid=display-done]", timeout=10000)
        context.close()
    with scopes_disabled():
        assert Sale.objects.count() == 1


def test_the_customer_display_follows_a_card_refund_and_the_terminals_end_of_day(
    page, browser, register, till, bakery, sim, card_terminal
):
    from kasse.testing.asgi_server import asgi_server

    paired_client(register, token="display-token")
    with (
        asgi_server() as base_url,
        CardTerminalPool(store_ids=[register.store_id], driver=patient_driver, idle_seconds=0.1),
    ):
        context, display = _display(browser, base_url)
        _to_card(page, base_url)
        page.wait_for_selector("[data-testid=sale-done]", timeout=15000)
        page.click("[data-testid=next-customer]")
        page.wait_for_selector("[data-testid=cart-empty]")
        with scopes_disabled():
            sale = Sale.objects.get()
        # The coffee comes back "as paid": the customer is asked for the card, the money goes back to it
        sim.scenario.step_delay = 0.4
        scan(page, f"R-{sale.store.number}-{register.number}-{sale.receipt_number}")
        page.wait_for_selector("#overlay.open [data-testid=return-form]")
        page.click("[data-testid=qty-plus]")
        page.wait_for_selector("[data-testid=return-total]:has-text('2,80')")
        page.click("[data-testid=return-confirm]")
        refund = "[data-testid=display-card][data-kind=reversal]"
        display.wait_for_selector(
            f"{refund} [data-testid=display-card-text]:has-text('Karte einstecken')", timeout=15000
        )
        assert "Erstattung auf Ihre Karte" in display.text_content(f"{refund} h2")
        page.wait_for_selector("[data-testid=return-done]", timeout=20000)
        display.wait_for_selector(f"{refund}[data-status=approved]", timeout=10000)
        # Closing the shift: the display says the register is closing while the terminal closes its day
        sim.scenario.step_delay = 0.6
        page.goto(f"{base_url}/register/shift/close/")
        page.fill("[name=d-20]", "5")
        page.click("[data-testid=close-review]")
        page.click("[data-testid=close-confirm]")
        display.wait_for_selector("[data-testid=display-end-of-day]:has-text('Diese Kasse schließt')", timeout=15000)
        assert "Tagesabschluss" in display.text_content("[data-testid=display-end-of-day-text]")
        page.wait_for_selector("[data-testid=card-reconciliation]", timeout=30000)
        display.wait_for_selector("[data-testid=display-end-of-day][data-status=done]", timeout=10000)
        assert display.text_content("[data-testid=display-end-of-day] h2").strip() == "Diese Kasse ist geschlossen"
        context.close()
