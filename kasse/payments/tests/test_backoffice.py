"""The back office's card terminal pages: configuration with the password never shown, the node's connection
test, and a manager deciding an unclear payment with the terminal's data beside it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.payments.models import CardPayment, CardPaymentStatus, CardTerminal
from kasse.payments.tests.conftest import reload
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db


def test_the_owner_adds_a_terminal_and_the_page_says_it_needs_a_store_node(owner_client, store, register):
    page = soup_of(owner_client.get("/devices/card-terminals/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "driven by the store node" in page.select_one("[data-testid=needs-node]").text
    response = owner_client.post(
        f"/devices/card-terminals/new/{store.pk}/",
        {
            "name": "Ingenico",
            "register": register.pk,
            "connection": "tcp",
            "host": "10.0.0.7",
            "port": "20007",
            "baud_rate": "9600",
            "password": "123456",
            "print_merchant_copy": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        terminal = CardTerminal.objects.get()
    assert (terminal.address, terminal.password, terminal.print_customer_copy) == (
        "tcp://10.0.0.7:20007",
        "123456",
        False,
    )
    form = soup_of(owner_client.get(f"/devices/card-terminals/{terminal.pk}/"))
    assert form.select_one("input[name=password]").get("value") in (None, "")  # never shown again


def test_a_bad_password_is_refused_and_nothing_is_saved(owner_client, store, register):
    response = owner_client.post(
        f"/devices/card-terminals/new/{store.pk}/",
        {
            "name": "T",
            "register": register.pk,
            "connection": "tcp",
            "host": "10.0.0.7",
            "port": "20007",
            "baud_rate": "9600",
            "password": "12ab56",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert "six digits" in response.content.decode()
    with scopes_disabled():
        assert not CardTerminal.objects.exists()


def test_the_connection_test_runs_on_the_node_and_shows_the_terminals_answer(owner_client, card_terminal, worker):
    response = owner_client.post(f"/devices/card-terminals/{card_terminal.pk}/test/")
    assert response.status_code == 302
    worker.run()
    page = soup_of(owner_client.get("/devices/card-terminals/", HTTP_ACCEPT_LANGUAGE="en"))
    state = page.select_one("[data-testid=card-terminal-state]").text
    assert "connected" in state
    assert "kasse-virtual-zvt 1.0" in state


def test_a_manager_decides_an_unclear_payment_from_the_terminals_data(owner_client, card_terminal, register):
    with scopes_disabled():
        payment = CardPayment.objects.create(
            organization=register.organization,
            store=register.store,
            register=register,
            terminal=card_terminal,
            amount=Decimal("9.99"),
            status=CardPaymentStatus.UNKNOWN,
            trace_number=1234,
            receipt_number=17,
            terminal_amount=Decimal("9.99"),
            receipts=[{"type": 1, "lines": ["Händlerbeleg", "Betrag: EUR 9,99"]}],
        )
    page = soup_of(owner_client.get("/devices/card-terminals/unclear/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Trace 1234" in page.select_one("[data-testid=unclear-journal]").text
    assert "Betrag: EUR 9,99" in page.select_one(".receipt-text").text
    owner_client.post(f"/devices/card-terminals/unclear/{payment.pk}/", {"paid": "1", "note": "journal 17"})
    payment = reload(payment)
    assert (payment.status, payment.resolution_note) == (CardPaymentStatus.APPROVED, "journal 17")
    page = soup_of(owner_client.get("/devices/card-terminals/unclear/"))
    assert page.select_one("[data-testid=no-unclear]") is not None
