"""`FakeReceiptPrinter`: keeps everything in memory for tests, like python-escpos's `Dummy`."""

from __future__ import annotations

from kasse.hardware.printers import escpos_render
from kasse.hardware.printers.base import DrawerPin, ReceiptDocument, ReceiptPrinter
from kasse.hardware.printers.profiles import GENERIC_58, PrinterProfile
from kasse.hardware.printers.status import PrinterStatus
from kasse.hardware.transports.base import TransportError

ONLINE = PrinterStatus(
    online=True, cover_open=False, paper_near_end=False, paper_out=False, error=False, drawer_open=False
)


class FakeReceiptPrinter(ReceiptPrinter):
    """Renders to real ESC/POS bytes and appends them to `output`; `fail_with` simulates an unreachable printer."""

    def __init__(self, profile: PrinterProfile = GENERIC_58, *, status: PrinterStatus = ONLINE) -> None:
        self.profile = profile
        self.output = bytearray()
        self.documents: list[ReceiptDocument] = []
        self.drawer_kicks: list[DrawerPin] = []
        self.current_status = status
        self.fail_with: str | None = None

    def _emit(self, data: bytes) -> None:
        if self.fail_with is not None:
            raise TransportError(self.fail_with)
        self.output += data

    def print_document(self, document: ReceiptDocument) -> None:
        self._emit(escpos_render.render(document, self.profile))
        self.documents.append(document)

    def cut(self, *, partial: bool = False) -> None:
        self._emit(escpos_render.end_of_receipt(self.profile, partial))

    def open_drawer(self, pin: DrawerPin = DrawerPin.PIN_2) -> None:
        self._emit(escpos_render.drawer_kick(pin))
        self.drawer_kicks.append(pin)

    def status(self) -> PrinterStatus:
        if self.fail_with is not None:
            return PrinterStatus.unknown(self.fail_with)
        return self.current_status

    def clear(self) -> None:
        self.output.clear()
        self.documents.clear()
        self.drawer_kicks.clear()
