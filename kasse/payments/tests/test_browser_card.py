"""At the register in Chromium, with a connected terminal: the cashier taps Card, the terminal (virtual, on a
real socket, driven by the node's worker thread) approves, and the sale completes by itself, paid by card
with the terminal's payment; a declined card leaves the sale open."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from kasse.payments.models import CardPayment, CardPaymentStatus
from kasse.payments.runner import CardTerminalPool
from kasse.payments.tests.conftest import quick_driver
from kasse.sales.models import Sale
from kasse.testing.browser import scan, wait_settled
from kasse.testing.plugin import open_register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _tolerant_scanner_timing(store):
    """Chromium driven over CDP on a loaded machine types slower than a scanner; allow 150 ms (as
    kasse/register/tests/test_browser.py does)."""
    from kasse.core.actors import Actor
    from kasse.register.services.settings import save_register_settings

    save_register_settings(actor=Actor.system(), store=store, data={"scanner_max_gap_ms": 150})


def _to_card(page, base_url: str) -> None:
    open_register(page, base_url)
    scan(page, "4000000000024")
    page.wait_for_selector("[data-testid=cart-total]:has-text('2,80')", timeout=20000)
    page.click("[data-testid=pay]")
    page.wait_for_selector("[data-testid=tender-amount]")
    wait_settled(page)
    page.click("[data-testid=tender-card]")


def test_a_card_payment_through_the_terminal_completes_the_sale(
    live_server, page, register, till, bakery, sim, card_terminal
):
    with CardTerminalPool(store_ids=[register.store_id], driver=quick_driver, idle_seconds=0.1):
        _to_card(page, live_server.url)
        page.wait_for_selector("[data-testid=sale-done]", timeout=15000)
    with scopes_disabled():
        sale = Sale.objects.get()
        payment = CardPayment.objects.get()
        assert list(sale.payments.values_list("method", "reference")) == [("card", f"zvt:{payment.pk}")]
        assert (payment.status, payment.sale_id) == (CardPaymentStatus.APPROVED, sale.pk)


def test_a_declined_card_leaves_the_sale_open(live_server, page, register, till, bakery, sim, card_terminal):
    sim.scenario.result_code = 0x05
    with CardTerminalPool(store_ids=[register.store_id], driver=quick_driver, idle_seconds=0.1):
        _to_card(page, live_server.url)
        page.wait_for_selector("[data-testid=card-terminal][data-status=declined]", timeout=15000)
        assert "Kartenherausgeber" in page.text_content("[data-testid=card-text]")
        page.click("[data-testid=card-close]")
        page.wait_for_selector("[data-testid=pay-due]:has-text('2,80')")
    with scopes_disabled():
        assert not Sale.objects.exists()
