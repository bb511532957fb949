"""The TSE transaction starts with the cart's first item, in the background; "pay" only finishes it,
"cancel" cancels it (also an emptied cart), a parked cart keeps it open, and a crash between start
and end is recovered at the next start (docs/fiscal.md, Integration item 5).

These tests commit (``transactional_db``): the start runs after the first line's commit on a worker
thread with its own database connection. The tests wait for it (``wait_idle``) before the next
request, except where "pay" must wait itself: the test database is SQLite in memory with a shared
cache, whose table locks (unlike the file database in WAL mode that kasse runs on) do not wait.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.fiscal.fiskaly_setup import create_fiskaly_tse, register_fiskaly_client, set_up_fiskaly_tse
from kasse.fiscal.models import DevTseLogMessage, Outcome, TseTransactionRecord
from kasse.fiscal.services import create_development_tse, register_tse_client
from kasse.fiscal.tse.fiskaly_api import FiskalyApi
from kasse.register.models import Cart
from kasse.register.services.cart import _drop_cart, _store_sale
from kasse.register.services.tse_recovery import recover_open_transactions
from kasse.sales.fiscal_start import wait_idle
from kasse.sales.models import Sale
from kasse.sales.services.checkout import PaymentInput
from kasse.testing.fiskaly_server import FakeFiskaly
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
ROLL, BREAD = "4000000000017", "4000000000024"
PAY_CASH = {"payments": json.dumps([{"method": "cash", "amount": "20"}])}


@pytest.fixture
def dev_tse(organization, store, register):
    device = create_development_tse(organization=organization, actor=Actor.system(), store=store)
    register_tse_client(register=register, actor=Actor.system())
    return device


def _records(tx_id):
    with scopes_disabled():
        return [
            (r.revision, r.operation, r.outcome)
            for r in TseTransactionRecord.objects.filter(tx_id=tx_id).order_by("revision", "created_at")
        ]


def _cart(register):
    with scopes_disabled():
        return Cart.objects.get(register=register, status="active")


def _signatures() -> int:
    with scopes_disabled():
        return DevTseLogMessage.objects.count()


def test_the_transaction_starts_with_the_first_item_and_pay_only_finishes(till, register, bakery, dev_tse):
    till.post("/register/cart/scan/", {"code": ROLL})
    cart = _cart(register)
    wait_idle()
    # Signed before the customer pays: the start is the first item's moment
    assert _records(cart.pk) == [(1, "start", Outcome.SIGNED)]
    till.post("/register/cart/scan/", {"code": BREAD})
    till.post("/register/cart/scan/", {"code": ROLL})
    assert _records(cart.pk) == [(1, "start", Outcome.SIGNED)]  # more items start nothing again
    before = _signatures()

    assert till.post("/register/cart/pay/", PAY_CASH).status_code == 200

    assert _signatures() == before + 1  # pay asked the TSE once: the finish
    with scopes_disabled():
        sale = Sale.objects.get(pk=cart.pk)  # the cart's id is the sale's and the transaction's
        start, finish = TseTransactionRecord.objects.filter(tx_id=sale.pk).order_by("revision")
    assert (finish.revision, finish.operation, finish.outcome) == (2, "finish", Outcome.SIGNED)
    assert finish.process_data == "Beleg^2.80_0.90_0.00_0.00_0.00^3.70:Bar"
    assert start.time_start is not None
    assert finish.time_start == start.time_start  # TSE_TA_START: the first item, not the payment
    assert finish.signature_counter == start.signature_counter + 1


def test_a_cart_given_up_after_its_start_is_cancelled_once(till, register, bakery, dev_tse):
    till.post("/register/cart/scan/", {"code": ROLL})
    wait_idle()
    till.post("/register/cart/scan/", {"code": BREAD})
    cart = _cart(register)
    assert till.post("/register/cart/cancel/").status_code == 200
    assert _records(cart.pk) == [(1, "start", Outcome.SIGNED), (2, "cancel", Outcome.SIGNED)]
    with scopes_disabled():
        cancel = TseTransactionRecord.objects.get(tx_id=cart.pk, operation="cancel")
    assert cancel.process_data == "AVBelegabbruch^2.80_0.45_0.00_0.00_0.00^"


def test_an_emptied_cart_given_up_is_cancelled_and_an_untouched_one_signs_nothing(till, register, bakery, dev_tse):
    till.post("/register/cart/scan/", {"code": ROLL})
    cart = _cart(register)
    wait_idle()
    with scopes_disabled():
        line = cart.lines.get()
    assert till.post(f"/register/cart/line/{line.pk}/void/").status_code == 200
    assert till.post("/register/cart/cancel/").status_code == 200
    assert _records(cart.pk) == [(1, "start", Outcome.SIGNED), (2, "cancel", Outcome.SIGNED)]
    with scopes_disabled():
        cancel = TseTransactionRecord.objects.get(tx_id=cart.pk, operation="cancel")
        total = TseTransactionRecord.objects.count()
    assert cancel.process_data == "AVBelegabbruch^0.00_0.00_0.00_0.00_0.00^"

    till.get("/register/")  # a fresh, untouched cart
    assert till.post("/register/cart/cancel/").status_code == 200
    with scopes_disabled():
        assert TseTransactionRecord.objects.count() == total


def test_a_parked_cart_keeps_its_transaction_open_until_it_is_paid(till, register, bakery, dev_tse):
    till.post("/register/cart/scan/", {"code": ROLL})
    parked = _cart(register)
    wait_idle()
    assert till.post("/register/cart/park/", {"label": "Frau Muster"}).status_code == 200
    till.post("/register/cart/scan/", {"code": BREAD})  # the next customer: a transaction of its own
    other = _cart(register)
    wait_idle()
    assert till.post("/register/cart/pay/", PAY_CASH).status_code == 200
    assert _records(other.pk) == [(1, "start", Outcome.SIGNED), (2, "finish", Outcome.SIGNED)]
    assert _records(parked.pk) == [(1, "start", Outcome.SIGNED)]  # still open while parked

    assert till.post(f"/register/parked/{parked.pk}/resume/").status_code == 200
    assert till.post("/register/cart/pay/", PAY_CASH).status_code == 200
    assert _records(parked.pk) == [(1, "start", Outcome.SIGNED), (2, "finish", Outcome.SIGNED)]


def test_a_crash_between_start_and_end_is_finished_or_cancelled_at_the_next_start(
    till, register, bakery, dev_tse, cashier
):
    # 1. paid, but the process died before the TSE finished
    till.post("/register/cart/scan/", {"code": ROLL})
    paid = _cart(register)
    wait_idle()
    with scopes_disabled():
        sale = _store_sale(
            actor=Actor.system(), cart=paid, employee=cashier, payments=[PaymentInput("cash", D("5"))], print_now=False
        )
    # 2. given up, but the process died before the abort was signed
    till.post("/register/cart/scan/", {"code": BREAD})
    given_up = _cart(register).pk
    wait_idle()
    with scopes_disabled():
        _drop_cart(actor=Actor.system(), cart=Cart.objects.get(pk=given_up))
    # 3. still ringing up: stays open
    till.post("/register/cart/scan/", {"code": ROLL})
    ringing = _cart(register)
    wait_idle()

    assert recover_open_transactions(timedelta(minutes=1)).finished == 0  # too young: maybe still running
    done = recover_open_transactions(timedelta(0))

    assert (done.finished, done.cancelled, done.left_open) == (1, 1, 1)
    assert _records(sale.pk) == [(1, "start", Outcome.SIGNED), (2, "finish", Outcome.SIGNED)]
    with scopes_disabled():
        finish = TseTransactionRecord.objects.get(tx_id=sale.pk, operation="finish")
    assert finish.process_data == "Beleg^0.00_0.45_0.00_0.00_0.00^0.45:Bar"
    assert _records(given_up) == [(1, "start", Outcome.SIGNED), (2, "cancel", Outcome.SIGNED)]
    with scopes_disabled():  # with the amounts of the items kept when the cart was given up
        cancel = TseTransactionRecord.objects.get(tx_id=given_up, operation="cancel")
    assert cancel.process_data == "AVBelegabbruch^2.80_0.00_0.00_0.00_0.00^"
    assert _records(ringing.pk) == [(1, "start", Outcome.SIGNED)]
    call_command("tse_recover", "--older-than", "0")  # the command run at start: nothing twice
    assert _records(sale.pk)[-1] == (2, "finish", Outcome.SIGNED)
    assert len(_records(given_up)) == 2


def test_closing_a_shift_settles_its_registers_open_transactions_first(
    till, register, bakery, dev_tse, cashier, monkeypatch
):
    from kasse.register.services import tse_recovery
    from kasse.sales.models import Shift

    # The close leaves what started in the last AT_CLOSE (5 s) to its own pay or cancel: a tenth of it here, so that
    # the test waits half a second for its transactions to be old enough, not five
    monkeypatch.setattr(tse_recovery, "AT_CLOSE", tse_recovery.AT_CLOSE / 10)

    # A sale whose finish was lost and a cart given up whose abort was lost, moments ago
    till.post("/register/cart/scan/", {"code": ROLL})
    paid = _cart(register)
    wait_idle()
    with scopes_disabled():
        sale = _store_sale(
            actor=Actor.system(), cart=paid, employee=cashier, payments=[PaymentInput("cash", D("5"))], print_now=False
        )
    till.post("/register/cart/scan/", {"code": BREAD})
    given_up = _cart(register).pk
    wait_idle()
    with scopes_disabled():
        _drop_cart(actor=Actor.system(), cart=Cart.objects.get(pk=given_up))
        shift = Shift.objects.get(register=register, status="open")
    time.sleep(0.6)  # older than a pay or cancel still on its way
    # When the cashier closes the shift
    review = till.post("/register/shift/close/", {"step": "review", "d-20": "5"})
    form = soup_of(review).select_one("[data-testid=close-review-panel] form")
    data = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
    assert till.post("/register/shift/close/", {**data, "step": "confirm"}).status_code == 302
    # Then both transactions were ended before the closing, so its export holds their ends
    with scopes_disabled():
        shift.refresh_from_db()
        ends = TseTransactionRecord.objects.filter(tx_id__in=[sale.pk, given_up], operation__in=["finish", "cancel"])
        assert sorted(ends.values_list("operation", "outcome")) == [("cancel", "signed"), ("finish", "signed")]
        assert all(end.created_at <= shift.closed_at for end in ends)


def test_without_a_tse_the_first_item_starts_nothing(till, register, bakery, monkeypatch):
    handed = []
    monkeypatch.setattr("kasse.register.services.cart.start_in_background", lambda **kwargs: handed.append(kwargs))
    till.post("/register/cart/scan/", {"code": ROLL})
    wait_idle()
    assert handed == []  # the gate is asked in the request: no worker thread opens a connection to ask it
    assert till.post("/register/cart/pay/", PAY_CASH).status_code == 200
    with scopes_disabled():
        assert not TseTransactionRecord.objects.exists()


@pytest.fixture
def fiskaly_register(organization, store, register):
    FiskalyApi.forget_tokens()
    with FakeFiskaly() as fake, override_settings(KASSE_FISKALY_BASE_URL=fake.url, KASSE_FISKALY_TX_TIMEOUT=2.0):
        new = create_fiskaly_tse(
            organization=organization, actor=Actor.system(), store=store, api_key="key", api_secret="secret"
        )
        set_up_fiskaly_tse(device=new, actor=Actor.system())
        register_fiskaly_client(register=register, actor=Actor.system())
        yield fake
    FiskalyApi.forget_tokens()


def test_with_fiskaly_pay_sends_only_the_finish_and_does_not_wait_for_the_start_again(
    till, register, bakery, fiskaly_register
):
    fake = fiskaly_register
    fake.latency = 0.08  # fiskaly's round trip
    till.post("/register/cart/scan/", {"code": ROLL})
    cart = _cart(register)
    wait_idle()
    before = len(fake.requests)

    began = time.monotonic()
    assert till.post("/register/cart/pay/", PAY_CASH).status_code == 200
    took = time.monotonic() - began

    transaction_calls = [m for m, p, _s in fake.requests[before:] if "/tx/" in p]
    assert transaction_calls == ["PUT"]  # the finish; the start was done while scanning
    assert _records(cart.pk) == [(1, "start", Outcome.SIGNED), (2, "finish", Outcome.SIGNED)]
    assert took >= 0.08


def test_pay_waits_for_a_start_still_running_and_never_starts_twice(till, register, bakery, fiskaly_register):
    fake = fiskaly_register
    fake.latency = 0.3  # the start is still on its way when the cashier taps "pay"
    till.post("/register/cart/scan/", {"code": ROLL})
    cart = _cart(register)
    assert till.post("/register/cart/pay/", PAY_CASH).status_code == 200
    # one start (revision 1) and one finish (revision 2) signed; on a loaded machine the client may send a
    # PUT again after its timeout, which the TSE answers 409 (stored already) and the client reads back
    signed_puts = [p for m, p, status in fake.requests if m == "PUT" and str(cart.pk) in p and status == 200]
    assert len(signed_puts) == 2
    assert _records(cart.pk) == [(1, "start", Outcome.SIGNED), (2, "finish", Outcome.SIGNED)]


def test_the_start_is_signed_immediately_at_the_first_item_and_needs_no_update(till, register, bakery, dev_tse):
    """§2 KassenSichV: the transaction starts *immediately* with the Vorgang; the "45 s between updates" was
    withdrawn (docs/fiscal.md, Integration item 5), so a cart open longer sends no update before its finish."""
    till.post("/register/cart/scan/", {"code": ROLL})
    cart = _cart(register)
    with scopes_disabled():
        first_item_at = cart.lines.get().created_at
    wait_idle()
    with scopes_disabled():
        start = TseTransactionRecord.objects.get(tx_id=cart.pk, operation="start")
    # the TSE's log time has whole seconds: the start is the first item's moment (a loaded machine may take
    # a few seconds to run the worker thread; what matters is that it is signed now, before anything else)
    assert first_item_at.replace(microsecond=0) <= start.time_start <= first_item_at + timedelta(seconds=10)
    assert start.created_at - first_item_at < timedelta(seconds=10)  # signed right away, not at pay
    time.sleep(1.1)  # the customer takes their time; nothing is sent to the TSE meanwhile
    till.post("/register/cart/scan/", {"code": BREAD})
    assert _records(cart.pk) == [(1, "start", Outcome.SIGNED)]
    assert till.post("/register/cart/pay/", PAY_CASH).status_code == 200
    assert _records(cart.pk) == [(1, "start", Outcome.SIGNED), (2, "finish", Outcome.SIGNED)]
    with scopes_disabled():
        finish = TseTransactionRecord.objects.get(tx_id=cart.pk, operation="finish")
    assert finish.time_start == start.time_start  # TSE_TA_START on the receipt and in DSFinV-K
    assert finish.time_end > start.time_start


def test_pay_finishes_as_the_starts_client_and_queues_the_receipt_with_the_tses_answer(
    till, register, bakery, dev_tse, organization, store
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kasse.printing.models import JobKind, Printer, PrinterKind, PrintJob, RegisterPrinter

    with scopes_disabled():
        printer = Printer.objects.create(
            organization=organization, store=store, name="Bon", kind=PrinterKind.RECEIPT, host="127.0.0.1", port=9
        )
        RegisterPrinter.objects.create(organization=organization, register=register, printer=printer)
    till.post("/register/cart/scan/", {"code": ROLL})
    cart = _cart(register)
    wait_idle()
    with CaptureQueriesContext(connection) as queries:
        assert till.post("/register/cart/pay/", PAY_CASH).status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in sql if "fiscal_tseclientregistration" in s]  # the start's TSE and client, not read again
    finish_at = next(i for i, s in enumerate(sql) if s.startswith('INSERT INTO "fiscal_tsetransactionrecord"'))
    job_at = next(i for i, s in enumerate(sql) if s.startswith('INSERT INTO "printing_printjob"'))
    assert finish_at < job_at  # queued once the TSE answered, with its answer
    assert _records(cart.pk) == [(1, "start", Outcome.SIGNED), (2, "finish", Outcome.SIGNED)]
    with scopes_disabled():
        assert PrintJob.objects.filter(sale_id=cart.pk, kind=JobKind.RECEIPT).count() == 1
