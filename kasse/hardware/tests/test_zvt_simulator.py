"""The ZVT client against the virtual terminal over a real TCP socket: payments, declines, receipts,
reversal, refund, end-of-day, repeat receipt, abort, and a fault at every step of a payment."""

import socket
import threading
import time

import pytest

from kasse.hardware.terminals.zvt import commands, records
from kasse.hardware.terminals.zvt.client import Outcome
from kasse.hardware.terminals.zvt.terminal import ZvtTerminal, tcp_link
from kasse.hardware.virtual.zvt_terminal import Fault, Step, VirtualZvtTerminal


@pytest.fixture
def sim():
    terminal = VirtualZvtTerminal(password="123456")
    terminal.scenario.step_delay = 0.0
    terminal.scenario.hang_seconds = 3.0
    with terminal:
        yield terminal


def client(sim: VirtualZvtTerminal, **kwargs) -> ZvtTerminal:
    kwargs.setdefault("ack_timeout", 1.0)
    kwargs.setdefault("overall_timeout", 1.0)
    return ZvtTerminal(lambda: tcp_link("127.0.0.1", sim.port), "123456", **kwargs)


def test_an_approved_payment_brings_status_receipts_and_intermediate_texts(sim):
    events = []
    result = client(sim).pay(1999, events.append)
    assert result.outcome is Outcome.COMPLETED
    assert result.approved
    assert result.status is not None
    assert (result.status.amount_cents, result.status.receipt_number, result.status.trace_number) == (1999, 1, 1001)
    assert result.status.masked_pan == "6805******1234"
    assert [s.code for s in result.intermediate] == [0x0A, 0x01, 0x04, 0x0B]
    assert [r.receipt_type for r in result.receipts] == [1, 2]
    assert "Betrag: EUR 19,99" in result.receipts[1].lines
    assert isinstance(events[0], records.IntermediateStatus)
    assert [a.command for a in sim.received] == [commands.REGISTRATION, commands.AUTHORIZATION]


def test_a_declined_payment_is_aborted_with_its_result_code(sim):
    sim.scenario.result_code = 0x05
    result = client(sim).pay(500)
    assert result.outcome is Outcome.ABORTED
    assert result.result_code == 0x05
    assert not result.approved
    assert result.status is not None
    assert result.status.result_code == 0x05
    assert sim.journal.bookings == []


def test_a_wrong_password_stops_at_registration_and_nothing_is_charged(sim):
    result = ZvtTerminal(lambda: tcp_link("127.0.0.1", sim.port), "654321", ack_timeout=1.0).pay(500)
    assert result.outcome is Outcome.NOT_SENT
    assert result.result_code == 0x83
    assert sim.count(commands.AUTHORIZATION) == 0


def test_a_terminal_that_is_not_there_is_not_sent_to():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = ZvtTerminal(lambda: tcp_link("127.0.0.1", port), "123456").pay(100)
    assert result.outcome is Outcome.NOT_SENT
    assert "refused" in result.error


def test_reversal_refund_and_end_of_day_add_up(sim):
    terminal = client(sim)
    first = terminal.pay(1000)
    second = terminal.pay(250)
    assert first.status is not None
    assert second.status is not None
    reversed_ = terminal.reverse(first.status.receipt_number or 0)
    assert reversed_.outcome is Outcome.COMPLETED
    assert reversed_.approved
    again = terminal.reverse(first.status.receipt_number or 0)
    assert (again.outcome, again.result_code) == (Outcome.ABORTED, 0xB4)
    refund = terminal.refund(100)
    assert refund.approved
    closing = terminal.end_of_day()
    assert closing.outcome is Outcome.COMPLETED
    assert closing.status is not None
    assert closing.status.totals is not None
    assert closing.status.amount_cents == 150
    assert closing.status.totals.count == 1


def test_repeat_receipt_tells_what_the_last_payment_was(sim):
    terminal = client(sim)
    terminal.pay(4200)
    repeated = terminal.repeat_receipt()
    assert repeated.status is not None
    assert (repeated.status.amount_cents, repeated.status.receipt_number) == (4200, 1)


def test_status_enquiry_returns_the_software_version(sim):
    result = client(sim).status_enquiry()
    assert result.completion is not None
    assert result.completion.software_version == "kasse-virtual-zvt 1.0"


def test_a_log_off_ends_with_the_terminals_acknowledgement(sim):
    """Terminals answer 06 02 with 80 00 alone, no completion: the log-off is done then, not after the
    silence timeout (which would hold the payment or end-of-day behind it for minutes)."""
    terminal = client(sim, overall_timeout=30.0)
    started = time.monotonic()
    result = terminal.log_off()
    assert (result.outcome, result.acknowledged) == (Outcome.COMPLETED, True)
    assert time.monotonic() - started < 5.0


def test_an_abort_from_the_register_ends_the_payment_without_charge(sim):
    sim.scenario.step_delay = 0.2
    terminal = client(sim, overall_timeout=3.0)
    threading.Timer(0.9, terminal.request_abort).start()
    result = terminal.pay(700)
    assert (result.outcome, result.result_code) == (Outcome.ABORTED, 0x6C)
    assert sim.count(commands.ABORT_BY_ECR) == 1
    assert sim.journal.bookings == []


# A fault at each step of a payment: before the terminal booked (ack, intermediate) nothing was charged;
# from `status` on the terminal has booked. The register never resends the 06 01 by itself.
@pytest.mark.parametrize("fault", [Fault.DROP, Fault.TIMEOUT, Fault.GARBAGE, Fault.NAK])
@pytest.mark.parametrize("step", list(Step))
def test_a_fault_at_every_step_never_resends_and_reports_what_is_known(sim, fault, step):
    sim.scenario.fault, sim.scenario.fault_step = fault, step
    started = time.monotonic()
    result = client(sim).pay(1234)
    assert time.monotonic() - started < 5
    assert sim.count(commands.AUTHORIZATION) == 1
    booked = [b.amount_cents for b in sim.journal.bookings]
    if fault is Fault.NAK and step is Step.ACK:
        assert (result.outcome, result.result_code) == (Outcome.REFUSED, 0x9A)
    elif step in (Step.RECEIPT, Step.COMPLETION):
        assert result.approved  # the 04 0F with result 00 arrived before the fault
    else:
        assert result.outcome is Outcome.UNKNOWN
        assert not result.known
    assert booked == ([] if step in (Step.ACK, Step.INTERMEDIATE) else [1234])
