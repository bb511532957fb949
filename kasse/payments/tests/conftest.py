"""A virtual terminal on a real socket, the register's terminal row pointing at it, and its worker driven
step by step in the test's thread (so it sees the test's transaction)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.hardware.terminals.zvt.terminal import ZvtTerminal, tcp_link
from kasse.hardware.virtual.zvt_terminal import VirtualZvtTerminal
from kasse.payments.models import CardPayment, CardTerminal
from kasse.payments.runner import TerminalWorker
from kasse.payments.services import save_card_terminal


@pytest.fixture
def sim() -> Iterator[VirtualZvtTerminal]:
    terminal = VirtualZvtTerminal(password="123456")
    terminal.scenario.step_delay = 0.0
    terminal.scenario.hang_seconds = 2.0
    with terminal:
        yield terminal


def quick_driver(terminal: CardTerminal) -> ZvtTerminal:
    """A driver with short timeouts, so that a silent terminal costs a test little. The acknowledgement is
    given 2 s: the virtual terminal acknowledges at once, but a loaded CI machine can keep its thread off the
    CPU for more than half a second, and a command not acknowledged in time is recovered by a repeat receipt
    that the terminal, still busy with it on its other connection, answers with its booking before (seen as
    'declined' where the terminal went on to book the refund)."""
    host, port = terminal.host, terminal.port
    return ZvtTerminal(lambda: tcp_link(host, port), terminal.password, ack_timeout=2.0, overall_timeout=0.5)


@pytest.fixture
def card_terminal(register: Any, sim: VirtualZvtTerminal) -> CardTerminal:
    return save_card_terminal(
        actor=Actor.system(),
        store=register.store,
        data={
            "register": register,
            "name": "Terminal 1",
            "connection": "tcp",
            "host": "127.0.0.1",
            "port": sim.port,
            "password": "123456",
        },
    )


class Worker:
    """The terminal's worker, one step at a time."""

    def __init__(self, terminal: CardTerminal) -> None:
        self.worker = TerminalWorker(terminal.pk, terminal.organization_id, driver=quick_driver, idle_seconds=0.0)

    def run(self) -> None:
        self.worker._step()


@pytest.fixture
def worker(card_terminal: CardTerminal) -> Worker:
    return Worker(card_terminal)


def reload(payment: CardPayment) -> CardPayment:
    with scopes_disabled():
        return CardPayment.objects.get(pk=payment.pk)


from kasse.payments.tests.qr_fixtures import bluecode, qr_account, qr_runner  # noqa: E402, F401
