"""Log-off (06 02): kasse releases a terminal where a register's session with it ends: after the terminal
closed its day, when the terminal is moved to another address, switched off or removed in the back office.
Against the virtual terminal on a real socket (docs/payments.md, "Log-off")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kasse.core.actors import Actor
from kasse.hardware.terminals.zvt import commands
from kasse.hardware.virtual.zvt_terminal import Fault, Step, VirtualZvtTerminal
from kasse.payments.models import CardPaymentStatus, CardSettlementStatus
from kasse.payments.services import save_card_terminal, start_card_payment
from kasse.payments.settlement import start_end_of_day
from kasse.payments.tests.conftest import reload

pytestmark = pytest.mark.django_db

PAYMENT, LOGON, LOGOFF = commands.AUTHORIZATION, commands.REGISTRATION, commands.LOG_OFF


def _commands(sim: VirtualZvtTerminal) -> list[int]:
    return [apdu.command for apdu in sim.received]


def _pay(register, worker, amount="2.80"):
    payment = start_card_payment(actor=Actor.system(), register=register, amount=Decimal(amount))
    worker.run()
    return reload(payment)


def _change(card_terminal, **data):
    fields = ("register", "name", "connection", "host", "port", "password", "is_active")
    current = {name: getattr(card_terminal, name) for name in fields}
    return save_card_terminal(
        actor=Actor.system(), store=card_terminal.store, terminal=card_terminal, data={**current, **data}
    )


def test_a_day_closed_at_the_terminal_logs_kasse_off_and_the_next_payment_logs_on_again(register, sim, worker):
    assert _pay(register, worker).status == CardPaymentStatus.APPROVED
    start_end_of_day(actor=Actor.system(), register=register)
    worker.run()
    # 06 50 closed the day (totals read), then 06 02 released the terminal: nothing in between
    assert _commands(sim)[-3:] == [LOGON, commands.END_OF_DAY, LOGOFF]
    # The next shift's first payment logs on again (06 00) and is paid; no second log-off
    assert _pay(register, worker, "1.20").status == CardPaymentStatus.APPROVED
    assert _commands(sim)[-2:] == [LOGON, PAYMENT]
    assert sim.count(LOGOFF) == 1


def test_an_end_of_day_whose_outcome_is_unknown_does_not_log_off(register, sim, worker):
    _pay(register, worker)
    sim.scenario.fault, sim.scenario.fault_step, sim.scenario.fault_command = (
        Fault.DROP,
        Step.STATUS,
        commands.END_OF_DAY,
    )
    settlement = start_end_of_day(actor=Actor.system(), register=register)
    worker.run()
    settlement.refresh_from_db()
    assert settlement.status == CardSettlementStatus.UNKNOWN
    assert sim.count(LOGOFF) == 0


def test_a_terminal_moved_to_another_address_is_logged_off_at_the_old_one(register, sim, worker, card_terminal):
    _pay(register, worker)
    with VirtualZvtTerminal(password="123456") as other:
        other.scenario.step_delay = 0.0
        _change(card_terminal, port=other.port)
        # The next payment goes to the new address, after the old terminal was released
        assert _pay(register, worker, "1.20").status == CardPaymentStatus.APPROVED
        assert _commands(sim)[-1] == LOGOFF
        assert sim.count(LOGOFF) == 1
        assert _commands(other) == [LOGON, PAYMENT]
    assert sim.count(PAYMENT) == 1


def test_a_terminal_switched_off_is_logged_off_when_its_worker_ends(register, sim, worker, card_terminal):
    _pay(register, worker)
    # A node that merely stops stays logged on: its next command logs on anyway
    worker.worker.supervisor.on_exit()
    assert sim.count(LOGOFF) == 0
    # Switched off in the back office: the pool ends the worker, which releases the terminal once
    _change(card_terminal, is_active=False)
    worker.worker.supervisor.on_exit()
    worker.worker.supervisor.on_exit()
    assert sim.count(LOGOFF) == 1
    assert _commands(sim)[-1] == LOGOFF


def test_a_log_off_the_terminal_does_not_answer_changes_nothing(register, sim, worker, card_terminal):
    _pay(register, worker)
    sim.scenario.fault, sim.scenario.fault_step, sim.scenario.fault_command = (Fault.DROP, Step.ACK, LOGOFF)
    _change(card_terminal, is_active=False)
    worker.worker.supervisor.on_exit()  # never raises
    assert sim.count(LOGOFF) == 1
