"""The peripheral runner: the store node's scanners and pole displays, each on its own thread.

- A scanner (serial, evdev, virtual pty) is opened with :mod:`kasse.hardware.scanners`; each scan is
  published to the bound register's Channels group (:func:`kasse.peripherals.bus.publish_scan`). A
  serial scanner that disappears is reopened by its reader with backoff; one that cannot be opened
  at all (no device, no permission) is tried again by the runner with backoff. Nothing here
  raises into the node. Every wait after a failure follows :class:`kasse.core.backoff.Backoff`, and
  every thread here is a :class:`kasse.core.supervisor.Supervisor` (docs/devices.md).
- A pole display has a worker thread with a one-frame mailbox: a new frame replaces one not yet
  shown (stale frames are dropped, the latest wins), so a slow or unplugged display never holds up
  a request. A write error closes the port; the worker reopens it with backoff and shows the latest
  frame again.
- The runner re-reads the configuration every ``refresh_seconds`` (and at once after a change
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

from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.core.backoff import Backoff, Failures
from kasse.core.pool import SupervisedWorker
from kasse.core.supervisor import Health, Supervisor
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


# Devices on the LAN or a cable come back quickly: start at a quarter second, never wait more than 8 s.
DEVICE_BACKOFF = Backoff(initial=0.25, maximum=8.0)


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
        return cls(
            scanner.pk,
            scanner.organization_id,
            scanner.register_id,
            scanner.name,
            scanner.connection,
            scanner.serial_device,
            scanner.baud_rate,
            scanner.input_device,
            scanner.strip_symbology_id,
            scanner.gs_substitute,
        )


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
        self._failures = Failures(backoff)
        self._next_try = 0.0

    def _open(self) -> ScannerDevice:
        config = self.config
        cleanup = CodeCleanup(aim_ids=config.strip_symbology_id, gs_substitute=config.gs_substitute or None)
        if config.connection == ScannerConnection.EVDEV:
            return EvdevScanner(
                config.input_device,
                cleanup=cleanup,
                on_scan=self._on_scan,
                backoff_initial=self.backoff.initial,
                backoff_max=self.backoff.maximum,
            )
        port = config.serial_device
        if config.connection == ScannerConnection.VIRTUAL:
            if self.virtual is None:
                self.virtual = VirtualSerialScanner()
            port = self.virtual.port
        return SerialScanner(
            port,
            config.baud_rate,
            cleanup=cleanup,
            on_scan=self._on_scan,
            backoff_initial=self.backoff.initial,
            backoff_max=self.backoff.maximum,
        )

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
            self._next_try = now + self._failures.failed()
            logger.warning("scanner %s cannot be opened (%s); trying again", self.config.name, exc)
            return
        self.device = device
        self._failures.succeeded()

    def _on_scan(self, event: ScanEvent) -> None:
        self.last_code = event.code
        self.last_at = event.received_at
        self.scans += 1
        bus.publish_scan(
            self.config.register_id,
            {
                "code": event.code,
                "scanner": self.config.name,
                "symbology": event.symbology_id or "",
            },
        )

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
        states.save_scanner_state(
            self.config.organization_id,
            self.config.id,
            state=self.state,
            detail=detail,
            last_code=self.last_code,
            last_at=self.last_at,
            port=self.virtual.port if self.virtual else "",
        )

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
        return cls(
            display.pk,
            display.organization_id,
            display.register_id,
            display.name,
            display.serial_device,
            display.baud_rate,
            display.code_page,
            display.organization.language,
        )


DisplayOpener = Callable[[DisplayConfig], PoleDisplayDevice]


def open_serial_display(config: DisplayConfig) -> PoleDisplayDevice:
    return PoleDisplayDevice.serial(config.serial_device, config.baud_rate, code_page=CODE_PAGES[config.code_page])


class DisplayUnavailable(Exception):
    """The pole display cannot be opened (its supervisor tries again with backoff)."""


class DisplayWorker(SupervisedWorker):
    """Writes frames to one pole display on its own :class:`Supervisor` thread; ``submit`` never waits."""

    def __init__(self, config: DisplayConfig, *, opener: DisplayOpener, backoff: Backoff) -> None:
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
        self.supervisor = Supervisor(
            f"pole-display-{config.id}",
            self._step,
            backoff=backoff,
            idle_seconds=1.0,
            on_exit=self._close,
            quiet=(DisplayUnavailable,),
        )

    def submit(self, frame: Frame) -> None:
        with self._lock:
            if self._pending is not None:
                self.frames_dropped += 1
            self._pending = frame
            self._current = frame
        self.supervisor.wake()

    def _take(self) -> Frame | None:
        with self._lock:
            frame, self._pending = self._pending, None
            return frame

    def _close(self) -> None:
        device, self.device = self.device, None
        if device is not None:
            with contextlib.suppress(Exception):
                device.close()

    def _connect(self) -> None:
        try:
            device = self.opener(self.config)
            device.initialise()
        except Exception as exc:  # serial.SerialException is an OSError; anything else must not kill us
            self.error = f"{type(exc).__name__}: {exc}"
            raise DisplayUnavailable(f"pole display {self.config.name} unavailable ({self.error})") from exc
        self.device = device
        self.error = ""
        with self._lock:  # a fresh (or replugged) display shows what it should be showing now
            if self._pending is None and self._current is not None:
                self._pending = self._current

    def _step(self) -> float | None:
        """Open the display if needed, show the newest frame; ``None``: wait for one (up to a second)."""
        if self.device is None:
            self._connect()
        frame = self._take()
        if frame is None:
            return None
        assert self.device is not None
        lines = render(self.device, frame)
        try:
            self.device.show(*lines)
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            logger.warning("pole display %s lost (%s); reconnecting", self.config.name, exc)
            self._close()
            return 0.0  # _connect puts the current frame back
        self.shown = lines
        self.shown_at = timezone.now()
        self.frames_shown += 1
        return 0.0

    @property
    def state(self) -> str:
        if self.device is not None:
            return DeviceHealth.CONNECTED
        return DeviceHealth.ERROR if self.error else DeviceHealth.DISCONNECTED

    def save_status(self) -> None:
        states.save_display_state(
            self.config.organization_id,
            self.config.id,
            state=self.state,
            detail=self.error,
            lines=self.shown or (),
            last_at=self.shown_at,
        )


# --- the runner --------------------------------------------------------------------------------------


@dataclass(eq=False)
class PeripheralRunner:
    """Runs the active scanners and pole displays of ``store_ids`` (None: all) until stopped."""

    store_ids: list[Any] | None = None
    refresh_seconds: float = 5.0
    status_seconds: float = 1.0
    backoff: Backoff = DEVICE_BACKOFF
    display_opener: DisplayOpener = open_serial_display
    scanners: dict[uuid.UUID, ScannerHandle] = field(default_factory=dict)
    displays: dict[uuid.UUID, DisplayWorker] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._by_register: dict[uuid.UUID, tuple[DisplayWorker, ...]] = {}
        self._tests_seen: dict[uuid.UUID, datetime | None] = {}
        self._supervisor = Supervisor(
            "peripheral-runner", self._step, backoff=self.backoff, idle_seconds=0.0, database=True
        )
        self._started = False
        self._sync_due = False
        self._last_sync = 0.0

    # lifecycle --------------------------------------------------------------------------------------

    def start(self) -> PeripheralRunner:
        if self._started:
            return self
        self._started = True
        self._last_sync = time.monotonic()
        try:  # the node starts anyway when the database or the cache is not ready; the supervisor retries
            self.sync()
            self.tick()
        except Exception:
            logger.exception("peripheral runner: first start failed; retrying in the background")
            self._sync_due = True
        bus.add_runner(self)
        self._supervisor.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        bus.remove_runner(self)
        self._supervisor.stop(timeout)
        self._started = False
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
        self._sync_due = True
        self._supervisor.wake()

    @property
    def alive(self) -> bool:
        """The supervisor still runs (nothing a device did has stopped it)."""
        return self._supervisor.is_alive()

    def health(self) -> list[Health]:
        """The runner's own supervisor and each pole display's."""
        with self._lock:
            workers = list(self.displays.values())
        return [self._supervisor.health()] + [worker.supervisor.health() for worker in workers]

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
                "organization"
            )
            if self.store_ids is not None:
                scanners = scanners.filter(store_id__in=self.store_ids)
                displays = displays.filter(store_id__in=self.store_ids)
            return (
                [ScannerConfig.of(s) for s in scanners],
                [(DisplayConfig.of(d), d.test_requested_at) for d in displays],
            )

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
            if isinstance(item, DisplayWorker):
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

    def _step(self) -> float:
        """Every ``status_seconds`` (or at once after a change): re-read the configuration when due, then
        :meth:`tick` (the runner's supervisor; a failed tick is tried again with backoff)."""
        self._supervisor.wait(self.status_seconds)
        if self._supervisor.stopping.is_set():
            return 0.0
        if self._sync_due or time.monotonic() - self._last_sync >= self.refresh_seconds:
            self._sync_due = False
            self._last_sync = time.monotonic()
            try:
                self.sync()
            except Exception:  # the devices that run keep running; the status below is still saved
                logger.exception("peripheral runner: cannot read the configuration")
        self.tick()
        return 0.0
