"""QR payments go up from the store node with the card payments (the same CardPayment rows and sync rule):
every change after the intent, never the scanned code, and the sale they paid; the cloud's copy names the
provider and its charge."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.payments.models import CardPayment, CardPaymentStatus
from kasse.payments.qr import bluecode_server as magic
from kasse.payments.qr.bluecode import BluecodeProvider
from kasse.payments.qr.checkout import claim_qr_tenders
from kasse.payments.qr.runner import QrPaymentRunner
from kasse.payments.tests.qr_fixtures import start_qr
from kasse.sales.models import Sale
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sync.cloud.ingest import Ingestor
from kasse.testing.sync import node_records, of_kind

pytestmark = pytest.mark.django_db
D = Decimal


def test_a_qr_payment_goes_up_without_the_code_and_with_the_sale_it_paid(
    node, register, cashier, shift, bakery, bluecode, qr_account
):
    # on the node the secret would come from the cloud; here the provider is built with it directly
    runner = QrPaymentRunner(
        store_ids=[register.store_id],
        provider=lambda account: BluecodeProvider(bluecode.url, "demo", "demo", "demo-branch", timeout=0.5),
        inline=True,
    )

    def on_the_node():
        payment = start_qr(register, magic.APPROVE_NOW)
        runner.step()
        sale_id = uuid7()
        tenders = [PaymentInput("qr", D("2.80"), f"qr:{payment.pk}")]
        with transaction.atomic():
            claim_qr_tenders(register=register, tenders=tenders, sale_id=sale_id, unclear=False)
            with scopes_disabled():
                variant = bakery["coffee"].variants.get()
            complete_sale(
                actor=Actor.for_employee(cashier),
                register=register,
                employee=cashier,
                cart=SaleInput(id=sale_id, lines=[LineInput(variant.pk, D(1))], payments=tenders),
            )

    records = node_records(on_the_node)
    rows = [r["rows"][0][1] for r in of_kind(records, "card_payment")]
    assert [row["status"] for row in rows] == ["sent", "approved", "approved"]
    assert {row["presented_code"] for row in rows} == {""}  # the one-time code never leaves the node
    results = Ingestor(node, records).run()
    assert {r["status"] for r in results.values()} <= {"ok", "duplicate"}, results
    with scopes_disabled():
        payment = CardPayment.objects.get()
        sale = Sale.objects.get()
    assert (payment.provider, payment.status, payment.sale_id) == ("bluecode", CardPaymentStatus.APPROVED, sale.pk)
    assert payment.provider_tx_id == bluecode.journal.bookings[str(payment.pk)].acquirer_tx_id
    assert [(p.method, p.reference) for p in sale.payments.all()] == [("qr", f"qr:{payment.pk}")]
