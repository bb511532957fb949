"""The Bluecode client against the local server that answers like Bluecode: every documented answer and
every fault maps to the outcome the payment worker relies on (no database)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from kasse.payments.qr import bluecode_server as magic
from kasse.payments.qr.bluecode import BluecodeProvider, read_answer
from kasse.payments.qr.bluecode_server import VirtualBluecode
from kasse.payments.qr.providers import PaymentRequest, QrOutcome
from kasse.payments.qr.routing import mask, payment_scheme


@pytest.fixture
def server() -> Iterator[VirtualBluecode]:
    with VirtualBluecode() as bluecode:
        bluecode.scenario.processing_seconds = 0.3
        bluecode.scenario.check_in_seconds = 0.1
        bluecode.scenario.ttl_seconds = 1.0
        bluecode.scenario.hang_seconds = 1.5
        yield bluecode


@pytest.fixture
def client(server: VirtualBluecode) -> BluecodeProvider:
    return BluecodeProvider(server.url, "demo", "demo", "demo-branch", timeout=0.7)


def pay(client: BluecodeProvider, code: str, cents: int = 1234) -> tuple[str, object]:
    tx = str(uuid.uuid4())
    return tx, client.pay(PaymentRequest(code=code, amount_cents=cents, merchant_tx_id=tx))


def test_an_approved_payment_carries_the_charge_id_amount_and_scheme(client, server):
    tx, result = pay(client, magic.APPROVE_NOW)
    assert result.outcome is QrOutcome.APPROVED
    assert (result.amount_cents, result.scheme) == (1234, "BLUE_CODE")
    assert result.provider_tx_id == server.journal.bookings[tx].acquirer_tx_id
    body = server.journal.requests[0][1]
    assert (body["barcode"], body["requested_amount"], body["currency"], body["branch_ext_id"]) == (
        magic.APPROVE_NOW,
        1234,
        "EUR",
        "demo-branch",
    )
    assert body["merchant_tx_id"] == tx


def test_processing_then_the_status_says_approved(client, server):
    tx, result = pay(client, magic.APPROVE_LATER)
    assert result.outcome is QrOutcome.PROCESSING
    assert (result.check_in, result.ttl) == (0.1, 1.0)
    assert client.status(tx).outcome is QrOutcome.PROCESSING
    import time

    time.sleep(0.35)
    assert client.status(tx).outcome is QrOutcome.APPROVED


@pytest.mark.parametrize(
    ("code", "outcome", "reason"),
    [
        (magic.LIMIT_EXCEEDED, QrOutcome.DECLINED, "LIMIT_EXCEEDED"),
        (magic.INVALID_STATE, QrOutcome.DECLINED, "INVALID_STATE"),
        (magic.INVALID, QrOutcome.DECLINED, "INVALID_BARCODE"),
        (magic.SYSTEM_FAILURE, QrOutcome.UNKNOWN, "SYSTEM_FAILURE"),
    ],
)
def test_declines_and_failures_say_why(client, code, outcome, reason):
    _tx, result = pay(client, code)
    assert (result.outcome, result.code) == (outcome, reason)


def test_a_repeated_merchant_transaction_id_is_reported_as_duplicate_and_never_books_twice(client, server):
    tx, first = pay(client, magic.APPROVE_NOW)
    again = client.pay(PaymentRequest(code=magic.APPROVE_NOW, amount_cents=1234, merchant_tx_id=tx))
    assert (first.outcome, again.outcome) == (QrOutcome.APPROVED, QrOutcome.DUPLICATE)
    assert len(server.journal.bookings) == 1


def test_wrong_credentials_and_branch_are_refused_as_a_whole(server):
    wrong = BluecodeProvider(server.url, "demo", "wrong", "demo-branch", timeout=0.7)
    assert pay(wrong, magic.APPROVE_NOW)[1].outcome is QrOutcome.REJECTED
    branch = BluecodeProvider(server.url, "demo", "demo", "elsewhere", timeout=0.7)
    assert pay(branch, magic.APPROVE_NOW)[1].code == "BRANCH_NOT_FOUND"
    assert server.journal.bookings == {}


@pytest.mark.parametrize("fault", ["timeout", "drop", "garbage", "5xx"])
def test_every_fault_is_unknown_and_the_status_finds_the_booking(client, server, fault):
    server.scenario.fault = fault
    tx, result = pay(client, magic.APPROVE_NOW)
    assert result.outcome is QrOutcome.UNKNOWN
    assert result.error
    assert client.status(tx).outcome is QrOutcome.APPROVED  # it was booked before the fault


def test_a_payment_that_never_arrived_is_not_found_and_cancel_says_so(client, server):
    server.scenario.fault, server.scenario.book_before_fault = "drop", False
    tx, result = pay(client, magic.APPROVE_NOW)
    assert result.outcome is QrOutcome.UNKNOWN
    assert client.status(tx).outcome is QrOutcome.NOT_FOUND
    assert client.cancel(tx).outcome is QrOutcome.NOT_FOUND


def test_a_refused_connection_is_unknown_not_an_exception():
    dead = BluecodeProvider("http://127.0.0.1:9/v4", "demo", "demo", "demo-branch", timeout=0.5)
    assert pay(dead, magic.APPROVE_NOW)[1].outcome is QrOutcome.UNKNOWN


def test_cancel_takes_back_an_approved_payment_and_refund_pays_back_at_most_the_charge(client, server):
    tx, result = pay(client, magic.APPROVE_NOW, 1000)
    assert client.refund(result.provider_tx_id, 400, "return").outcome is QrOutcome.APPROVED
    too_much = client.refund(result.provider_tx_id, 700, "return")
    assert (too_much.outcome, too_much.code) == (QrOutcome.DECLINED, "AMOUNT_TOO_HIGH")
    assert client.refund(result.provider_tx_id, 600, "return").outcome is QrOutcome.APPROVED
    assert client.status(tx).code == "REFUNDED"
    tx2, _result = pay(client, magic.APPROVE_NOW)
    assert client.cancel(tx2).outcome is QrOutcome.APPROVED
    assert client.status(tx2).outcome is QrOutcome.DECLINED


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (200, b'{"result": "OK"}', QrOutcome.APPROVED),
        (200, b"not json", QrOutcome.UNKNOWN),
        (200, b'{"payment": {"state": "WEIRD"}}', QrOutcome.UNKNOWN),
        (503, b"", QrOutcome.UNKNOWN),
        (400, b'{"result": "ERROR", "error_code": "SOMETHING_NEW"}', QrOutcome.UNKNOWN),
        (404, b'{"result": "ERROR", "error_code": "TRANSACTION_NOT_FOUND"}', QrOutcome.NOT_FOUND),
        (200, b'{"result": "PROCESSING", "status": {"check_status_in": "x"}}', QrOutcome.PROCESSING),
    ],
)
def test_the_answer_mapping(status, body, outcome):
    assert read_answer(status, body).outcome is outcome


def test_payment_codes_are_routed_by_prefix_and_masked():
    assert payment_scheme(magic.APPROVE_NOW).key == "bluecode"
    assert payment_scheme("286812345678901234").key == "alipay"
    assert payment_scheme("134567890123456789").key == "wechat"
    assert payment_scheme("4006381333931") is None  # a product's EAN-13
    assert payment_scheme("98812345") is None  # too short for Bluecode
    assert mask(magic.APPROVE_NOW) == "9880…3456"
