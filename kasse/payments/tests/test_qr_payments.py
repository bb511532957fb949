"""QR payments (Bluecode) through the local server that answers like Bluecode: the intent, every outcome
and fault, recovery by status polling, a manager's decision, refunds, and the sale that only accepts a
payment the provider approved. The cases table of docs/payments.md ("QR payments") names these tests."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.utils import translation
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.payments.models import CardPayment, CardPaymentStatus
from kasse.payments.qr import bluecode_server as magic
from kasse.payments.qr.services import request_qr_cancel, start_qr_refund
from kasse.payments.services import PaymentError, resolve_card_payment, start_card_payment
from kasse.payments.tests.conftest import reload
from kasse.payments.tests.qr_fixtures import start_qr
from kasse.sales.models import Sale
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language():
    """The register requests here ask for English; the next test finds the default language again."""
    yield
    translation.deactivate()


D = Decimal
APPROVED, DECLINED, UNKNOWN = CardPaymentStatus.APPROVED, CardPaymentStatus.DECLINED, CardPaymentStatus.UNKNOWN


def bookings(bluecode, payment) -> int:
    return sum(1 for tx in bluecode.journal.bookings if tx == str(payment.pk))


def test_an_approved_payment_is_written_before_it_is_sent_and_carries_the_charge(register, bluecode, qr_runner):
    payment = start_qr(register, magic.APPROVE_NOW)
    assert (payment.status, payment.provider, payment.masked_pan) == ("pending", "bluecode", "9880…3456")
    assert bluecode.journal.requests == []  # the intent is committed first; the worker sends
    qr_runner.step()
    payment = reload(payment)
    assert payment.status == APPROVED
    assert payment.presented_code == ""  # the one-time code is not kept
    assert payment.provider_tx_id == bluecode.journal.bookings[str(payment.pk)].acquirer_tx_id
    assert (payment.terminal_amount, payment.card_name) == (D("2.80"), "BLUE_CODE")
    assert bluecode.journal.requests[0][1]["merchant_tx_id"] == str(payment.pk)


def test_processing_then_success(register, bluecode, qr_runner):
    payment = start_qr(register, magic.APPROVE_LATER)
    qr_runner.step()
    assert reload(payment).status == APPROVED
    assert bluecode.journal.count("status") >= 1
    assert bluecode.journal.count("payment") == 1


def test_processing_then_timeout_is_unknown_and_recovered_by_cancelling(register, bluecode, qr_runner):
    payment = start_qr(register, magic.TIME_OUT)
    qr_runner.step()
    payment = reload(payment)
    assert payment.status == DECLINED  # unknown after its ttl, then cancelled at the provider
    assert bluecode.journal.count("cancel") == 1
    assert bluecode.journal.bookings[str(payment.pk)].state == "CANCELED"


@pytest.mark.parametrize(
    ("code", "reason"), [(magic.LIMIT_EXCEEDED, "LIMIT_EXCEEDED"), (magic.INVALID, "INVALID_BARCODE")]
)
def test_a_declined_payment_says_why(register, bluecode, qr_runner, code, reason):
    payment = start_qr(register, code)
    qr_runner.step()
    payment = reload(payment)
    assert (payment.status, payment.provider_code) == (DECLINED, reason)
    assert payment.message


def test_the_cashier_cancels_while_the_customer_confirms_in_the_app(register, bluecode, qr_runner):
    bluecode.scenario.processing_seconds = 5.0
    bluecode.scenario.ttl_seconds = 5.0
    payment = start_qr(register, magic.APPROVE_LATER)
    with scopes_disabled():
        CardPayment.objects.filter(pk=payment.pk).update(cancel_requested=True)
    qr_runner.step()
    payment = reload(payment)
    assert (payment.status, payment.provider_code) == (DECLINED, "CANCELED")
    assert bluecode.journal.bookings[str(payment.pk)].state == "CANCELED"


def test_a_pending_payment_is_cancelled_at_once_and_never_sent(register, bluecode, qr_runner):
    payment = start_qr(register, magic.APPROVE_NOW)
    payment = request_qr_cancel(actor=Actor.system(), payment=payment)
    assert payment.status == CardPaymentStatus.CANCELLED
    qr_runner.step()
    assert bluecode.journal.requests == []


@pytest.mark.parametrize("fault", ["timeout", "drop", "garbage", "5xx"])
def test_a_fault_after_booking_is_retried_with_the_same_id_and_charges_once(register, bluecode, qr_runner, fault):
    bluecode.scenario.fault = fault
    payment = start_qr(register, magic.APPROVE_NOW)
    qr_runner.step()
    payment = reload(payment)
    assert payment.status == APPROVED
    assert bluecode.journal.count("payment", str(payment.pk)) == 2  # the repeat: MERCHANT_TX_ID_NOT_UNIQUE
    assert len(bluecode.journal.bookings) == 1  # charged once


@pytest.mark.parametrize("fault", ["timeout", "drop", "garbage", "5xx"])
def test_a_fault_before_booking_is_retried_and_books_once(register, bluecode, qr_runner, fault):
    bluecode.scenario.fault, bluecode.scenario.book_before_fault = fault, False
    payment = start_qr(register, magic.APPROVE_NOW)
    qr_runner.step()
    assert reload(payment).status == APPROVED
    assert len(bluecode.journal.bookings) == 1


def test_a_provider_that_never_answers_leaves_it_unknown_then_status_recovers_it(register, bluecode, qr_runner):
    bluecode.scenario.fault, bluecode.scenario.fault_once, bluecode.scenario.fault_endpoint = "5xx", False, "*"
    payment = start_qr(register, magic.APPROVE_NOW)
    qr_runner.step()
    payment = reload(payment)
    assert payment.status == UNKNOWN  # booked at the first attempt, but no answer was readable
    assert bluecode.journal.count("payment") == 3
    with pytest.raises(PaymentError):
        start_qr(register, magic.APPROVE_NOW)  # no second payment while one is unknown
    with pytest.raises(PaymentError):
        start_card_payment(actor=Actor.system(), register=register, amount=D("1.00"))
    bluecode.scenario.fault = ""  # the provider answers again: status polling settles it
    qr_runner.step()
    assert reload(payment).status == APPROVED
    assert len(bluecode.journal.bookings) == 1


def test_a_payment_that_never_arrived_is_cancelled_and_not_charged(register, bluecode, qr_runner):
    bluecode.scenario.fault, bluecode.scenario.fault_once, bluecode.scenario.book_before_fault = "drop", False, False
    payment = start_qr(register, magic.APPROVE_NOW)
    qr_runner.step()
    bluecode.scenario.fault = ""
    qr_runner.step()
    payment = reload(payment)
    assert payment.status == DECLINED
    assert bluecode.journal.bookings == {}


def test_what_stays_unclear_waits_for_a_manager_who_decides_once(register, bluecode, qr_runner):
    bluecode.scenario.fault, bluecode.scenario.fault_once = "garbage", False
    bluecode.scenario.fault_endpoint = "status"
    bluecode.scenario.processing_seconds = 60.0
    bluecode.scenario.ttl_seconds = 0.2
    payment = start_qr(register, magic.APPROVE_LATER)
    qr_runner.step()
    payment = reload(payment)
    assert payment.status == UNKNOWN
    resolved = resolve_card_payment(actor=Actor.system(), payment=payment, paid=False, note="portal: cancelled")
    assert resolved.status == DECLINED
    with pytest.raises(PaymentError):
        resolve_card_payment(actor=Actor.system(), payment=payment, paid=True)
    assert start_qr(register, magic.APPROVE_NOW).status == "pending"  # the register is free again


def test_a_process_that_stopped_mid_payment_leaves_it_unknown_and_recovers_it(register, bluecode, qr_runner):
    payment = start_qr(register, magic.APPROVE_NOW)
    from kasse.payments.qr.bluecode import BluecodeProvider
    from kasse.payments.qr.providers import PaymentRequest

    BluecodeProvider(bluecode.url, "demo", "demo", "demo-branch").pay(
        PaymentRequest(code=magic.APPROVE_NOW, amount_cents=280, merchant_tx_id=str(payment.pk))
    )
    with scopes_disabled():  # the process died after pending → sent and the request
        CardPayment.objects.filter(pk=payment.pk).update(status=CardPaymentStatus.SENT, presented_code="")
    qr_runner.step()
    payment = reload(payment)
    assert payment.status == APPROVED
    assert bluecode.journal.count("payment") == 1  # recovery asks; it never pays again


def test_refunds_go_through_the_provider_up_to_the_amount_paid(register, bluecode, qr_runner):
    payment = start_qr(register, magic.APPROVE_NOW, "10.00")
    qr_runner.step()
    payment = reload(payment)
    refund = start_qr_refund(actor=Actor.system(), register=register, original=payment, amount=D("4.00"))
    qr_runner.step()
    assert reload(refund).status == APPROVED
    with pytest.raises(PaymentError, match="6"):
        start_qr_refund(actor=Actor.system(), register=register, original=payment, amount=D("7.00"))
    rest = start_qr_refund(actor=Actor.system(), register=register, original=payment, amount=D("6.00"))
    qr_runner.step()
    assert reload(rest).status == APPROVED
    booking = bluecode.journal.bookings[str(payment.pk)]
    assert (booking.refunded, booking.state) == (1000, "REFUNDED")


@pytest.mark.parametrize(("booked", "status"), [(True, APPROVED), (False, DECLINED)])
def test_a_refund_without_answer_is_never_repeated_and_settled_from_the_status(
    register, bluecode, qr_runner, booked, status
):
    payment = start_qr(register, magic.APPROVE_NOW, "5.00")
    qr_runner.step()
    bluecode.scenario.fault, bluecode.scenario.fault_endpoint = "drop", "refund"
    bluecode.scenario.book_before_fault = booked
    refund = start_qr_refund(actor=Actor.system(), register=register, original=reload(payment), amount=D("5.00"))
    qr_runner.step()
    assert reload(refund).status == status  # the status shows the payment refunded, or not
    assert bluecode.journal.count("refund") == 1
    assert bluecode.journal.bookings[str(payment.pk)].refunded == (500 if booked else 0)


def _pay(till, payments):
    return till.post("/register/cart/pay/", {"payments": json.dumps(payments)}, HTTP_ACCEPT_LANGUAGE="en")


def test_the_register_takes_a_scanned_bluecode_and_the_sale_binds_it(till, register, bakery, bluecode, qr_runner):
    till.post("/register/cart/scan/", {"code": "4000000000024"})  # coffee 2.80
    routed = till.post("/register/cart/scan/", {"code": magic.APPROVE_NOW})
    assert routed.status_code == 204
    assert json.loads(routed["HX-Trigger"]) == {"kasse:payment-code": magic.APPROVE_NOW}
    # the pay panel sends scans to its gift card field: a payment code is routed there too
    in_pay_panel = till.get("/register/gift-card/balance/", {"code": magic.APPROVE_NOW, "due": "2.80"})
    assert in_pay_panel.status_code == 204
    assert json.loads(in_pay_panel["HX-Trigger"]) == {"kasse:payment-code": magic.APPROVE_NOW}
    started = till.post(
        "/register/cart/pay/qr/start/", {"code": magic.APPROVE_NOW, "amount": "2.80"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert soup_of(started).select_one("[data-testid=qr-payment]")["data-status"] == "pending"
    with scopes_disabled():
        payment = CardPayment.objects.get()
    qr_runner.step()
    final = soup_of(till.get(f"/register/cart/pay/qr/{payment.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    button = final.select_one("[data-testid=qr-continue]")
    assert (button["data-card-reference"], button["data-tender-method"]) == (f"qr:{payment.pk}", "qr")
    assert _pay(till, [{"method": "qr", "amount": "2.80", "reference": f"qr:{payment.pk}"}]).status_code == 200
    with scopes_disabled():
        sale = Sale.objects.get()
    assert reload(payment).sale_id == sale.pk
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    again = _pay(till, [{"method": "qr", "amount": "2.80", "reference": f"qr:{payment.pk}"}])
    assert "already paid another sale" in soup_of(again).select_one("[data-testid=cart-error]").text


def test_a_qr_tender_the_provider_did_not_approve_is_refused(till, register, bakery, bluecode, qr_runner):
    payment = start_qr(register, magic.LIMIT_EXCEEDED)
    qr_runner.step()
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    response = _pay(till, [{"method": "qr", "amount": "2.80", "reference": f"qr:{payment.pk}"}])
    assert response.status_code == 422
    assert "not approved by its provider" in soup_of(response).select_one("[data-testid=cart-error]").text
    with scopes_disabled():
        assert not Sale.objects.exists()


def test_unknown_and_unconfigured_payment_codes_get_a_clear_message(till, register, bakery):
    alipay = till.post("/register/cart/scan/", {"code": "286812345678901234"}, HTTP_ACCEPT_LANGUAGE="en")
    assert alipay.status_code == 422
    assert "Alipay+ is not accepted" in soup_of(alipay).select_one("[data-testid=cart-error]").text
    bluecode = till.post("/register/cart/scan/", {"code": magic.APPROVE_NOW}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Bluecode payments are not set up" in soup_of(bluecode).select_one("[data-testid=cart-error]").text
    assert json.loads(bluecode["HX-Trigger"]) == {"kasse:scan-rejected": {"reason": "payment"}}


def test_a_returned_sale_pays_its_qr_share_back_through_bluecode_once(till, register, bakery, bluecode, qr_runner):
    from kasse.register.tests.test_returns import _hidden, _qty_field, _variant

    till.post("/register/cart/scan/", {"code": "4000000000024"})  # coffee 2.80, paid with Bluecode
    payment = start_qr(register, magic.APPROVE_NOW)
    qr_runner.step()
    _pay(till, [{"method": "qr", "amount": "2.80", "reference": f"qr:{payment.pk}"}])
    with scopes_disabled():
        sale = Sale.objects.get()
    form = till.get(f"/register/returns/{sale.pk}/")
    preview = soup_of(
        till.post(
            f"/register/returns/{sale.pk}/",
            {
                "tender": "original",
                "refund_id": _hidden(form, "refund_id"),
                _qty_field(form, _variant(bakery["coffee"]).sku): "1",
            },
        )
    )
    splits = [(p["data-method"], p.get_text(" ", strip=True)) for p in preview.select("[data-testid=refund-split]")]
    assert splits == [("qr", "Zurück an die Bezahl-App des Kunden 2,80 €")]  # through Bluecode, not a terminal
    done = till.post(
        f"/register/returns/{sale.pk}/",
        {
            "action": "confirm",
            "tender": "original",
            "refund_id": _hidden(form, "refund_id"),
            _qty_field(form, _variant(bakery["coffee"]).sku): "1",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    button = soup_of(done).select_one("[data-testid=qr-refund]")
    assert "2.80" in button.text
    with scopes_disabled():
        refund_sale = Sale.objects.get(kind="refund")
    started = till.post(f"/register/returns/{refund_sale.pk}/qr-refund/", HTTP_ACCEPT_LANGUAGE="en")
    assert soup_of(started).select_one("[data-testid=qr-payment]")["data-status"] == "pending"
    again = till.post(f"/register/returns/{refund_sale.pk}/qr-refund/")  # a second tap: the same refund
    assert again.status_code == 200
    qr_runner.step()
    with scopes_disabled():
        refund = CardPayment.objects.get(kind="refund")
    assert (refund.status, refund.amount, refund.cart_id) == (APPROVED, D("2.80"), refund_sale.pk)
    assert bluecode.journal.count("refund") == 1
    assert bluecode.journal.bookings[str(payment.pk)].state == "REFUNDED"
    shown = soup_of(till.get(f"/register/cart/pay/qr/{refund.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert shown.select_one("[data-testid=qr-text]").text == "Erstattet."  # stored in the shop's language


def test_the_clouds_worker_leaves_the_payments_of_a_store_with_a_node_to_that_node(register, bluecode, qr_runner, node):
    payment = start_qr(register, magic.APPROVE_NOW)
    with scopes_disabled():
        CardPayment.objects.filter(pk=payment.pk).update(status=CardPaymentStatus.SENT, presented_code="")
    qr_runner.step()  # the cloud's runner (no store ids): the node drives this store's payments
    assert reload(payment).status == CardPaymentStatus.SENT
    assert bluecode.journal.requests == []
