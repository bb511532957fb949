"""At the register in Chromium: the customer's Bluecode code is scanned (typed as fast as a scanner) while
the pay panel's amount field has the focus, or straight after the last product; the local Bluecode server
approves through the QR worker's thread, and the sale completes by itself, paid with that QR payment. A
declined code leaves the sale open with the reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.payments.models import CardPayment, CardPaymentStatus
from kasse.payments.qr import bluecode_server as magic
from kasse.payments.qr.runner import QrPaymentRunner
from kasse.payments.tests.qr_fixtures import quick_provider
from kasse.sales.models import Sale
from kasse.testing.browser import scan, wait_settled
from kasse.testing.plugin import open_register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _tolerant_scanner_timing(store):
    """Chromium driven over CDP on a loaded machine types slower than a scanner; allow 150 ms (as the card
    step's browser test does)."""
    from kasse.core.actors import Actor
    from kasse.register.services.settings import save_register_settings

    save_register_settings(actor=Actor.system(), store=store, data={"scanner_max_gap_ms": 150})


@pytest.fixture
def running(qr_account):
    runner = QrPaymentRunner(provider=quick_provider, idle_seconds=0.1, retry_seconds=0.1).start()
    yield runner
    runner.stop()


def _coffee(page, base_url: str) -> None:
    open_register(page, base_url)
    scan(page, "4000000000024")
    page.wait_for_selector("[data-testid=cart-total]:has-text('2,80')", timeout=20000)


def _scan(page, code: str) -> None:
    scan(page, code)


def test_a_bluecode_scanned_in_the_pay_panel_pays_the_sale(live_server, page, register, till, bakery, running):
    _coffee(page, live_server.url)
    page.click("[data-testid=pay]")
    page.wait_for_selector("[data-testid=tender-amount]")
    wait_settled(page)
    page.focus("[data-testid=tender-amount]")
    _scan(page, magic.APPROVE_LATER)  # PROCESSING first, then approved
    page.wait_for_selector("[data-testid=sale-done]", timeout=20000)
    with scopes_disabled():
        sale = Sale.objects.get()
        payment = CardPayment.objects.get()
        assert list(sale.payments.values_list("method", "reference")) == [("qr", f"qr:{payment.pk}")]
        assert (payment.status, payment.sale_id, payment.amount) == (
            CardPaymentStatus.APPROVED,
            sale.pk,
            Decimal("2.80"),
        )


def test_a_bluecode_scanned_at_the_cart_pays_and_a_declined_one_says_why(
    live_server, page, register, till, bakery, running
):
    _coffee(page, live_server.url)
    _scan(page, magic.LIMIT_EXCEEDED)
    page.wait_for_selector("[data-testid=qr-payment][data-status=declined]", timeout=20000)
    assert "Limit" in page.text_content("[data-testid=qr-text]")
    page.click("[data-testid=qr-close]")
    page.wait_for_selector("[data-testid=pay-due]:has-text('2,80')")
    with scopes_disabled():
        assert not Sale.objects.exists()
    page.click("[data-testid=pay-cancel]")
    wait_settled(page)
    _scan(page, magic.APPROVE_NOW)
    page.wait_for_selector("[data-testid=sale-done]", timeout=20000)
    with scopes_disabled():
        assert Sale.objects.count() == 1
