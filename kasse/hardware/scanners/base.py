"""The `Scanner` interface: a background reader that turns raw scanner output into `ScanEvent`s.

Every scanner kind (serial, evdev, virtual) hands complete raw lines to `Scanner._emit`; the cleanup
here is shared so that a code looks the same whichever cable it came through:

- CR/LF (and NUL padding some Bluetooth modules add) are stripped;
- an AIM symbology identifier (`]E0` EAN-13, `]C1` GS1-128, `]d2` GS1 DataMatrix, `]Q3` GS1 QR ...),
  when the scanner is programmed to send one, is removed and reported on the event;
- a configured GS substitute (keyboard-wedge scanners lose 0x1D and can send e.g. `^]` or `|` instead)
  is turned back into GS, the separator biip expects.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

logger = logging.getLogger(__name__)

GS = "\x1d"
AIM_ID = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_STRIP = "\r\n\x00"


class ScannerError(Exception):
    """A scanner cannot be used (missing library, no permission, no such device); the message says why."""


@dataclass(frozen=True)
class ScanEvent:
    """One scanned code as the register receives it."""

    code: str
    source: str
    received_at: datetime
    symbology_id: str | None = None  # the AIM identifier that preceded the code, e.g. "]E0"


@dataclass(frozen=True)
class CodeCleanup:
    """How raw scanner output becomes a code.

    `aim_ids`: the scanner sends AIM symbology identifiers (strip and report them). When False a leading
    `]` stays part of the code, because some codes really start with one.
    `gs_substitute`: the text the scanner sends instead of GS (0x1D); it is replaced by GS.
    """

    aim_ids: bool = True
    gs_substitute: str | None = None


def clean_code(raw: str, cleanup: CodeCleanup = CodeCleanup()) -> tuple[str, str | None]:  # noqa: B008
    """Return (code, AIM symbology id or None) for one raw line."""
    code = raw.strip(_STRIP)
    symbology: str | None = None
    if cleanup.aim_ids:
        match = AIM_ID.match(code)
        if match:
            symbology = match.group(0)
            code = code[match.end() :]
    if cleanup.gs_substitute:
        code = code.replace(cleanup.gs_substitute, GS)
    return code, symbology


ScanCallback = Callable[[ScanEvent], None]


class Scanner(ABC):
    """A scanner read on a background thread.

    Use either a callback (`on_scan`, called on the reader thread; keep it short) or pull events with
    `get()` / `events()`. The internal queue is bounded: when nobody pulls, the oldest scans are dropped
    with a log line rather than growing without limit.
    """

    queue_size = 256

    def __init__(self, *, source: str, cleanup: CodeCleanup | None = None, on_scan: ScanCallback | None = None) -> None:
        self.source = source
        self.cleanup = cleanup or CodeCleanup()
        self.on_scan = on_scan
        self._events: queue.Queue[ScanEvent] = queue.Queue(maxsize=self.queue_size)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run_guarded, name=f"scanner:{self.source}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> Scanner:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # consuming -------------------------------------------------------------------------------

    def get(self, timeout: float | None = None) -> ScanEvent | None:
        """The next scan, or None when none arrives within `timeout` seconds."""
        try:
            return self._events.get(timeout=timeout)
        except queue.Empty:
            return None

    def events(self, timeout: float = 0.5) -> Iterator[ScanEvent]:
        """Yield scans until `stop()`; wakes up every `timeout` seconds to notice the stop."""
        while not self._stop.is_set():
            event = self.get(timeout)
            if event is not None:
                yield event

    # for subclasses ---------------------------------------------------------------------------

    @abstractmethod
    def _run(self, stop: threading.Event) -> None:
        """Read until `stop` is set, calling `_emit` for each complete raw line."""

    def _run_guarded(self) -> None:
        try:
            self._run(self._stop)
        except Exception:
            logger.exception("scanner %s stopped after an unexpected error", self.source)

    def _emit(self, raw: str) -> ScanEvent | None:
        code, symbology = clean_code(raw, self.cleanup)
        if not code:
            return None
        event = ScanEvent(code=code, source=self.source, received_at=datetime.now(UTC), symbology_id=symbology)
        if self.on_scan is not None:
            try:
                self.on_scan(event)
            except Exception:
                logger.exception("scan callback failed for %s", self.source)
            return event
        for _ in range(3):  # one producer: dropping the oldest once makes room
            try:
                self._events.put_nowait(event)
                break
            except queue.Full:
                try:
                    dropped = self._events.get_nowait()
                    logger.warning("scanner %s: queue full, dropped unread scan %r", self.source, dropped.code)
                except queue.Empty:
                    pass
        return event
