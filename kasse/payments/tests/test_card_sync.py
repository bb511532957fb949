"""Card payments and end-of-days go up from the store node to the cloud like the sale they paid; a manager's
decision of an unclear payment made in the cloud comes down, and the node takes it only while its own copy is
still unclear (kasse/payments/syncing.py, docs/payments.md "Sync")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.hardware.virtual.zvt_terminal import Fault, Step
from kasse.payments.checkout import claim_card_tenders
from kasse.payments.models import CardPayment, CardPaymentStatus, CardSettlement
from kasse.payments.services import resolve_card_payment, start_card_payment
from kasse.payments.settlement import start_end_of_day
from kasse.payments.syncing import apply_card_payments
from kasse.sales.models import Sale
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sync.cloud.ingest import Ingestor
from kasse.sync.engine.registry import encode_row, spec_for
from kasse.sync.models import ChangeEvent
from kasse.testing.sync import node_records, of_kind

pytestmark = pytest.mark.django_db
D = Decimal


def _ingest(node, records):
    results = Ingestor(node, records).run()
    assert {r["status"] for r in results.values()} <= {"ok", "duplicate"}, results
    return results


def test_a_card_payment_goes_up_with_its_terminal_data_and_the_sale_it_paid(
    node, register, cashier, shift, bakery, sim, worker
):
    def on_the_node():
        payment = start_card_payment(actor=Actor.system(), register=register, amount=D("2.80"))
        worker.run()
        sale_id = uuid7()
        tenders = [PaymentInput("card", D("2.80"), f"zvt:{payment.pk}")]
        with transaction.atomic():
            claim_card_tenders(register=register, tenders=tenders, sale_id=sale_id)
            with scopes_disabled():
                variant = bakery["coffee"].variants.get()
            complete_sale(
                actor=Actor.for_employee(cashier),
                register=register,
                employee=cashier,
                cart=SaleInput(id=sale_id, lines=[LineInput(variant.pk, D(1))], payments=tenders),
            )

    records = node_records(on_the_node)
    # every change of the payment is a record: the intent, sent, approved with the terminal's data, the sale
    assert [r["rows"][0][1]["status"] for r in of_kind(records, "card_payment")] == [
        "pending",
        "sent",
        "approved",
        "approved",
    ]
    with scopes_disabled():
        assert not CardPayment.objects.exists()  # born on the node only
    _ingest(node, records)
    _ingest(node, records)  # again: nothing changes
    with scopes_disabled():
        payment = CardPayment.objects.get()
        sale = Sale.objects.get()
    assert (payment.status, payment.sale_id, payment.amount) == (CardPaymentStatus.APPROVED, sale.pk, D("2.80"))
    assert (payment.trace_number, payment.receipt_number, payment.masked_pan, payment.terminal_number) == (
        1001,
        1,
        "6805******1234",
        "29001234",
    )
    assert [r["type"] for r in payment.receipts] == [1, 2]
    assert [(p.method, p.reference) for p in sale.payments.all()] == [("card", f"zvt:{payment.pk}")]


def test_an_end_of_day_goes_up(node, register, sim, worker):
    def on_the_node():
        start_card_payment(actor=Actor.system(), register=register, amount=D("4.00"))
        worker.run()
        start_end_of_day(actor=Actor.system(), register=register)
        worker.run()

    records = node_records(on_the_node)
    _ingest(node, records)
    with scopes_disabled():
        settlement = CardSettlement.objects.get()
    assert (settlement.status, settlement.terminal_amount, settlement.kasse_amount) == ("done", D("4.00"), D("4.00"))


def test_a_decision_in_the_cloud_comes_down_and_a_late_upload_does_not_undo_it(node, register, sim, worker, manager):
    def on_the_node():
        sim.scenario.fault, sim.scenario.fault_step = Fault.DROP, Step.STATUS  # no earlier trace number: unclear
        start_card_payment(actor=Actor.system(), register=register, amount=D("9.00"))
        worker.run()

    records = node_records(on_the_node)
    _ingest(node, records)
    with scopes_disabled():
        payment = CardPayment.objects.get()
    assert payment.status == CardPaymentStatus.UNKNOWN
    # A manager decides in the cloud (from the terminal's journal): the decision goes down the store's feed
    resolve_card_payment(actor=Actor.for_employee(manager), payment=payment, paid=True, note="Journal Nr. 1")
    with scopes_disabled():
        event = ChangeEvent.objects.filter(model="payments.CardPayment").latest("seq")
    assert event.row["status"] == "approved"
    assert event.store_id == register.store_id
    # A late upload of the node's unclear state does not turn it back
    _ingest(node, [{**records[-1], "id": "0190b7a0-0000-7000-8000-0000000000ff"}])
    with scopes_disabled():
        assert CardPayment.objects.get().status == CardPaymentStatus.APPROVED


def test_the_node_takes_a_decision_only_while_its_own_copy_is_unclear(register, card_terminal):
    with scopes_disabled():
        unclear = CardPayment.objects.create(
            organization=register.organization,
            store=register.store,
            register=register,
            terminal=card_terminal,
            amount=D("9.00"),
            status=CardPaymentStatus.UNKNOWN,
        )
        recovered = CardPayment.objects.create(
            organization=register.organization,
            store=register.store,
            register=register,
            terminal=card_terminal,
            amount=D("9.00"),
            status=CardPaymentStatus.DECLINED,  # the terminal's repeat receipt said: not charged
        )
        rows = []
        for payment in (unclear, recovered):
            values = {
                **{f.attname: getattr(payment, f.attname) for f in CardPayment._meta.concrete_fields},
                "status": CardPaymentStatus.APPROVED,
                "resolved_by": "Max",
            }
            rows.append(values)
        assert spec_for(unclear) is not None
        assert encode_row(unclear)
        assert apply_card_payments(rows) == 1
        assert CardPayment.objects.get(pk=unclear.pk).status == CardPaymentStatus.APPROVED
        assert CardPayment.objects.get(pk=recovered.pk).status == CardPaymentStatus.DECLINED
