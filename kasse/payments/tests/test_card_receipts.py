"""The terminal's receipts (06 D3) of an approved payment are printed on the register's receipt printer,
merchant and customer copy as configured for the terminal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.payments.models import CardTerminal
from kasse.payments.services import start_card_payment
from kasse.printing.models import JobKind, Printer, PrinterKind, PrintJob, RegisterPrinter

pytestmark = pytest.mark.django_db


@pytest.fixture
def printer(organization, store, register):
    """The register's receipt printer (on a port nothing listens on: jobs stay queued)."""
    with scopes_disabled():
        printer = Printer.objects.create(
            organization=organization,
            store=store,
            name="Bondrucker",
            kind=PrinterKind.RECEIPT,
            host="127.0.0.1",
            port=9,
            profile="generic-58",
        )
        RegisterPrinter.objects.create(organization=organization, register=register, printer=printer)
    return printer


@pytest.mark.parametrize(
    ("merchant", "customer", "copies"),
    [(True, True, [b"ndlerbeleg", b"Kundenbeleg"]), (True, False, [b"ndlerbeleg"]), (False, True, [b"Kundenbeleg"])],
)
def test_the_copies_configured_are_printed_on_the_registers_printer(
    register, sim, card_terminal, worker, printer, merchant, customer, copies
):
    with scopes_disabled():
        CardTerminal.objects.filter(pk=card_terminal.pk).update(
            print_merchant_copy=merchant, print_customer_copy=customer
        )
    start_card_payment(actor=Actor.system(), register=register, amount=Decimal("4.20"))
    worker.run()
    with scopes_disabled():
        (job,) = PrintJob.objects.filter(kind=JobKind.CARD_RECEIPT)
    payload = bytes(job.payload)
    assert [c for c in (b"ndlerbeleg", b"Kundenbeleg") if c in payload] == copies
    assert payload.count(b"Betrag: EUR 4,20") == len(copies)


def test_a_declined_payment_prints_nothing(register, sim, card_terminal, worker, printer):
    sim.scenario.result_code = 0x05
    start_card_payment(actor=Actor.system(), register=register, amount=Decimal("4.20"))
    worker.run()
    with scopes_disabled():
        assert not PrintJob.objects.filter(kind=JobKind.CARD_RECEIPT).exists()
