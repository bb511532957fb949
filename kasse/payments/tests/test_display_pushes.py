"""What the customer display receives (the register's display group on the channel layer) while money goes
back to a card or through Bluecode, and while the terminal closes its day: server-rendered, in the shop's
language. The browser side (the display keeps these screens): test_browser_card_display.py."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from bs4 import BeautifulSoup
from channels.layers import get_channel_layer
from django_scopes import scopes_disabled

from kasse.payments.models import CardPayment, CardSettlement
from kasse.payments.qr import bluecode_server as magic
from kasse.payments.tests.qr_fixtures import start_qr
from kasse.payments.tests.test_card_refunds import COFFEE, _all_of, _confirm, _form, pay_by_card
from kasse.payments.tests.test_end_of_day import close, sell_by_card
from kasse.register.live import display_group, mark_display_listening
from kasse.sales.models import Sale

pytestmark = pytest.mark.django_db


@pytest.fixture
def display(register):
    """A display of the register listening: ``display(testid)`` is the last screen of that kind its socket
    got since the previous call (None if none)."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(display_group(register.pk), channel)
    mark_display_listening(register.pk)

    async def drain() -> list[dict]:
        got = []
        for _ in range(100):  # bounded: a few messages per step
            try:
                got.append(await asyncio.wait_for(layer.receive(channel), 0.2))
            except TimeoutError:
                break
        return got

    def last(testid: str):
        pages = [BeautifulSoup(m["payload"]["html"], "html.parser") for m in async_to_sync(drain)()]
        screens = [page.select_one(f"[data-testid={testid}]") for page in pages]
        screens = [screen for screen in screens if screen is not None]
        return screens[-1] if screens else None

    return last


def test_a_card_refund_shows_on_the_display(
    till, register, bakery, sim, worker, display, django_capture_on_commit_callbacks
):
    sale = pay_by_card(till, register, worker, COFFEE)
    refund_id, fields = _form(till, sale)
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(till, sale, refund_id, _all_of(fields))
    # The display got the reversal, waiting for the terminal, in the shop's language
    card = display("display-card")
    assert (card["data-kind"], card["data-status"]) == ("reversal", "pending")
    assert card.select_one("h2").get_text(" ", strip=True) == "Erstattung auf Ihre Karte 2,80 €"
    worker.run()
    with scopes_disabled():
        reversal = CardPayment.objects.get(kind="reversal")
    with django_capture_on_commit_callbacks(execute=True):
        till.get(f"/register/returns/{sale.pk}/card/{reversal.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    done = display("display-card")
    assert done["data-status"] == "approved"
    assert done.select_one("[data-testid=display-card-text]").text == reversal.message


def test_a_bluecode_refund_shows_on_the_display(
    till, register, bakery, bluecode, qr_runner, display, django_capture_on_commit_callbacks
):
    till.post("/register/cart/scan/", {"code": COFFEE})
    payment = start_qr(register, magic.APPROVE_NOW)
    qr_runner.step()
    till.post(
        "/register/cart/pay/",
        {"payments": json.dumps([{"method": "qr", "amount": "2.80", "reference": f"qr:{payment.pk}"}])},
    )
    with scopes_disabled():
        sale = Sale.objects.get()
    refund_id, fields = _form(till, sale)
    _confirm(till, sale, refund_id, _all_of(fields))
    with scopes_disabled():
        returned = Sale.objects.get(kind="refund")
    with django_capture_on_commit_callbacks(execute=True):
        till.post(f"/register/returns/{returned.pk}/qr-refund/", HTTP_ACCEPT_LANGUAGE="en")
    card = display("display-card")
    assert (card["data-kind"], card["data-status"]) == ("refund", "pending")
    assert card.select_one("h2").get_text(" ", strip=True) == "Erstattung über Bluecode 2,80 €"


def test_the_terminals_end_of_day_shows_on_the_display(
    till, register, bakery, sim, worker, display, django_capture_on_commit_callbacks
):
    sell_by_card(till, register, worker)
    with django_capture_on_commit_callbacks(execute=True):
        close(till)
    closing = display("display-end-of-day")
    assert closing["data-status"] == "pending"
    assert closing.select_one("h2").text == "Diese Kasse schließt"
    worker.run()
    with scopes_disabled():
        settlement = CardSettlement.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        till.get(f"/register/shift/end-of-day/{settlement.pk}/")
    done = display("display-end-of-day")
    assert (done["data-status"], done.select_one("h2").text) == ("done", "Diese Kasse ist geschlossen")


def test_closing_without_the_terminal_leaves_the_display_closed_not_closing(
    till, register, bakery, sim, card_terminal, display, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        close(till)  # no store node drives the terminal: the end-of-day stays pending
    assert display("display-end-of-day").select_one("h2").text == "Diese Kasse schließt"
    review = till.post("/register/shift/close/", {"step": "review", "d-20": "5"})
    form = BeautifulSoup(review.content, "html.parser").select_one("[data-testid=close-review-panel] form")
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    with django_capture_on_commit_callbacks(execute=True):
        till.post("/register/shift/close/", {**data, "step": "confirm", "without_terminal": "1"})
    assert display("display-end-of-day").select_one("h2").text == "Diese Kasse ist geschlossen"
