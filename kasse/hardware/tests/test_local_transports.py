"""Serial and device-file transports against a pseudo terminal; USB and Bluetooth fail clearly."""

import os
import select
import socket
import tty

import pytest

from kasse.hardware.printers.base import ReceiptDocument
from kasse.hardware.printers.escpos_printer import EscPosPrinter
from kasse.hardware.printers.profiles import GENERIC_58
from kasse.hardware.printers.status import Health
from kasse.hardware.transports.base import TransportError
from kasse.hardware.transports.bluetooth import BluetoothTransport, bluetooth_available
from kasse.hardware.transports.device_file import DeviceFileTransport
from kasse.hardware.transports.serial_port import SerialTransport


@pytest.fixture
def pty_pair():
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    os.close(slave)
    os.close(master)


def read_all(fd, expected_len, timeout=2.0):
    data = b""
    while len(data) < expected_len:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            break
        data += os.read(fd, 65536)
    return data


def test_serial_transport_sends_and_reads(pty_pair):
    master, name = pty_pair
    printer = EscPosPrinter(SerialTransport(name, 19200, timeout=1), GENERIC_58)
    doc = ReceiptDocument().text("Käse 2,99 €")
    expected = printer.render(doc)
    with printer.transport:
        printer.print_document(doc)
        assert read_all(master, len(expected)) == expected
        os.write(master, b"\x12")
        assert printer.transport.read(1, timeout=1) == b"\x12"
        assert printer.transport.read(1, timeout=0.1) == b""
    assert not printer.transport.is_open


def test_serial_status_with_no_answer_is_unknown(pty_pair):
    _, name = pty_pair
    status = EscPosPrinter(SerialTransport(name), GENERIC_58, status_timeout=0.2).status()
    assert status.health is Health.UNKNOWN


def test_serial_missing_port():
    with pytest.raises(TransportError, match="cannot open"):
        SerialTransport("/dev/does-not-exist-kasse").open()


def test_device_file_transport(pty_pair):
    master, name = pty_pair
    with DeviceFileTransport(name, timeout=1) as transport:
        transport.write(b"\x1b@hello\n")
        assert read_all(master, 8) == b"\x1b@hello\n"
        assert transport.read(1, timeout=0.1) == b""
        os.write(master, b"\x16")
        assert transport.read(1, timeout=1) == b"\x16"


def test_device_file_missing():
    with pytest.raises(TransportError, match="no such device"):
        DeviceFileTransport("/dev/usb/lp-kasse-missing").open()


def test_bluetooth_rejects_bad_address():
    with pytest.raises(ValueError, match="Bluetooth address"):
        BluetoothTransport("not-a-mac")


def test_bluetooth_without_support_fails_clearly(monkeypatch):
    monkeypatch.delattr(socket, "AF_BLUETOOTH", raising=False)
    assert not bluetooth_available()
    with pytest.raises(TransportError, match="no Bluetooth sockets"):
        BluetoothTransport("00:11:22:33:44:55").open()


def test_usb_without_pyusb_fails_clearly(monkeypatch):
    import builtins

    from kasse.hardware.transports.usb import UsbTransport

    real_import = builtins.__import__

    def no_usb(name, *args, **kwargs):
        if name == "usb" or name.startswith("usb."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_usb)
    with pytest.raises(TransportError, match="pyusb"):
        UsbTransport(0x04B8, 0x0E15).open()


def test_usb_device_not_found_or_no_backend():
    from kasse.hardware.transports.usb import UsbTransport

    with pytest.raises(TransportError, match=r"no such USB device|libusb"):
        UsbTransport(0xFFFE, 0xFFFE).open()
