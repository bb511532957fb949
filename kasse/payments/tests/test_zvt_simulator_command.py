"""``kasse zvt_simulator`` serves ZVT on the port it is given and stops on SIGTERM."""

import os
import signal
import subprocess
import sys
import time

import pytest

from kasse.hardware.terminals.zvt.client import Outcome
from kasse.hardware.terminals.zvt.terminal import ZvtTerminal, tcp_link
from kasse.testing.ports import free_port

pytestmark = pytest.mark.processes


def test_the_command_runs_a_terminal_that_takes_a_payment_and_stops_on_sigterm():
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own command line
        [
            sys.executable,
            "-m",
            "kasse.cli",
            "zvt_simulator",
            "--port",
            str(port),
            "--password",
            "123456",
            "--delay",
            "0",
        ],
        stdout=subprocess.PIPE,
        env={**os.environ},
    )
    try:
        terminal = ZvtTerminal(lambda: tcp_link("127.0.0.1", port), "123456", ack_timeout=2.0, overall_timeout=2.0)
        deadline = time.monotonic() + 20
        result = terminal.pay(100)
        while result.outcome is Outcome.NOT_SENT and time.monotonic() < deadline:
            time.sleep(0.2)
            result = terminal.pay(100)
        assert result.approved
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
