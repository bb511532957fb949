"""`VirtualZvtTerminal`: a payment terminal on a TCP port that speaks ZVT like a real one.

It acknowledges every command, sends intermediate status (04 FF), status information (04 0F), receipts
(06 D3) and completion (06 0F) or abort (06 1E), waiting for the register's 80 00 00 after each. It keeps a
journal, so a repeat receipt (06 20) after a lost link tells the truth, a reversal (06 30) finds its payment
and an end-of-day (06 50) adds up what was booked.

Scenario switches (`scenario`, changeable while it runs): the result code of the next payment, and a fault
at one step of one command: drop the link (TCP reset), go silent, send noise, or refuse (84 xx). A payment
is booked when the terminal reaches the `status` step, as a real one is once the host approved; a fault at
`status` or later leaves a booked payment the register has not heard of.

Run it: `kasse zvt_simulator --port 20007` or `python -m kasse.hardware.virtual.zvt_terminal --port 20007`.
"""

from __future__ import annotations

import argparse
import enum
import logging
import socket
import threading
import time
from dataclasses import dataclass, field

from kasse.hardware.terminals.zvt import apdu as apdus
from kasse.hardware.terminals.zvt import bmp, commands
from kasse.hardware.terminals.zvt.apdu import Apdu
from kasse.hardware.terminals.zvt.codec import ZvtDecodeError, decode_bcd
from kasse.hardware.virtual import zvt_journal as journal
from kasse.hardware.virtual._tcp import TcpDeviceServer, abort

log = logging.getLogger(__name__)

GARBAGE = b"\x17\x99\x00\xfe\x01garbage\x00"


class Step(enum.Enum):
    ACK = "ack"  # the answer to the command
    INTERMEDIATE = "intermediate"  # while the customer deals with the card
    STATUS = "status"  # 04 0F (after booking)
    RECEIPT = "receipt"  # 06 D3
    COMPLETION = "completion"  # 06 0F or 06 1E


class Fault(enum.Enum):
    DROP = "drop"
    TIMEOUT = "timeout"
    GARBAGE = "garbage"
    NAK = "nak"  # 84 9A 00 instead of the message (at `ack`: the command refused)


@dataclass
class Scenario:
    result_code: int = 0  # of the next payment: 0 approves, anything else declines with that code
    fault: Fault | None = None
    fault_step: Step = Step.STATUS
    fault_command: int = commands.AUTHORIZATION
    fault_once: bool = True
    intermediate: tuple[int, ...] = (0x0A, 0x01, 0x04, 0x0B)  # insert card, PIN pad, host, remove card
    step_delay: float = 0.02
    card: journal.Card = field(default_factory=journal.Card)
    hang_seconds: float = 30.0  # how long a TIMEOUT stays silent (bounded)
    # Like terminals that reverse only their last transaction (Portalum.Zvt #24): any other gets B5
    reverse_last_only: bool = False


class _Dropped(Exception):
    """The scenario ended the conversation."""


class VirtualZvtTerminal(TcpDeviceServer):
    def __init__(self, port: int = 0, *, host: str = "127.0.0.1", password: str = "000000") -> None:  # noqa: S107 - a virtual terminal's factory setting
        super().__init__(host=host, port=port, max_connections=4, idle_timeout=60.0)
        self.password = password
        self.scenario = Scenario()
        self.journal = journal.Journal()
        self.received: list[Apdu] = []  # every command, in order (tests count the 06 01s)
        self.ack_timeout = 5.0
        self._abort_pending = False
        self._local = threading.local()

    def count(self, command: int) -> int:
        return sum(1 for a in self.received if a.command == command)

    # --- connection -----------------------------------------------------------------------------
    def handle_connection(self, conn: socket.socket) -> None:
        self._local.inbox = bytearray()  # bytes received but not yet handled, per connection
        while not self.stopping:
            command = self._next_apdu(conn, self.idle_timeout)
            if command is None:
                return
            if apdus.is_ack(command):
                continue
            self.received.append(command)
            try:
                self._dispatch(conn, command)
            except (_Dropped, OSError):
                return

    def _next_apdu(self, conn: socket.socket, timeout: float) -> Apdu | None:
        """The next APDU from the register; None on timeout or a closed link."""
        inbox: bytearray = self._local.inbox
        deadline = time.monotonic() + timeout
        while True:
            found = apdus.split(bytes(inbox))
            if found is not None:
                del inbox[: found[1]]
                return found[0]
            if time.monotonic() >= deadline or self.stopping:
                return None
            try:
                chunk = conn.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return None
            if not chunk:
                return None
            inbox += chunk

    def _fault_at(self, command: Apdu, step: Step) -> Fault | None:
        s = self.scenario
        if s.fault is None or s.fault_step is not step or s.fault_command != command.command:
            return None
        fault = s.fault
        if s.fault_once:
            s.fault = None
        return fault

    def _send(self, conn: socket.socket, command: Apdu, step: Step, message: Apdu) -> None:
        """Send one message (or the fault planned for this step) and wait for the register's 80 00 00."""
        fault = self._fault_at(command, step)
        if fault is Fault.DROP:
            abort(conn)
            raise _Dropped
        if fault is Fault.TIMEOUT:
            self._hang(conn)
            raise _Dropped
        if fault is Fault.GARBAGE:
            conn.sendall(GARBAGE)
            raise _Dropped
        if fault is Fault.NAK:
            message = apdus.negative(0x9A)
        time.sleep(self.scenario.step_delay)
        conn.sendall(message.encode())
        if step is Step.ACK:
            return
        self._await_ack(conn)

    def _await_ack(self, conn: socket.socket) -> None:
        """Wait for 80 00 00; a 06 B0 arriving meanwhile is answered and remembered."""
        deadline = time.monotonic() + self.ack_timeout
        while (remaining := deadline - time.monotonic()) > 0:
            message = self._next_apdu(conn, remaining)
            if message is None:
                break
            if apdus.is_ack(message):
                return
            if message.command == commands.ABORT_BY_ECR:
                self._note_abort(conn)
        raise _Dropped

    def _note_abort(self, conn: socket.socket) -> None:
        self.received.append(Apdu(0x06, 0xB0))
        self._abort_pending = True
        conn.sendall(apdus.ACK.encode())

    def _hang(self, conn: socket.socket) -> None:
        deadline = time.monotonic() + self.scenario.hang_seconds
        while time.monotonic() < deadline and not self.stopping:
            try:
                if not conn.recv(64):
                    return
            except TimeoutError:
                continue
            except OSError:
                return

    def _ack(self, conn: socket.socket, command: Apdu) -> None:
        self._send(conn, command, Step.ACK, apdus.ACK)

    # --- commands -------------------------------------------------------------------------------
    def _dispatch(self, conn: socket.socket, command: Apdu) -> None:
        handler = {
            commands.REGISTRATION: self._registration,
            commands.AUTHORIZATION: self._authorization,
            commands.REFUND: self._refund,
            commands.REVERSAL: self._reversal,
            commands.END_OF_DAY: self._end_of_day,
            commands.REPEAT_RECEIPT: self._repeat_receipt,
            commands.STATUS_ENQUIRY: self._status_enquiry,
            commands.LOG_OFF: self._log_off,
        }.get(command.command)
        if handler is None:
            conn.sendall(apdus.negative(0x83).encode())  # function not possible
            return
        needs_password = command.command not in (commands.AUTHORIZATION, commands.LOG_OFF)
        if needs_password and command.data[:3].hex() != self.password:
            conn.sendall(apdus.negative(0x83).encode())
            return
        try:
            handler(conn, command)
        except ZvtDecodeError:
            conn.sendall(apdus.negative(0x9A).encode())

    def _finish(self, conn: socket.socket, command: Apdu, result_code: int = 0) -> None:
        end = Apdu(0x06, 0x0F) if result_code == 0 else Apdu(0x06, 0x1E, bytes([result_code]))
        self._send(conn, command, Step.COMPLETION, end)

    def _registration(self, conn: socket.socket, command: Apdu) -> None:
        self._ack(conn, command)  # a real terminal ends a registration with its software version
        self._send(conn, command, Step.COMPLETION, journal.completion_with_version())

    def _log_off(self, conn: socket.socket, command: Apdu) -> None:
        self._ack(conn, command)  # as terminals do: the acknowledgement alone, no completion

    def _status_enquiry(self, conn: socket.socket, command: Apdu) -> None:
        self._ack(conn, command)
        self._send(conn, command, Step.COMPLETION, journal.completion_with_version())

    def _amount(self, data: bytes) -> int:
        for f in bmp.decode(data):
            if f.tag == bmp.AMOUNT:
                return decode_bcd(f.value)
        raise ZvtDecodeError("no amount")

    def _card_phase(self, conn: socket.socket, command: Apdu) -> bool:
        """The customer inserts the card and types the PIN; False when the register aborted (06 B0)."""
        for code in self.scenario.intermediate:
            self._send(conn, command, Step.INTERMEDIATE, Apdu(0x04, 0xFF, bytes([code])))
            if self._abort_requested(conn):
                self._finish(conn, command, 0x6C)
                return False
        return True

    def _abort_requested(self, conn: socket.socket) -> bool:
        if not self._abort_pending:
            message = self._next_apdu(conn, self.scenario.step_delay)
            if message is not None and message.command == commands.ABORT_BY_ECR:
                self._note_abort(conn)
        pending, self._abort_pending = self._abort_pending, False
        return pending

    def _book_and_report(self, conn: socket.socket, command: Apdu, booking: journal.Booking) -> None:
        self._send(conn, command, Step.STATUS, journal.status_information(booking))
        if booking.result_code == 0:
            for copy, kind in (("Händlerbeleg", 1), ("Kundenbeleg", 2)):
                self._send(conn, command, Step.RECEIPT, journal.text_block(journal.receipt_lines(booking, copy), kind))
        self._finish(conn, command, booking.result_code)

    def _authorization(self, conn: socket.socket, command: Apdu) -> None:
        cents = self._amount(command.data)
        self._ack(conn, command)
        if not self._card_phase(conn, command):
            return
        booking = self.journal.book("payment", cents, self.scenario.card, result_code=self.scenario.result_code)
        self._book_and_report(conn, command, booking)

    def _refund(self, conn: socket.socket, command: Apdu) -> None:
        cents = self._amount(command.data[3:])
        self._ack(conn, command)
        if not self._card_phase(conn, command):
            return
        self._book_and_report(conn, command, self.journal.book("refund", cents, self.scenario.card))

    def _reversal(self, conn: socket.socket, command: Apdu) -> None:
        receipt = next((decode_bcd(f.value) for f in bmp.decode(command.data, 3) if f.tag == bmp.RECEIPT_NUMBER), None)
        self._ack(conn, command)
        if not self._card_phase(conn, command):  # a girocard reversal asks for the card, like a payment
            return
        original = self.journal.find(receipt) if receipt is not None else None
        if original is None or (self.scenario.reverse_last_only and original is not self.journal.last):
            self._finish(conn, command, 0xB5)  # reversal not possible
            return
        if original.reversed:
            self._finish(conn, command, 0xB4)  # already reversed
            return
        original.reversed = True
        booking = self.journal.book("reversal", original.amount_cents, original.card, original=original.receipt)
        self._book_and_report(conn, command, booking)

    def _repeat_receipt(self, conn: socket.socket, command: Apdu) -> None:
        self._ack(conn, command)
        last = self.journal.last
        if last is None:
            self._finish(conn, command, 0x83)
            return
        self._book_and_report(conn, command, last)

    def _end_of_day(self, conn: socket.socket, command: Apdu) -> None:
        self._ack(conn, command)
        self._send(conn, command, Step.INTERMEDIATE, Apdu(0x04, 0xFF, bytes([0x04])))  # talking to the host
        bookings, trace = self.journal.settle()  # the day is closed once the host took it
        self._send(conn, command, Step.STATUS, journal.totals_status(bookings, trace))
        lines = journal.end_of_day_lines(bookings, trace)
        self._send(conn, command, Step.RECEIPT, journal.text_block(lines, 3))  # the administration receipt
        self._finish(conn, command)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A virtual ZVT payment terminal on a TCP port.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=20007)
    parser.add_argument("--password", default="000000")
    parser.add_argument("--result-code", type=lambda v: int(v, 0), default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    terminal = VirtualZvtTerminal(args.port, host=args.host, password=args.password)
    terminal.scenario.result_code = args.result_code
    terminal.start()
    log.info("virtual ZVT terminal on %s:%d (password %s)", args.host, terminal.port, args.password)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        terminal.stop()


if __name__ == "__main__":
    main()
