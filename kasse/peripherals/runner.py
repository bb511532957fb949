"""The peripheral runner: the store node's scanners and pole displays, each on its own thread.

- A scanner (serial, evdev, virtual pty) is opened with :mod:`kasse.hardware.scanners`; each scan is
  published to the bound register's Channels group (:func:`kasse.peripherals.bus.publish_scan`). A
  serial scanner that disappears is reopened by its reader with backoff; one that cannot be opened
  at all (no device, no permission) is tried again by the supervisor with backoff. Nothing here
  raises into the node.
- A pole display has a worker thread with a one-frame mailbox: a new frame replaces one not yet
  shown (stale frames are dropped, the latest wins), so a slow or unplugged display never holds up
  a request. A write error closes the port; the worker reopens it with backoff and shows the latest
  frame again.
- The supervisor re-reads the configuration every ``refresh_seconds`` (and at once after a change
  in this process) and looks at every device's status every ``status_seconds``; ``states`` stores it
  for the back office (and on a node sends it up to the cloud) when it changed, and every 45 s.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import close_old_connections, connections
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.hardware.displays import pole_display
from kasse.hardware.displays.pole_display import PoleDisplay as PoleDisplayDevice
from kasse.hardware.scanners.base import CodeCleanup, ScanEvent, ScannerError
from kasse.hardware.scanners.base import Scanner as ScannerDevice
from kasse.hardware.scanners.evdev_scanner import EvdevScanner
from kasse.hardware.scanners.serial_scanner import SerialScanner
from kasse.hardware.scanners.virtual_scanner import VirtualSerialScanner
from kasse.peripherals import bus, states
from kasse.peripherals.frames import Frame, render, test_frame
from kasse.peripherals.models import DeviceHealth, PoleDisplay, Scanner, ScannerConnection

logger = logging.getLogger(__name__)

TEST_MAX_AGE = timedelta(minutes=2)  # a test request older than this is not shown any more

CODE_PAGES = {
    "pc858": pole_display.PC858,
    "pc850": pole_display.PC850,
    "pc437": pole_display.PC437,
    "wpc1252": pole_display.WPC1252,
    "ascii": None,
}


@dataclass(frozen=True)
class Backoff:
    initial: float = 0.25
    maximum: float = 8.0


# --- scanners ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScannerConfig:
    id: uuid.UUID
    organization_id: uuid.UUID
    register_id: uuid.UUID
    name: str
    connection: str
    serial_device: str
    baud_rate: int
    input_device: str
    strip_symbology_id: bool
    gs_substitute: str

    @classmethod
    def of(cls, scanner: Scanner) -> ScannerConfig:
        return cls(scanner.pk, scanner.organization_id, scanner.register_id, scanner.name, scanner.connection,
                   scanner.serial_device, scanner.baud_rate, scanner.input_device, scanner.strip_symbology_id,
                   scanner.gs_substitute)


class ScannerHandle:
    """One configured scanner: opens it, keeps trying when it cannot, publishes its scans."""

    def __init__(self, config: ScannerConfig, backoff: Backoff) -> None:
        self.config = config
        self.backoff = backoff
        self.device: ScannerDevice | None = None
        self.virtual: VirtualSerialScanner | None = None
        self.error = ""
        self.last_code = ""
        self.last_at: datetime | None = None
        self.scans = 0
        self._delay = backoff.initial
        self._next_try = 0.0

    def _open(self) -> ScannerDevice:
        config = self.config
        cleanup = CodeCleanup(aim_ids=config.strip_symbology_id, gs_substitute=config.gs_substitute or None)
        if config.connection == ScannerConnection.EVDEV:
            return EvdevScanner(config.input_device, cleanup=cleanup, on_scan=self._on_scan,
                                backoff_initial=self.backoff.initial, backoff_max=self.backoff.maximum)
        port = config.serial_device
        if config.connection == ScannerConnection.VIRTUAL:
            if self.virtual is None:
                self.virtual = VirtualSerialScanner()
            port = self.virtual.port
        return SerialScanner(port, config.baud_rate, cleanup=cleanup, on_scan=self._on_scan,
                             backoff_initial=self.backoff.initial, backoff_max=self.backoff.maximum)

    def ensure_started(self, now: float) -> None:
        """Start the reader if it is not running (with backoff between failed attempts)."""
        if self.device is not None and self.device.running:
            return
        if now < self._next_try:
            return
        if self.device is not None:  # its thread ended (a bug or an evdev device handed in): start anew
            self.error = self.error or "the reader stopped"
            self.device = None
        try:
            device = self._open()
            device.start()
        except Exception as exc:  # ScannerError, OSError, or a driver's surprise: never the node's problem
            self.error = str(exc) if isinstance(exc, ScannerError | OSError) else f"{type(exc).__name__}: {exc}"
            self._next_try = now + self._delay
            self._delay = min(self._delay * 2, self.backoff.maximum)
            logger.warning("scanner %s cannot be opened (%s); trying again", self.config.name, exc)
            return
        self.device = device
        self._delay = self.backoff.initial

    def _on_scan(self, event: ScanEvent) -> None:
        self.last_code = event.code
        self.last_at = event.received_at
        self.scans += 1
        bus.publish_scan(self.config.register_id, {
            "code": event.code, "scanner": self.config.name, "symbology": event.symbology_id or "",
        })

    @property
    def state(self) -> str:
        """connected | disconnected (reopening after it went away) | error (cannot be opened)."""
        device = self.device
        if device is None or not device.running:
            return DeviceHealth.ERROR if self.error else DeviceHealth.DISCONNECTED
        if isinstance(device, SerialScanner):
            return DeviceHealth.CONNECTED if device.connected.is_set() else DeviceHealth.DISCONNECTED
        if isinstance(device, EvdevScanner):
            return DeviceHealth.CONNECTED if device.device is not None else DeviceHealth.DISCONNECTED
        return DeviceHealth.CONNECTED

    def save_status(self) -> None:
        device = self.device
        detail = self.error
        if isinstance(device, SerialScanner) and not device.connected.is_set():
            detail = device.last_error or detail
        elif self.state == DeviceHealth.CONNECTED:
            detail = ""
        states.save_scanner_state(self.config.organization_id, self.config.id, state=self.state, detail=detail,
                                  last_code=self.last_code, last_at=self.last_at,
                                  port=self.virtual.port if self.virtual else "")

    def stop(self) -> None:
        if self.device is not None:
            self.device.stop()
            self.device = None
        if self.virtual is not None:
            self.virtual.close()
            self.virtual = None


# --- pole displays -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DisplayConfig:
    id: uuid.UUID
    organization_id: uuid.UUID
    register_id: uuid.UUID
    name: str
    serial_device: str
    baud_rate: int
    code_page: str
    language: str

    @classmethod
    def of(cls, display: PoleDisplay) -> DisplayConfig:
        return cls(display.pk, display.organization_id, display.register_id, display.name, display.serial_device,
                   display.baud_rate, display.code_page, display.organization.language)


DisplayOpener = Callable[[DisplayConfig], PoleDisplayDevice]


def open_serial_display(config: DisplayConfig) -> PoleDisplayDevice:
    return PoleDisplayDevice.serial(config.serial_device, config.baud_rate, code_page=CODE_PAGES[config.code_page])


class DisplayWorker(threading.Thread):
    """Writes frames to one pole display; ``submit`` never waits."""

    def __init__(self, config: DisplayConfig, *, opener: DisplayOpener, backoff: Backoff) -> None:
        super().__init__(name=f"pole-display-{config.id}", daemon=True)
        self.config = config
        self.opener = opener
        self.backoff = backoff
        self.device: PoleDisplayDevice | None = None
        self.error = ""
        self.shown: tuple[str, str] | None = None
        self.shown_at: datetime | None = None
        self.frames_shown = 0
        self.frames_dropped = 0
        self._lock = threading.Lock()
        self._pending: Frame | None = None
        self._current: Frame | None = None  # shown again after a reconnect
        self._wake = threading.Event()
        self._stopping = threading.Event()

    def submit(self, frame: Frame) -> None:
        with self._lock:
            if self._pending is not None:
                self.frames_dropped += 1
            self._pending = frame
            self._current = frame
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def _take(self) -> Frame | None:
        with self._lock:
            frame, self._pending = self._pending, None
            return frame

    def _close(self) -> None:
        device, self.device = self.device, None
        if device is not None:
            with contextlib.suppress(Exception):
                device.close()

    def _connect(self) -> bool:
        try:
            device = self.opener(self.config)
            device.initialise()
        except Exception as exc:  # serial.SerialException is an OSError; anything else must not kill us
            self.error = f"{type(exc).__name__}: {exc}"
            return False
        self.device = device
        self.error = ""
        with self._lock:  # a fresh (or replugged) display shows what it should be showing now
            if self._pending is None and self._current is not None:
                self._pending = self._current
        return True

    def run(self) -> None:
        delay = self.backoff.initial
        while not self._stopping.is_set():
            if self.device is None:
                if not self._connect():
                    logger.warning("pole display %s unavailable (%s); retrying in %.2f s", self.config.name,
                                   self.error, delay)
                    if self._stopping.wait(delay):
                        break
                    delay = min(delay * 2, self.backoff.maximum)
                    continue
                delay = self.backoff.initial
            frame = self._take()
            if frame is None:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            assert self.device is not None
            lines = render(self.device, frame)
            try:
                self.device.show(*lines)
            except Exception as exc:
                self.error = f"{type(exc).__name__}: {exc}"
                logger.warning("pole display %s lost (%s); reconnecting", self.config.name, exc)
                self._close()
                continue  # _connect puts the current frame back
            self.shown = lines
            self.shown_at = timezone.now()
            self.frames_shown += 1
        self._close()

    @property
    def state(self) -> str:
        if self.device is not None:
            return DeviceHealth.CONNECTED
        return DeviceHealth.ERROR if self.error else DeviceHealth.DISCONNECTED

    def save_status(self) -> None:
        states.save_display_state(self.config.organization_id, self.config.id, state=self.state,
                                  detail=self.error, lines=self.shown or (), last_at=self.shown_at)


# --- the runner --------------------------------------------------------------------------------------

@dataclass(eq=False)
class PeripheralRunner:
    """Runs the active scanners and pole displays of ``store_ids`` (None: all) until stopped."""

    store_ids: list[Any] | None = None
    refresh_seconds: float = 5.0
    status_seconds: float = 1.0
    backoff: Backoff = field(default_factory=Backoff)
    display_opener: DisplayOpener = open_serial_display
    scanners: dict[uuid.UUID, ScannerHandle] = field(default_factory=dict)
    displays: dict[uuid.UUID, DisplayWorker] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._refresh = threading.Event()
        self._lock = threading.Lock()
        self._by_register: dict[uuid.UUID, tuple[DisplayWorker, ...]] = {}
        self._tests_seen: dict[uuid.UUID, datetime | None] = {}
        self._supervisor: threading.Thread | None = None

    # lifecycle --------------------------------------------------------------------------------------

    def start(self) -> PeripheralRunner:
        if self._supervisor is not None:
            return self
        self._stop.clear()
        try:  # the node starts anyway when the database or the cache is not ready; the supervisor retries
            self.sync()
            self.tick()
        except Exception:
            logger.exception("peripheral runner: first start failed; retrying in the background")
            self._refresh.set()
        bus.add_runner(self)
        self._supervisor = threading.Thread(target=self._supervise, name="peripheral-runner", daemon=True)
        self._supervisor.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        bus.remove_runner(self)
        self._stop.set()
        self._refresh.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout)
            self._supervisor = None
        with self._lock:
            handles = list(self.scanners.values())
            workers = list(self.displays.values())
            self.scanners.clear()
            self.displays.clear()
            self._by_register = {}
        for handle in handles:
            handle.stop()
        for worker in workers:
            worker.stop()
        for worker in workers:
            worker.join(timeout)

    def __enter__(self) -> PeripheralRunner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def refresh_soon(self) -> None:
        self._refresh.set()

    @property
    def alive(self) -> bool:
        """The supervisor still runs (nothing a device did has stopped it)."""
        return self._supervisor is not None and self._supervisor.is_alive()

    # pole displays ----------------------------------------------------------------------------------

    def has_display(self, register_id: uuid.UUID) -> bool:
        return register_id in self._by_register

    def show(self, register_id: uuid.UUID, frame: Frame) -> None:
        for worker in self._by_register.get(register_id, ()):
            worker.submit(frame)

    # configuration ----------------------------------------------------------------------------------

    def _read_configuration(self) -> tuple[list[ScannerConfig], list[tuple[DisplayConfig, datetime | None]]]:
        with scopes_disabled():
            scanners = Scanner.objects.filter(is_active=True, register__is_active=True)
            displays = PoleDisplay.objects.filter(is_active=True, register__is_active=True).select_related(
                "organization")
            if self.store_ids is not None:
                scanners = scanners.filter(store_id__in=self.store_ids)
                displays = displays.filter(store_id__in=self.store_ids)
            return ([ScannerConfig.of(s) for s in scanners],
                    [(DisplayConfig.of(d), d.test_requested_at) for d in displays])

    def sync(self) -> None:
        """Open new devices, close removed or switched-off ones, reopen changed ones; show test requests."""
        scanner_configs, display_rows = self._read_configuration()
        wanted_scanners = {c.id: c for c in scanner_configs}
        wanted_displays = {c.id: c for c, _test in display_rows}
        stopped: list[Any] = []
        with self._lock:
            for scanner_id, handle in list(self.scanners.items()):
                if wanted_scanners.get(scanner_id) != handle.config:
                    stopped.append(self.scanners.pop(scanner_id))
            for scanner_id, scanner_config in wanted_scanners.items():
                if scanner_id not in self.scanners:
                    self.scanners[scanner_id] = ScannerHandle(scanner_config, self.backoff)
            for display_id, worker in list(self.displays.items()):
                if wanted_displays.get(display_id) != worker.config or not worker.is_alive():
                    stopped.append(self.displays.pop(display_id))
            for display_id, config in wanted_displays.items():
                if display_id not in self.displays:
                    worker = DisplayWorker(config, opener=self.display_opener, backoff=self.backoff)
                    self.displays[display_id] = worker
                    worker.start()
            by_register: dict[uuid.UUID, list[DisplayWorker]] = {}
            for worker in self.displays.values():
                by_register.setdefault(worker.config.register_id, []).append(worker)
            self._by_register = {key: tuple(value) for key, value in by_register.items()}
        for item in stopped:
            item.stop()
        for item in stopped:  # the old worker lets go of the port before anyone opens it again
            if isinstance(item, DisplayWorker) and item is not threading.current_thread():
                item.join(2.0)
        self._show_test_requests(display_rows)

    def _show_test_requests(self, rows: list[tuple[DisplayConfig, datetime | None]]) -> None:
        now = timezone.now()
        for config, requested in rows:
            first_look = config.id not in self._tests_seen
            if requested == self._tests_seen.get(config.id) and not first_look:
                continue
            self._tests_seen[config.id] = requested
            if requested is None or now - requested > TEST_MAX_AGE:
                continue
            worker = self.displays.get(config.id)
            if worker is not None:
                worker.submit(test_frame(config.name, config.language))

    # supervision ------------------------------------------------------------------------------------

    def tick(self) -> None:
        """Start what is not running yet and save every device's status (``states`` decides when to write)."""
        now = time.monotonic()
        with self._lock:
            handles = list(self.scanners.values())
            workers = list(self.displays.values())
        for handle in handles:
            handle.ensure_started(now)
        for handle in handles:
            handle.save_status()
        for worker in workers:
            worker.save_status()

    def _supervise(self) -> None:
        last_sync = time.monotonic()
        try:
            while not self._stop.is_set():
                requested = self._refresh.wait(self.status_seconds)
                self._refresh.clear()
                if self._stop.is_set():
                    break
                if requested or time.monotonic() - last_sync >= self.refresh_seconds:
                    last_sync = time.monotonic()
                    close_old_connections()
                    try:
                        self.sync()
                    except Exception:
                        logger.exception("peripheral runner: cannot read the configuration")
                try:
                    self.tick()
                except Exception:
                    logger.exception("peripheral runner: status update failed")
        finally:
            connections.close_all()
