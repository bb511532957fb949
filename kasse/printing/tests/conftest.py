from __future__ import annotations

from collections.abc import Callable

import pytest
from django_scopes import scopes_disabled

from kasse.hardware.transports.base import TransportError
from kasse.hardware.transports.memory import MemoryTransport
from kasse.hardware.virtual.network_printer import PrinterState as VirtualState
from kasse.hardware.virtual.network_printer import status_byte
from kasse.printing.models import Printer, PrinterKind, RegisterPrinter


class FakePrinterLink(MemoryTransport):
    """A receipt printer behind a memory transport: answers DLE EOT from ``state`` (like the virtual printer),
    keeps what was printed, and fails to connect or breaks mid-job on request."""

    def __init__(self) -> None:
        super().__init__(responder=self._answer)
        self.state = VirtualState.ONLINE
        self.state_after_job: VirtualState | None = None
        self.refuse = False
        self.break_on_write = False
        self.printed: list[bytes] = []

    def _answer(self, data: bytes) -> bytes:
        if data.startswith(b"\x10\x04") and len(data) == 3:
            answer = status_byte(self.state, data[2])
            return b"" if answer is None else bytes([answer])
        return b""

    def open(self) -> None:
        if self.refuse:
            raise TransportError("tcp://127.0.0.1:9: connection refused (simulated)")
        super().open()

    def write(self, data: bytes) -> None:
        if not data.startswith(b"\x10\x04"):
            if self.break_on_write:
                self.close()
                raise TransportError("memory://: connection lost while sending (simulated)")
            self.printed.append(data)
            if self.state_after_job is not None:
                self.state = self.state_after_job
        super().write(data)


@pytest.fixture
def link() -> FakePrinterLink:
    return FakePrinterLink()


@pytest.fixture
def factory(link) -> Callable[[Printer], FakePrinterLink]:
    return lambda printer: link


@pytest.fixture
def receipt_printer(organization, store, register):
    with scopes_disabled():
        printer = Printer.objects.create(
            organization=organization,
            store=store,
            name="Bondrucker",
            kind=PrinterKind.RECEIPT,
            host="127.0.0.1",
            port=9,
            profile="generic-58",
        )
        RegisterPrinter.objects.create(organization=organization, register=register, printer=printer)
    return printer


@pytest.fixture
def label_printer(organization, store):
    with scopes_disabled():
        return Printer.objects.create(
            organization=organization,
            store=store,
            name="Etiketten",
            kind=PrinterKind.LABEL,
            host="127.0.0.1",
            port=9,
            label_language="tspl",
        )
