"""In Chromium, with a connected terminal driven by the node's worker thread: a card sale returned "as paid"
is reversed at the terminal and the return completes by itself; closing the shift runs the terminal's
end-of-day first and lands on the Z report with the reconciliation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.hardware.terminals.zvt import commands
from kasse.payments.models import CardPayment, CardPaymentKind, CardPaymentStatus
from kasse.payments.runner import CardTerminalPool
from kasse.payments.tests.conftest import quick_driver
from kasse.payments.tests.test_browser_card import (
    _to_card,
    _tolerant_scanner_timing,  # noqa: F401
)
from kasse.sales.models import Sale, Shift
from kasse.testing.browser import scan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_card_sale_is_reversed_at_the_terminal_and_the_shift_closes_with_the_end_of_day(
    live_server, page, register, till, bakery, sim, card_terminal
):
    with CardTerminalPool(store_ids=[register.store_id], driver=quick_driver, idle_seconds=0.1):
        _to_card(page, live_server.url)
        page.wait_for_selector("[data-testid=sale-done]", timeout=15000)
        page.click("[data-testid=next-customer]")
        page.wait_for_selector("[data-testid=cart-empty]")
        with scopes_disabled():
            sale = Sale.objects.get()
        # The customer brings the coffee back: the return "as paid" goes to the terminal first
        scan(page, f"R-{sale.store.number}-{register.number}-{sale.receipt_number}")
        page.wait_for_selector("#overlay.open [data-testid=return-form]")
        page.click("[data-testid=qty-plus]")
        page.wait_for_selector("[data-testid=return-total]:has-text('2,80')")
        page.click("[data-testid=return-confirm]")
        page.wait_for_selector("[data-testid=return-done]", timeout=20000)
        with scopes_disabled():
            reversal = CardPayment.objects.get(kind=CardPaymentKind.REVERSAL)
            refund = Sale.objects.get(kind="refund")
            assert (reversal.status, reversal.sale_id) == (CardPaymentStatus.APPROVED, refund.pk)
            assert [(p.method, p.amount) for p in refund.payments.all()] == [("card", Decimal("-2.80"))]
        assert sim.count(commands.REVERSAL) == 1
        # Closing the shift: the end-of-day first, then the Z report with the terminal's totals
        page.goto(f"{live_server.url}/register/shift/close/")
        page.fill("[name=d-20]", "5")
        page.click("[data-testid=close-review]")
        page.click("[data-testid=close-confirm]")
        page.wait_for_selector("[data-testid=card-reconciliation]", timeout=20000)
        assert page.get_attribute("[data-testid=card-difference]", "data-matches") == "true"
    with scopes_disabled():
        shift = Shift.objects.get()
    assert shift.status == "closed"
    assert (shift.card_reconciliation["terminal_amount"], shift.card_reconciliation["kasse_amount"]) == (
        "0.00",
        "0.00",
    )
    assert sim.count(commands.END_OF_DAY) == 1
