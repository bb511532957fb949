"""USB HID (keyboard-wedge) scanners on Linux, read through evdev.

The device is grabbed (`EVIOCGRAB`) so the scanner's keystrokes reach only kasse, not the focused
window. Reading `/dev/input/event*` needs the `input` group; a missing permission or a missing evdev
module becomes a `ScannerError` that says what to do. A device selected by path or name is reopened
with backoff after it is unplugged. Key codes are decoded with a US layout
(`keymap.py`), independent of the desktop's keyboard layout.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
from typing import Any

from kasse.hardware.scanners.base import CodeCleanup, ScanCallback, Scanner, ScannerError
from kasse.hardware.scanners.keymap import KeyDecoder

logger = logging.getLogger(__name__)

EV_KEY = 1
PERMISSION_HINT = (
    "add the user running kasse to the 'input' group (sudo usermod -aG input <user>) and log in again, "
    "or install a udev rule giving the scanner's event device to that user"
)


def _evdev() -> Any:
    try:
        import evdev
    except ImportError as exc:
        raise ScannerError("USB HID scanners need the 'evdev' package (Linux only): pip install evdev") from exc
    return evdev


def open_input_device(selector: str) -> Any:
    """Open an input device by path (`/dev/input/event3`, `/dev/input/by-id/...`) or by (part of) its name."""
    evdev = _evdev()
    try:
        if selector.startswith("/"):
            return evdev.InputDevice(selector)
        denied: list[str] = []
        for path in sorted(evdev.list_devices()):
            try:
                device = evdev.InputDevice(path)
            except PermissionError:
                denied.append(path)
                continue
            if selector.lower() in device.name.lower():
                return device
            device.close()
    except PermissionError as exc:
        raise ScannerError(f"no permission to read {selector}: {PERMISSION_HINT}") from exc
    except FileNotFoundError as exc:
        raise ScannerError(f"no input device {selector}") from exc
    if denied:
        raise ScannerError(
            f"no readable input device named like {selector!r}; {len(denied)} devices were not readable: "
            + PERMISSION_HINT
        )
    raise ScannerError(f"no input device named like {selector!r} (is the scanner in USB HID keyboard mode?)")


class EvdevScanner(Scanner):
    """A HID scanner. `device` is a path, a name to match, or an already opened evdev InputDevice."""

    def __init__(
        self,
        device: str | Any,
        *,
        grab: bool = True,
        poll_interval: float = 0.1,
        max_length: int = 256,
        backoff_initial: float = 0.5,
        backoff_max: float = 8.0,
        cleanup: CodeCleanup | None = None,
        on_scan: ScanCallback | None = None,
    ) -> None:
        name = device if isinstance(device, str) else getattr(device, "path", repr(device))
        super().__init__(source=f"hid:{name}", cleanup=cleanup, on_scan=on_scan)
        self._selector = device
        self.grab = grab
        self.poll_interval = poll_interval
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.decoder = KeyDecoder(max_length=max_length)
        self.device: Any = None

    def open(self) -> Any:
        """Open and grab the device now (raises ScannerError), so start() problems surface early."""
        if self.device is None:
            device = open_input_device(self._selector) if isinstance(self._selector, str) else self._selector
            if self.grab:
                try:
                    device.grab()
                except OSError as exc:
                    raise ScannerError(
                        f"cannot grab {self.source} ({exc}); another program (X server, another kasse) holds it"
                    ) from exc
            self.device = device
        return self.device

    def close(self) -> None:
        device, self.device = self.device, None
        if device is None:
            return
        if self.grab:
            with contextlib.suppress(OSError):
                device.ungrab()
        if isinstance(self._selector, str):
            with contextlib.suppress(OSError):
                device.close()

    def start(self) -> None:
        self.open()  # missing evdev, permissions or device raise here, in the caller's thread
        super().start()

    def handle_events(self, events: Any) -> None:
        for event in events:
            if event.type != EV_KEY:
                continue
            code = self.decoder.feed(event.code, event.value)
            if code is not None:
                self._emit(code)

    def _run(self, stop: threading.Event) -> None:
        delay = self.backoff_initial
        while not stop.is_set():
            try:
                device = self.open()
            except ScannerError as exc:
                if not isinstance(self._selector, str):
                    raise
                logger.warning("scanner %s unavailable (%s); retrying in %.2f s", self.source, exc, delay)
                if stop.wait(delay):
                    return
                delay = min(delay * 2, self.backoff_max)
                continue
            delay = self.backoff_initial
            try:
                self._read(device, stop)
            finally:
                self.close()
            if not isinstance(self._selector, str):
                return  # a device object handed in cannot be reopened

    def _read(self, device: Any, stop: threading.Event) -> None:
        while not stop.is_set():
            readable, _, _ = select.select([device.fd], [], [], self.poll_interval)
            if not readable:
                continue
            try:
                events = list(device.read())
            except BlockingIOError:
                continue
            except OSError as exc:  # unplugged: ENODEV
                logger.warning("scanner %s disappeared: %s", self.source, os.strerror(exc.errno or 0))
                return
            self.handle_events(events)
