"""A fault at every step of a card payment (docs/payments.md, "Faults"): the link dropped, the terminal
silent, noise, or a negative answer (84 9A) at the ACK, an intermediate status, the status information, a
receipt or the completion. In every case 06 01 went out exactly once and the payment ends right: paid
exactly once when the terminal booked it, not paid when it did not, and never "failed" after it was sent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.hardware.terminals.zvt import commands
from kasse.hardware.virtual.zvt_terminal import Fault, Step
from kasse.payments.models import CardPaymentStatus, CardSettlement, CardSettlementStatus
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


# --- refunds and reversals: the same matrix -------------------------------------------------------------


def _paid(register, sim, worker, amount="7.50"):
    """A payment of ``amount`` booked and bound to a sale id (what a return takes back)."""
    import uuid

    from kasse.payments.models import CardPayment
    from kasse.payments.tests.conftest import reload as reloaded

    payment = start_card_payment(actor=Actor.system(), register=register, amount=Decimal(amount))
    worker.run()
    sale_id = uuid.uuid4()
    with scopes_disabled():
        CardPayment.objects.filter(pk=payment.pk).update(sale_id=sale_id)
    return reloaded(payment), sale_id


@pytest.mark.parametrize("fault", list(Fault))
@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("kind", ["reversal", "refund"])
def test_a_fault_at_every_step_of_a_refund_or_reversal_ends_in_the_right_state(
    register, sim, worker, kind, step, fault
):
    import uuid

    from kasse.payments.refunds import start_card_refund

    original, sale_id = _paid(register, sim, worker)
    command = commands.REVERSAL if kind == "reversal" else commands.REFUND
    sim.scenario.fault, sim.scenario.fault_step, sim.scenario.fault_command = fault, step, command
    # the whole 7.50 the same day is a reversal; 2.50 of it is a refund
    amount = Decimal("7.50") if kind == "reversal" else Decimal("2.50")
    payment = start_card_refund(
        actor=Actor.system(), register=register, refund_id=uuid.uuid4(), original_sale_id=sale_id, amount=amount
    )
    assert payment.kind == kind
    worker.run()
    payment = reload(payment)
    assert payment.status == expected(step, fault)
    assert sim.count(command) == 1  # sent once, never again
    kinds = [b.kind for b in sim.journal.bookings]
    assert kinds == (["payment", kind] if step in BOOKED else ["payment"])
    assert sim.journal.bookings[0].reversed is (kind == "reversal" and step in BOOKED)
    if payment.status == CardPaymentStatus.APPROVED:
        assert payment.receipt_number == 2


# --- end-of-day ------------------------------------------------------------------------------------------

CLOSED = {Step.STATUS, Step.RECEIPT, Step.COMPLETION}  # the terminal closed its day before it reports


def expected_end_of_day(step: Step, fault: Fault) -> str:
    if step is Step.ACK and fault is Fault.NAK:
        return CardSettlementStatus.FAILED  # refused: the day is still open, ask again
    if step in (Step.RECEIPT, Step.COMPLETION):
        return CardSettlementStatus.DONE  # the totals (04 0F) arrived before the fault
    return CardSettlementStatus.UNKNOWN


@pytest.mark.parametrize("fault", list(Fault))
@pytest.mark.parametrize("step", list(Step))
def test_a_fault_at_every_step_of_an_end_of_day_ends_in_the_right_state(register, sim, worker, step, fault):
    from kasse.payments.settlement import start_end_of_day

    _paid(register, sim, worker)
    sim.scenario.fault, sim.scenario.fault_step, sim.scenario.fault_command = fault, step, commands.END_OF_DAY
    settlement = start_end_of_day(actor=Actor.system(), register=register)
    worker.run()
    with scopes_disabled():
        settlement = CardSettlement.objects.get(pk=settlement.pk)
    assert settlement.status == expected_end_of_day(step, fault)
    assert sim.count(commands.END_OF_DAY) == 1  # never sent again by itself
    assert (sim.journal.bookings == []) is (step in CLOSED)
    assert settlement.kasse_amount == Decimal("7.50")  # kasse's side is known in every case
    if settlement.status == CardSettlementStatus.DONE:
        assert (settlement.terminal_amount, settlement.difference) == (Decimal("7.50"), Decimal("0.00"))
    else:
        assert settlement.terminal_amount is None
        assert settlement.difference is None
