"""A fault at every step of a card payment (docs/payments.md, "Faults"): the link dropped, the terminal
silent, noise, or a negative answer (84 9A) at the ACK, an intermediate status, the status information, a
receipt or the completion. In every case 06 01 went out exactly once and the payment ends right: paid
exactly once when the terminal booked it, not paid when it did not, and never "failed" after it was sent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kasse.core.actors import Actor
from kasse.hardware.terminals.zvt import commands
from kasse.hardware.virtual.zvt_terminal import Fault, Step
from kasse.payments.models import CardPaymentStatus
from kasse.payments.services import start_card_payment
from kasse.payments.tests.conftest import reload

pytestmark = pytest.mark.django_db

BOOKED = {Step.STATUS, Step.RECEIPT, Step.COMPLETION}  # the terminal books before it reports


def expected(step: Step, fault: Fault) -> str:
    if step is Step.ACK and fault is Fault.NAK:
        return CardPaymentStatus.FAILED  # refused before it started: nothing happened, may be tried again
    return CardPaymentStatus.APPROVED if step in BOOKED else CardPaymentStatus.DECLINED


@pytest.mark.parametrize("fault", list(Fault))
@pytest.mark.parametrize("step", list(Step))
def test_a_fault_at_every_step_ends_in_the_right_state(register, sim, worker, step, fault):
    start_card_payment(actor=Actor.system(), register=register, amount=Decimal("1.00"))
    worker.run()  # a first payment: the terminal's trace number is known before the faulty one
    sim.scenario.fault, sim.scenario.fault_step = fault, step
    payment = start_card_payment(actor=Actor.system(), register=register, amount=Decimal("7.50"))
    worker.run()
    payment = reload(payment)
    assert payment.status == expected(step, fault)
    assert sim.count(commands.AUTHORIZATION) == 2  # the faulty one was sent once, never again
    booked = [b.amount_cents for b in sim.journal.bookings]
    assert booked == ([100, 750] if step in BOOKED else [100])
    if payment.status == CardPaymentStatus.APPROVED:
        assert (payment.terminal_amount, payment.receipt_number) == (Decimal("7.50"), 2)
