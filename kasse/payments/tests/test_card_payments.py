"""Card payments through a connected terminal: the intent, the terminal's answer, recovery, a manager's
decision, and the sale that only accepts a payment the terminal approved."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.hardware.terminals.zvt import commands
from kasse.hardware.virtual.zvt_terminal import Fault, Step
from kasse.payments.models import CardPayment, CardPaymentStatus
from kasse.payments.services import PaymentError, resolve_card_payment, start_card_payment
from kasse.payments.tests.conftest import reload
from kasse.sales.models import Sale
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db
D = Decimal


def start(register, amount="12.34") -> CardPayment:
    return start_card_payment(actor=Actor.system(), register=register, amount=D(amount))


def test_an_approved_payment_carries_the_terminals_data(register, sim, worker):
    payment = start(register)
    assert payment.status == CardPaymentStatus.PENDING
    worker.run()
    payment = reload(payment)
    assert payment.status == CardPaymentStatus.APPROVED
    assert (payment.terminal_amount, payment.trace_number, payment.receipt_number) == (D("12.34"), 1001, 1)
    assert (payment.card_name, payment.masked_pan, payment.terminal_number) == (
        "girocard",
        "6805******1234",
        "29001234",
    )
    assert [r["type"] for r in payment.receipts] == [1, 2]
    assert payment.message == "Zahlung erfolgt"  # the organization speaks German
    assert sim.count(commands.AUTHORIZATION) == 1


def test_a_declined_payment_says_why_in_the_shops_language(register, sim, worker):
    sim.scenario.result_code = 0x05
    payment = start(register)
    worker.run()
    payment = reload(payment)
    assert (payment.status, payment.result_code) == (CardPaymentStatus.DECLINED, 0x05)
    assert payment.message == "Vom Kartenherausgeber abgelehnt"


def test_a_second_payment_cannot_start_while_one_is_running_or_unknown(register, sim, worker):
    first = start(register)
    with pytest.raises(PaymentError, match="läuft bereits"):
        start(register)
    with scopes_disabled():
        CardPayment.objects.filter(pk=first.pk).update(status=CardPaymentStatus.UNKNOWN)
    with pytest.raises(PaymentError, match="Marktleitung"):
        start(register)
    assert sim.count(commands.AUTHORIZATION) == 0


def test_a_terminal_that_is_off_fails_the_payment_safely(register, sim, worker):
    sim.stop()
    payment = start(register)
    worker.run()
    assert reload(payment).status == CardPaymentStatus.FAILED
    start(register)  # nothing reached the terminal: trying again is allowed


def test_a_link_lost_after_booking_is_recovered_as_paid_from_the_repeat_receipt(register, sim, worker):
    start(register, "1.00")
    worker.run()
    sim.scenario.fault, sim.scenario.fault_step = Fault.DROP, Step.STATUS
    payment = start(register, "5.00")
    worker.run()
    payment = reload(payment)
    assert payment.status == CardPaymentStatus.APPROVED
    assert payment.message == "Vom Terminal wiederhergestellt: bezahlt."
    assert (payment.receipt_number, payment.terminal_amount) == (2, D("5.00"))
    assert sim.count(commands.AUTHORIZATION) == 2  # never sent again
    assert sim.count(commands.REPEAT_RECEIPT) == 1


def test_a_link_lost_before_booking_is_recovered_as_not_charged(register, sim, worker):
    start(register, "1.00")
    worker.run()
    sim.scenario.fault, sim.scenario.fault_step = Fault.DROP, Step.INTERMEDIATE
    payment = start(register, "5.00")
    worker.run()
    assert reload(payment).status == CardPaymentStatus.DECLINED
    assert [b.amount_cents for b in sim.journal.bookings] == [100]


def test_without_an_earlier_trace_number_the_outcome_stays_unknown_for_a_manager(register, sim, worker, manager):
    sim.scenario.fault, sim.scenario.fault_step = Fault.DROP, Step.STATUS
    payment = start(register)
    worker.run()
    payment = reload(payment)
    assert payment.status == CardPaymentStatus.UNKNOWN
    resolved = resolve_card_payment(actor=Actor.for_employee(manager), payment=payment, paid=True, note="journal")
    assert resolved.status == CardPaymentStatus.APPROVED
    with pytest.raises(PaymentError, match=r"nicht \(mehr\) ungeklärt"):
        resolve_card_payment(actor=Actor.for_employee(manager), payment=payment, paid=False)


def test_a_node_that_stopped_mid_payment_leaves_it_unknown_and_recovers_it(register, sim, card_terminal, worker):
    from kasse.payments.services import claim_card_payment
    from kasse.payments.tests.conftest import Worker

    start(register, "1.00")
    worker.run()
    payment = start(register, "2.00")
    claim_card_payment(payment_id=payment.pk, organization=payment.organization_id)  # then the node died
    Worker(card_terminal).run()  # the restarted node's worker
    payment = reload(payment)
    assert payment.status == CardPaymentStatus.DECLINED  # the terminal's last booking is the 1.00 one
    assert sim.count(commands.AUTHORIZATION) == 1


# --- the sale -----------------------------------------------------------------------------------------


def _pay(till, payments):
    return till.post("/register/cart/pay/", {"payments": json.dumps(payments)}, HTTP_ACCEPT_LANGUAGE="en")


def test_the_register_takes_a_card_payment_through_the_terminal(till, register, bakery, sim, worker):
    till.post("/register/cart/scan/", {"code": "4000000000024"})  # coffee 2.80
    step = till.get("/register/cart/pay/card/", {"amount": "2.80"})
    assert soup_of(step).select_one("[data-testid=card-terminal]")["hx-post"] == "/register/cart/pay/card/start/"
    started = till.post("/register/cart/pay/card/start/", {"amount": "2.80"}, HTTP_ACCEPT_LANGUAGE="en")
    page = soup_of(started).select_one("[data-testid=card-terminal]")
    assert page["data-status"] == "pending"
    with scopes_disabled():
        payment = CardPayment.objects.get()
    worker.run()
    final = soup_of(till.get(f"/register/cart/pay/card/{payment.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    button = final.select_one("[data-testid=card-continue]")
    assert button["data-card-reference"] == f"zvt:{payment.pk}"
    response = _pay(till, [{"method": "card", "amount": "2.80", "reference": button["data-card-reference"]}])
    assert response.status_code == 200
    with scopes_disabled():
        sale = Sale.objects.get()
        assert reload(payment).sale_id == sale.pk


def test_a_card_tender_the_terminal_did_not_approve_is_refused(till, register, bakery, card_terminal):
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    response = _pay(till, [{"method": "card", "amount": "2.80", "reference": ""}])
    assert response.status_code == 422
    assert "not approved by the terminal" in soup_of(response).select_one("[data-testid=cart-error]").text
    with scopes_disabled():
        assert not Sale.objects.exists()


def test_one_approved_payment_pays_one_sale_only(till, register, bakery, sim, worker):
    payment = start(register, "2.80")
    worker.run()
    with scopes_disabled():
        CardPayment.objects.filter(pk=payment.pk).update(sale_id="0190b7a0-0000-7000-8000-000000000001")
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    response = _pay(till, [{"method": "card", "amount": "2.80", "reference": f"zvt:{payment.pk}"}])
    assert response.status_code == 422
    assert "already paid another sale" in soup_of(response).select_one("[data-testid=cart-error]").text


def test_a_sale_with_an_unclear_card_payment_cannot_be_paid_otherwise(till, register, bakery, card_terminal):
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    till.post("/register/cart/pay/card/start/", {"amount": "2.80"})
    with scopes_disabled():
        CardPayment.objects.update(status=CardPaymentStatus.UNKNOWN)
    response = _pay(till, [{"method": "cash", "amount": "5.00"}])
    assert response.status_code == 422
    assert "still unclear" in soup_of(response).select_one("[data-testid=cart-error]").text


def test_another_registers_payment_is_not_found(till, register, store, card_terminal):
    from kasse.testing.factories import RegisterFactory

    other = RegisterFactory(organization=register.organization, store=store, number=9)
    from kasse.payments.models import CardTerminal

    with scopes_disabled():
        foreign = CardPayment.objects.create(
            organization=register.organization,
            store=store,
            register=other,
            terminal=CardTerminal.objects.get(),
            amount=D("1.00"),
        )
    assert till.get(f"/register/cart/pay/card/{foreign.pk}/").status_code == 404
