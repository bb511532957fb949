"""One command's dialog with the terminal: send, wait for its ACK, then acknowledge and collect every message
it sends until completion or abort. The result says plainly whether the outcome is known.

Safety rules (docs/payments.md): nothing here ever sends a command twice; a link that breaks, a silence
past the timeout or noise after the command went out make the outcome UNKNOWN, never "failed".
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kasse.hardware.terminals.zvt import apdu as apdus
from kasse.hardware.terminals.zvt import commands, records
from kasse.hardware.terminals.zvt.apdu import Apdu
from kasse.hardware.terminals.zvt.codec import ZvtDecodeError
from kasse.hardware.terminals.zvt.link import LinkError, ZvtLink

log = logging.getLogger(__name__)

T3_ACK_TIMEOUT = 5.0  # the terminal answers a command with 80 00 00 within T3
OVERALL_TIMEOUT = 180.0  # silence after the ACK; restarted by every 04 FF and 04 0F


class Outcome(enum.Enum):
    COMPLETED = "completed"  # 06 0F: the terminal finished the command (see `status` for its result)
    ABORTED = "aborted"  # 06 1E: the command ended without success
    REFUSED = "refused"  # 84 xx instead of the ACK: the terminal did not start it
    NOT_SENT = "not_sent"  # the link could not be opened or the register not logged on: nothing reached it
    UNKNOWN = "unknown"  # sent, then the link broke, went silent or sent noise: the terminal may have done it


@dataclass(frozen=True)
class Receipt:
    receipt_type: int | None
    lines: tuple[str, ...]


@dataclass
class Result:
    command: int
    outcome: Outcome
    acknowledged: bool = False
    status: records.StatusInformation | None = None
    completion: records.Completion | None = None
    result_code: int | None = None  # of the abort or the refusal
    receipts: list[Receipt] = field(default_factory=list)
    intermediate: list[records.IntermediateStatus] = field(default_factory=list)
    error: str = ""

    @property
    def approved(self) -> bool:
        """The terminal reported success (04 0F with result 00), even if the link broke before 06 0F."""
        if self.outcome in (Outcome.ABORTED, Outcome.REFUSED, Outcome.NOT_SENT):
            return False
        if self.status is not None:
            return self.status.approved
        return self.outcome is Outcome.COMPLETED

    @property
    def known(self) -> bool:
        return self.outcome is not Outcome.UNKNOWN or self.status is not None


EventHandler = Callable[[records.Record], None]


class Dialog:
    """Runs commands over an open link; `request_abort()` from another thread sends 06 B0 once."""

    def __init__(
        self,
        link: ZvtLink,
        *,
        ack_timeout: float = T3_ACK_TIMEOUT,
        overall_timeout: float = OVERALL_TIMEOUT,
        abort: threading.Event | None = None,
    ) -> None:
        self.link = link
        self.ack_timeout = ack_timeout
        self.overall_timeout = overall_timeout
        self._abort = abort or threading.Event()
        self._abort_sent = False

    def request_abort(self) -> None:
        self._abort.set()

    def run(self, command: Apdu, on_event: EventHandler | None = None) -> Result:
        result = Result(command.command, Outcome.UNKNOWN)
        name = commands.NAMES.get(command.command, f"{command.command:04X}")
        try:
            self.link.send(command)
        except LinkError as exc:
            result.error = f"{name}: {exc}"
            return result
        try:
            first = self.link.receive(self.ack_timeout)
        except (LinkError, ZvtDecodeError) as exc:
            result.error = f"{name}: {exc}"
            return result
        if first is None:
            result.error = f"{name}: no acknowledgement within {self.ack_timeout:g} s"
            return result
        if apdus.is_negative(first):
            result.outcome, result.result_code = Outcome.REFUSED, first.instr
            return result
        result.acknowledged = True
        if command.command in commands.ANSWERED_BY_ACK and apdus.is_ack(first):
            result.outcome = Outcome.COMPLETED
            return result
        pending = None if apdus.is_ack(first) else first
        return self._follow(result, name, pending, on_event)

    def _follow(self, result: Result, name: str, pending: Apdu | None, on_event: EventHandler | None) -> Result:
        deadline = time.monotonic() + self.overall_timeout
        lines: list[str] = []
        while True:
            message = pending
            pending = None
            if message is None:
                if self._abort.is_set() and not self._abort_sent:
                    self._abort_sent = True
                    try:
                        self.link.send(commands.abort())
                    except LinkError as exc:
                        result.error = f"{name}: {exc}"
                        return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    result.error = f"{name}: the terminal went silent for {self.overall_timeout:g} s"
                    return result
                try:
                    message = self.link.receive(min(remaining, 0.5))
                except (LinkError, ZvtDecodeError) as exc:
                    result.error = f"{name}: {exc}"
                    self.link.close()
                    return result
                if message is None or apdus.is_ack(message):
                    continue  # 80 00 00 answers our 06 B0
            try:
                record = records.parse(message)
            except ZvtDecodeError as exc:
                result.error = f"{name}: {exc}"
                self.link.close()
                return result
            try:
                self.link.send(apdus.ACK)
            except LinkError as exc:
                result.error = f"{name}: {exc}"
                return result
            if isinstance(record, records.StatusInformation | records.IntermediateStatus):
                deadline = time.monotonic() + self.overall_timeout
            if isinstance(record, records.StatusInformation):
                result.status = record
            elif isinstance(record, records.IntermediateStatus):
                result.intermediate.append(record)
            elif isinstance(record, records.PrintTextBlock):
                result.receipts.append(Receipt(record.receipt_type, record.lines))
            elif isinstance(record, records.PrintLine):
                lines.append(record.text)
                if record.last:
                    result.receipts.append(Receipt(None, tuple(lines)))
                    lines = []
            if on_event is not None:
                try:
                    on_event(record)
                except Exception:  # a display that fails must not break the payment dialog
                    log.exception("zvt: event handler failed")
            if isinstance(record, records.Completion):
                result.outcome, result.completion = Outcome.COMPLETED, record
                return result
            if isinstance(record, records.Abort):
                result.outcome, result.result_code = Outcome.ABORTED, record.result_code
                return result
