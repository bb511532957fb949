"""`EscPosPrinter`: a printer profile, the ESC/POS renderer and a transport put together."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from kasse.hardware.printers import escpos_render
from kasse.hardware.printers.base import DrawerPin, ReceiptDocument, ReceiptPrinter
from kasse.hardware.printers.profiles import PrinterProfile
from kasse.hardware.printers.status import PrinterStatus, StatusKind, parse_status, status_query
from kasse.hardware.transports.base import Transport, TransportError

MAX_STALE_READS = 64  # bytes drained before a status query, so an old reply is not taken for the new one


class EscPosPrinter(ReceiptPrinter):
    """Connects per operation unless the transport is already open (RFCOMM allows one client at a time)."""

    def __init__(self, transport: Transport, profile: PrinterProfile, *, status_timeout: float = 1.0) -> None:
        self.transport = transport
        self.profile = profile
        self.status_timeout = status_timeout
        self.renderer = escpos_render.EscPosRenderer(profile)

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Transport]:
        if self.transport.is_open:
            yield self.transport
            return
        self.transport.open()
        try:
            yield self.transport
        finally:
            self.transport.close()

    def render(self, document: ReceiptDocument) -> bytes:
        return self.renderer.render(document)

    def send(self, data: bytes) -> None:
        with self._connection() as transport:
            transport.write(data)

    def print_document(self, document: ReceiptDocument) -> None:
        self.send(self.render(document))

    def cut(self, *, partial: bool = False) -> None:
        self.send(escpos_render.end_of_receipt(self.profile, partial))

    def open_drawer(self, pin: DrawerPin = DrawerPin.PIN_2) -> None:
        self.send(escpos_render.drawer_kick(pin))

    def status(self) -> PrinterStatus:
        try:
            with self._connection() as transport:
                for _ in range(MAX_STALE_READS):
                    if not transport.read(1, timeout=0):
                        break
                replies: dict[StatusKind, bytes | None] = {}
                for kind in StatusKind:
                    transport.write(status_query(kind))
                    replies[kind] = transport.read(1, timeout=self.status_timeout)
                    if kind is StatusKind.PRINTER and not replies[kind]:
                        break  # silent printer: do not wait three more timeouts
        except TransportError as exc:
            return PrinterStatus.unknown(str(exc))
        return parse_status(replies, drawer_open_signal_high=self.profile.drawer_open_signal_high)
