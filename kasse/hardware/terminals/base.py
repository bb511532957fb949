"""The card terminal interface the store node drives; `zvt.terminal.ZvtTerminal` is the implementation."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kasse.hardware.terminals.zvt.client import EventHandler, Result


class CardTerminal(abc.ABC):
    """Each call opens the link, logs on, runs one command and closes; it never raises for a device fault:
    the result's outcome says what is known (and UNKNOWN when the terminal may have acted)."""

    @abc.abstractmethod
    def pay(self, cents: int, on_event: EventHandler | None = None) -> Result: ...

    @abc.abstractmethod
    def refund(self, cents: int, on_event: EventHandler | None = None) -> Result: ...

    @abc.abstractmethod
    def reverse(self, receipt_number: int, on_event: EventHandler | None = None) -> Result: ...

    @abc.abstractmethod
    def end_of_day(self, on_event: EventHandler | None = None) -> Result: ...

    @abc.abstractmethod
    def repeat_receipt(self, on_event: EventHandler | None = None) -> Result: ...

    @abc.abstractmethod
    def status_enquiry(self, on_event: EventHandler | None = None) -> Result: ...

    @abc.abstractmethod
    def log_off(self) -> Result:
        """Release the terminal (no log-on first): it works on its own until the next command logs on."""

    @abc.abstractmethod
    def test(self) -> Result:
        """Log on and nothing else: the connection test."""

    @abc.abstractmethod
    def request_abort(self) -> None:
        """Ask the running command to stop (06 B0); the terminal may ignore it."""
