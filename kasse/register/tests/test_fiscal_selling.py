"""The sale flow with a TSE: sales, returns and carts given up are signed after their transaction, the
receipt carries the TSE block on every rendering, an outage never stops a sale, and a shop without a
TSE sells exactly as before (docs/fiscal.md)."""

from __future__ import annotations

import base64
import json
import re
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import translation
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.fiscal.models import DevTseLogMessage, Outcome, TseOutage, TseTransactionRecord
from kasse.fiscal.services import create_development_tse, register_tse_client
from kasse.fiscal.tse.development import DevelopmentTse
from kasse.fiscal.tse.interface import TseUnavailable
from kasse.fiscal.tse.log_message import signed_data_and_signature, verify_plain
from kasse.hardware.printers.base import QRCode
from kasse.printing.models import JobKind, PrintJob
from kasse.register.models import Cart
from kasse.register.receipt_pdf import receipt_pdf
from kasse.sales.fiscal_signing import sign_sale
from kasse.sales.models import Sale
from kasse.sales.printout import receipt_document
from kasse.sales.receipt import build_receipt

pytestmark = pytest.mark.django_db
D = Decimal
FAILED_DE = "Sicherheitseinrichtung ausgefallen"


@pytest.fixture
def dev_tse(organization, store, register):
    device = create_development_tse(organization=organization, actor=Actor.system(), store=store)
    register_tse_client(register=register, actor=Actor.system())
    return device


def _soup(response):
    return BeautifulSoup(response.content, "html.parser")


def _sell(till, *codes, cash="20"):
    for code in codes:
        till.post("/register/cart/scan/", {"code": code})
    response = till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": cash}])})
    assert response.status_code == 200
    with scopes_disabled():
        return Sale.objects.filter(kind="sale").order_by("-receipt_number").first()


def _records(tx_id):
    with scopes_disabled():
        return list(TseTransactionRecord.objects.filter(tx_id=tx_id).order_by("revision", "created_at"))


def _verifies(device) -> bool:
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.BrainpoolP384R1(), base64.b64decode(device.public_key))
    with scopes_disabled():
        messages = list(DevTseLogMessage.objects.filter(device=device))
    assert messages
    for message in messages:
        data, signature = signed_data_and_signature(bytes(message.message))
        if not verify_plain(key, "ecdsa-plain-SHA384", data, signature):
            return False
    return True


def _fiscal_lines(sale, language="de"):
    with scopes_disabled(), translation.override(language):
        receipt = build_receipt(Sale.objects.get(pk=sale.pk))
    assert receipt.fiscal is not None
    return receipt.fiscal


def test_a_sale_and_a_return_are_signed_and_their_receipts_carry_the_tse_block(till, register, bakery, dev_tse):
    # Given a register whose store has the development TSE: two rolls (7 %) and a coffee (19 %) in cash
    sale = _sell(till, "4000000000017", "4000000000017", "4000000000024")
    start, finish = _records(sale.pk)
    assert [(r.operation, r.outcome) for r in (start, finish)] == [("start", "signed"), ("finish", "signed")]
    assert finish.process_data == "Beleg^2.80_0.90_0.00_0.00_0.00^3.70:Bar"
    assert (finish.transaction_number, finish.signature_counter) == (1, 2)
    assert _verifies(dev_tse)
    # The receipt's block: the TSE's data, processType, the QR code as the TSE wrote it
    fiscal = _fiscal_lines(sale)
    rows = dict(fiscal.rows)
    assert rows["TSE-Transaktion"] == "1"
    assert rows["TSE-Signaturzähler"] == "2"
    assert rows["TSE-Seriennummer"] == dev_tse.serial_number
    assert rows["TSE-Signatur"] == finish.signature
    assert rows["TSE-Prozesstyp"] == "Kassenbeleg-V1"
    for moment in ("TSE-Start", "TSE-Ende"):  # in the store's time zone, to the second
        assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d", rows[moment])
    assert fiscal.qr_payload == finish.qr_code_data
    assert fiscal.qr_payload.startswith(f"V0;{register.serial_number};Kassenbeleg-V1;Beleg^2.80_0.90")
    # ... on the printout (text and a QR block), the screen (rows and an SVG code), the PDF and the e-mail
    with scopes_disabled():
        stored = Sale.objects.get(pk=sale.pk)
        document = receipt_document(stored, language="de")
        pdf = receipt_pdf(build_receipt(stored))
        job = PrintJob.objects.filter(sale=stored, kind=JobKind.RECEIPT).count()
    assert [b.data for b in document.blocks if isinstance(b, QRCode)] == [finish.qr_code_data]
    assert any(getattr(b, "text", "") == f"TSE-Signaturzähler: {finish.signature_counter}" for b in document.blocks)
    screen = _soup(till.get(f"/register/receipt/{sale.pk}/", HTTP_ACCEPT_LANGUAGE="de"))
    block = screen.select_one("[data-testid=receipt-fiscal]")
    assert f"TSE-Seriennummer: {dev_tse.serial_number}" in block.text
    assert block.select_one("svg") is not None
    assert b"/Subtype /Image" in pdf
    assert job == 0  # this test's register has no printer; the pay path queued nothing twice
    # When two rolls are returned in cash
    form = till.get("/register/returns/find/", {"code": str(sale.receipt_number)})
    rolls_sku = _soup(form).select_one("[data-testid=return-line]")["data-sku"]
    row = _soup(form).select_one(f"[data-testid=return-line][data-sku='{rolls_sku}']")
    done = till.post(
        f"/register/returns/{sale.pk}/",
        {
            "action": "confirm",
            "tender": "cash",
            "refund_id": _soup(form).select_one("input[name=refund_id]")["value"],
            row.select_one("[data-testid=return-qty]")["name"]: "2",
        },
    )
    assert done.status_code == 200
    with scopes_disabled():
        refund = Sale.objects.get(kind="refund")
    # Then the return is its own signed transaction with negative amounts, and its receipt says so
    refund_finish = _records(refund.pk)[-1]
    assert refund_finish.outcome == Outcome.SIGNED
    assert refund_finish.process_data == "Beleg^0.00_-0.90_0.00_0.00_0.00^-0.90:Bar"
    assert refund_finish.transaction_number == 2
    assert _verifies(dev_tse)
    assert dict(_fiscal_lines(refund, "en").rows)["TSE transaction"] == "2"
    # And a repeated confirm signs nothing twice
    assert sign_sale(refund) is None
    assert len(_records(refund.pk)) == 2


def test_a_cart_given_up_with_items_is_signed_as_an_abort(till, register, bakery, dev_tse):
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    with scopes_disabled():
        cart_id = Cart.objects.get(register=register).pk
    assert till.post("/register/cart/cancel/").status_code == 200
    start, cancel = _records(cart_id)
    assert (start.operation, cancel.operation, cancel.outcome) == ("start", "cancel", Outcome.SIGNED)
    assert cancel.process_data == "AVBelegabbruch^2.80_0.45_0.00_0.00_0.00^"
    # An empty cart given up signs nothing
    assert till.post("/register/cart/cancel/").status_code == 200
    with scopes_disabled():
        assert TseTransactionRecord.objects.count() == 2


def test_an_outage_mid_day_never_stops_a_sale_and_nothing_is_signed_later(till, register, bakery, dev_tse, monkeypatch):
    signed = _sell(till, "4000000000017")
    assert _records(signed.pk)[-1].outcome == Outcome.SIGNED

    # The TSE goes away: sales go on, unsigned, and their receipts say so
    def gone(*args, **kwargs):
        raise TseUnavailable("TSE unreachable")

    monkeypatch.setattr(DevelopmentTse, "start", gone)
    unsigned = _sell(till, "4000000000024")
    assert unsigned.total == D("2.80")
    assert [(r.operation, r.outcome) for r in _records(unsigned.pk)] == [("start", "failed"), ("finish", "failed")]
    assert "start was not signed" in _records(unsigned.pk)[-1].error
    fiscal = _fiscal_lines(unsigned)
    assert (fiscal.lines, fiscal.qr_payload) == ((FAILED_DE,), "")
    assert _fiscal_lines(unsigned, "en").lines == ("Security device failed",)
    screen = _soup(till.get(f"/register/receipt/{unsigned.pk}/", HTTP_ACCEPT_LANGUAGE="de"))
    assert screen.select_one("[data-testid=receipt-fiscal]").text.strip() == FAILED_DE
    with scopes_disabled():
        outage = TseOutage.objects.get()
        assert (outage.register_id, outage.ended_at, outage.reason) == (register.pk, None, "unreachable")
        printed = receipt_document(Sale.objects.get(pk=unsigned.pk), language="de")
    assert not [b for b in printed.blocks if isinstance(b, QRCode)]
    assert any(getattr(b, "text", "") == FAILED_DE for b in printed.blocks)

    # A TSE that starts but fails at the end: the sale goes on, its end is recorded unsigned
    monkeypatch.undo()
    monkeypatch.setattr(DevelopmentTse, "finish", gone)
    half = _sell(till, "4000000000017")
    assert [(r.operation, r.outcome) for r in _records(half.pk)] == [("start", "signed"), ("finish", "failed")]
    assert _fiscal_lines(half).lines == (FAILED_DE,)

    # The TSE is back: the next sale is signed and ends the outage; what was unsigned stays unsigned
    monkeypatch.undo()
    back = _sell(till, "4000000000024")
    assert _records(back.pk)[-1].outcome == Outcome.SIGNED
    with scopes_disabled():  # the first ended with the half sale's signed start, the second with this sale
        outages = list(TseOutage.objects.order_by("started_at"))
    assert len(outages) == 2
    assert all(o.ended_at is not None and o.ended_at >= o.started_at for o in outages)
    for sale in (unsigned, half):
        assert sign_sale(sale) is None
        assert not [r for r in _records(sale.pk) if r.operation == "finish" and r.outcome == Outcome.SIGNED]
    assert _verifies(dev_tse)


def test_without_a_tse_the_sale_flow_is_unchanged(till, register, bakery):
    sale = _sell(till, "4000000000017", "4000000000024")
    with scopes_disabled():
        assert TseTransactionRecord.objects.count() == 0
        assert TseOutage.objects.count() == 0
        receipt = build_receipt(Sale.objects.get(pk=sale.pk))
    assert receipt.fiscal is None
    screen = _soup(till.get(f"/register/receipt/{sale.pk}/"))
    assert screen.select_one("[data-testid=receipt-fiscal]") is None
    assert sign_sale(sale) is None


def test_an_organization_wide_tse_without_this_register_as_client_records_an_outage(
    till, register, bakery, organization
):
    create_development_tse(organization=organization, actor=Actor.system())  # no client registered
    sale = _sell(till, "4000000000017")
    assert [r.outcome for r in _records(sale.pk)] == ["failed", "failed"]
    with scope(organization=organization):
        assert TseOutage.objects.get().reason == "not_configured"
    assert _fiscal_lines(sale).lines == (FAILED_DE,)


@pytest.mark.parametrize("with_tse", [False, True])
def test_the_pay_path_stays_within_a_query_budget(
    till, register, bakery, organization, store, with_tse, django_assert_max_num_queries
):
    if with_tse:
        create_development_tse(organization=organization, actor=Actor.system(), store=store)
        register_tse_client(register=register, actor=Actor.system())
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    with django_assert_max_num_queries(BUDGET_WITH_TSE if with_tse else BUDGET_WITHOUT_TSE):
        response = till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": "5"}])})
    assert response.status_code == 200


# Measured (SQLite, session 5): 55 without a TSE (one of them the TSE gate), 97 with the development
# TSE (its start and finish each lock the device, count, write the log message and the record).
BUDGET_WITHOUT_TSE = 60
BUDGET_WITH_TSE = 105
