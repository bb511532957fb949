"""EscPosPrinter over an in-memory transport, and the FakeReceiptPrinter."""

import pytest

from kasse.hardware.printers.base import DrawerPin, ReceiptDocument
from kasse.hardware.printers.escpos_printer import EscPosPrinter
from kasse.hardware.printers.fake import FakeReceiptPrinter
from kasse.hardware.printers.profiles import EPSON_TM_T20, get_profile
from kasse.hardware.printers.status import Health, PrinterStatus
from kasse.hardware.transports.base import TransportError
from kasse.hardware.transports.memory import MemoryTransport


def status_responder(data):
    return b"\x12" if data.startswith(b"\x10\x04") else b""


def test_escpos_printer_opens_per_job_and_writes_rendered_bytes():
    transport = MemoryTransport()
    printer = EscPosPrinter(transport, EPSON_TM_T20)
    doc = ReceiptDocument().text("Hallo")
    printer.print_document(doc)
    printer.cut(partial=True)
    printer.open_drawer(DrawerPin.PIN_2)
    # GS V 66 n: feed to the cutter + 3 mm (24 dots), partial cut
    assert bytes(transport.written) == (b"\x1b@\x1bt\x13Hallo\n" + b"\x1dVB\x18" + b"\x1bp\x00\x19\xfa")
    assert transport.opened == 3
    assert not transport.is_open


def test_status_over_memory_transport():
    printer = EscPosPrinter(MemoryTransport(responder=status_responder), EPSON_TM_T20)
    status = printer.status()
    assert status.health is Health.OK
    assert status.drawer_open is False


def test_stale_bytes_are_drained_before_status():
    transport = MemoryTransport(replies=[b"\xff\xff"], responder=status_responder)
    assert EscPosPrinter(transport, EPSON_TM_T20).status().health is Health.OK


def test_unreachable_printer_raises_on_print_but_not_on_status():
    printer = EscPosPrinter(MemoryTransport(fail_open=True), EPSON_TM_T20)
    with pytest.raises(TransportError):
        printer.print_document(ReceiptDocument().text("x"))
    assert printer.status().health is Health.UNKNOWN


def test_fake_printer_collects_bytes():
    fake = FakeReceiptPrinter()
    fake.print_document(ReceiptDocument().text("Ü"))
    fake.open_drawer(DrawerPin.PIN_5)
    assert bytes(fake.output) == b"\x1b@\x1bt\x13\x9a\n\x1bp\x01\x19\xfa"
    assert fake.drawer_kicks == [DrawerPin.PIN_5]
    assert len(fake.documents) == 1
    assert fake.status().health is Health.OK
    fake.current_status = PrinterStatus(online=False)
    assert fake.status().health is Health.FAULT
    fake.fail_with = "unplugged"
    with pytest.raises(TransportError, match="unplugged"):
        fake.cut()
    assert fake.status().health is Health.UNKNOWN


def test_profiles_lookup():
    assert get_profile("hprt-tp808").columns == 48
    assert get_profile("epson-tm-t88").columns == 42
    assert get_profile("generic-58").columns == 32
    with pytest.raises(KeyError, match="known"):
        get_profile("nope")
