"""`ZvtTerminal`: a card terminal on TCP or serial. Every command runs on a fresh connection after a
registration (06 00), so a terminal restarted in between never sees a register it does not know."""

from __future__ import annotations

import threading
from collections.abc import Callable

from kasse.hardware.terminals.base import CardTerminal
from kasse.hardware.terminals.zvt import commands
from kasse.hardware.terminals.zvt.apdu import Apdu
from kasse.hardware.terminals.zvt.client import (
    OVERALL_TIMEOUT,
    T3_ACK_TIMEOUT,
    Dialog,
    EventHandler,
    Outcome,
    Result,
)
from kasse.hardware.terminals.zvt.link import DEFAULT_PORT, LinkError, SerialLink, TcpLink, ZvtLink
from kasse.hardware.transports.serial_port import SerialTransport
from kasse.hardware.transports.tcp import TcpTransport


def tcp_link(host: str, port: int = DEFAULT_PORT, *, connect_timeout: float = 3.0) -> ZvtLink:
    return TcpLink(TcpTransport(host, port, connect_timeout=connect_timeout))


def serial_link(device: str, baudrate: int = 9600) -> ZvtLink:
    # ZVT on RS-232: 8 data bits, no parity, two stop bits.
    transport = SerialTransport(device, baudrate)
    return SerialLink(transport)


class ZvtTerminal(CardTerminal):
    def __init__(
        self,
        link_factory: Callable[[], ZvtLink],
        password: str,
        *,
        config: int = commands.DEFAULT_CONFIG,
        ack_timeout: float = T3_ACK_TIMEOUT,
        overall_timeout: float = OVERALL_TIMEOUT,
    ) -> None:
        commands.password_bytes(password)  # refuse a malformed password before any connection
        self.link_factory = link_factory
        self.password = password
        self.config = config
        self.ack_timeout = ack_timeout
        self.overall_timeout = overall_timeout
        self._lock = threading.Lock()  # one command at a time per terminal
        self._abort = threading.Event()

    def run(self, command: Apdu, on_event: EventHandler | None = None, *, register: bool = True) -> Result:
        with self._lock:
            self._abort.clear()
            link = self.link_factory()
            try:
                try:
                    link.open()
                except LinkError as exc:
                    return Result(command.command, Outcome.NOT_SENT, error=str(exc))
                dialog = Dialog(link, ack_timeout=self.ack_timeout, overall_timeout=self.overall_timeout)
                if register:
                    logon = dialog.run(commands.registration(self.password, self.config))
                    if logon.outcome is not Outcome.COMPLETED:
                        code = f" ({logon.result_code:02X})" if logon.result_code is not None else ""
                        detail = logon.error or f"registration {logon.outcome.value}{code}"
                        return Result(command.command, Outcome.NOT_SENT, result_code=logon.result_code, error=detail)
                if self._abort.is_set():
                    return Result(command.command, Outcome.NOT_SENT, error="aborted before it was sent")
                dialog = Dialog(
                    link, ack_timeout=self.ack_timeout, overall_timeout=self.overall_timeout, abort=self._abort
                )
                return dialog.run(command, on_event)
            finally:
                link.close()

    def request_abort(self) -> None:
        """Honoured once the command is sent; before that the command is not sent at all."""
        self._abort.set()

    def test(self) -> Result:
        return self.register()

    def register(self) -> Result:
        """Log on only: the back office's connection test."""
        with self._lock:
            link = self.link_factory()
            try:
                try:
                    link.open()
                except LinkError as exc:
                    return Result(commands.REGISTRATION, Outcome.NOT_SENT, error=str(exc))
                dialog = Dialog(link, ack_timeout=self.ack_timeout, overall_timeout=self.overall_timeout)
                return dialog.run(commands.registration(self.password, self.config))
            finally:
                link.close()

    def pay(self, cents: int, on_event: EventHandler | None = None) -> Result:
        return self.run(commands.authorization(cents), on_event)

    def refund(self, cents: int, on_event: EventHandler | None = None) -> Result:
        return self.run(commands.refund(self.password, cents), on_event)

    def reverse(self, receipt_number: int, on_event: EventHandler | None = None) -> Result:
        return self.run(commands.reversal(self.password, receipt_number), on_event)

    def end_of_day(self, on_event: EventHandler | None = None) -> Result:
        return self.run(commands.end_of_day(self.password), on_event)

    def repeat_receipt(self, on_event: EventHandler | None = None) -> Result:
        return self.run(commands.repeat_receipt(self.password), on_event)

    def status_enquiry(self, on_event: EventHandler | None = None) -> Result:
        return self.run(commands.status_enquiry(self.password), on_event)

    def log_off(self) -> Result:
        return self.run(commands.log_off(), register=False)
