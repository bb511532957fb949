"""USB HID scanner decoding with a US layout, from synthetic key events (no real input device)."""

import os
import time
from types import SimpleNamespace

import pytest

from kasse.hardware.scanners import evdev_scanner
from kasse.hardware.scanners.base import ScannerError
from kasse.hardware.scanners.evdev_scanner import EvdevScanner
from kasse.hardware.scanners.keymap import US_LAYOUT, KeyDecoder

SHIFT, ENTER = 42, 28
KEYS = {"Z": 44, "W": 17, "I": 23, "E": 18, "B": 48, "A": 30, "C": 46, "K": 37, "-": 12, "Y": 21, "1": 2}


def press(code):
    return [(code, 1), (code, 0)]


def typed(text):
    events = []
    for char in text:
        code = KEYS[char.upper()]
        if char.isupper():
            events += [(SHIFT, 1), *press(code), (SHIFT, 0)]
        else:
            events += press(code)
    return [*events, *press(ENTER)]


ZWIEBACK = typed("Zwieback-ZY1")


def test_key_events_decode_to_the_code_with_us_layout():
    decoder = KeyDecoder()

    results = [decoder.feed(code, value) for code, value in ZWIEBACK]

    assert [r for r in results if r is not None] == ["Zwieback-ZY1"]


def test_autorepeat_and_unknown_keys_are_ignored_and_overlong_is_discarded():
    decoder = KeyDecoder(max_length=4)
    assert [decoder.feed(c, v) for c, v in [(2, 1), (2, 2), (2, 0), (125, 1), *press(ENTER)]][-2] == "1"
    overlong = [e for _ in range(6) for e in press(2)] + press(ENTER)
    assert [r for r in (decoder.feed(c, v) for c, v in overlong) if r] == []
    assert decoder.discarded == 1


def test_us_layout_matches_the_kernel_key_codes():
    ecodes = pytest.importorskip("evdev").ecodes
    assert US_LAYOUT[ecodes.KEY_Z] == ("z", "Z")
    assert US_LAYOUT[ecodes.KEY_Y] == ("y", "Y")
    assert US_LAYOUT[ecodes.KEY_MINUS] == ("-", "_")
    assert (ecodes.KEY_ENTER, ecodes.KEY_LEFTSHIFT) == (ENTER, SHIFT)


class FakeInputDevice:
    """Stands in for evdev.InputDevice (the kernel boundary): a pipe makes it selectable."""

    def __init__(self, batches):
        self._read_fd, self._write_fd = os.pipe()
        self.fd = self._read_fd
        self.path = "/dev/input/event-fake"
        self._batches = list(batches)
        self.grabbed = False
        for _ in self._batches:
            os.write(self._write_fd, b"x")

    def grab(self):
        self.grabbed = True

    def ungrab(self):
        self.grabbed = False

    def read(self):
        os.read(self._read_fd, 1)
        return [SimpleNamespace(type=1, code=c, value=v) for c, v in self._batches.pop(0)]

    def close(self):
        os.close(self._read_fd)
        os.close(self._write_fd)


def test_evdev_scanner_grabs_the_device_and_emits_on_enter():
    device = FakeInputDevice([ZWIEBACK[:10], ZWIEBACK[10:]])
    scanner = EvdevScanner(device, poll_interval=0.02)
    try:
        scanner.start()
        assert device.grabbed
        event = scanner.get(timeout=2)
    finally:
        scanner.stop()
        device.close()
    assert event is not None
    assert event.code == "Zwieback-ZY1"
    assert event.source == "hid:/dev/input/event-fake"
    assert not device.grabbed


def test_missing_evdev_gives_a_clear_error(monkeypatch):
    def no_evdev():
        raise ScannerError("USB HID scanners need the 'evdev' package (Linux only): pip install evdev")

    monkeypatch.setattr(evdev_scanner, "_evdev", no_evdev)
    with pytest.raises(ScannerError, match="evdev"):
        EvdevScanner("Honeywell").start()


def test_unreadable_device_names_the_input_group(monkeypatch):
    class DeniedEvdev:
        @staticmethod
        def InputDevice(path):  # noqa: N802 - mirrors evdev's class name
            raise PermissionError(13, "Permission denied", path)

        @staticmethod
        def list_devices():
            return []

    monkeypatch.setattr(evdev_scanner, "_evdev", lambda: DeniedEvdev)
    with pytest.raises(ScannerError, match="'input' group"):
        EvdevScanner("/dev/input/event7").start()


def test_unknown_device_name_is_a_clear_error():
    pytest.importorskip("evdev")
    started = time.monotonic()
    with pytest.raises(ScannerError, match="no .*input device"):
        EvdevScanner("no-such-scanner-kasse").start()
    assert time.monotonic() - started < 5


def test_unplugged_device_ends_the_reader_without_hanging():
    class Unplugged(FakeInputDevice):
        def read(self):
            raise OSError(19, "No such device")

    device = Unplugged([[]])
    scanner = EvdevScanner(device, poll_interval=0.02)
    try:
        scanner.start()
        deadline = time.monotonic() + 2
        while scanner.running and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not scanner.running
        assert not device.grabbed
    finally:
        scanner.stop()
        device.close()
