"""Device states a store node reports up: printers, scanners, pole displays.

The node drives the shop's devices, the back office runs in the cloud, so what a device last said travels
up as a row whose id is the device's id (``printing.PrinterState``, ``peripherals.ScannerState``,
``peripherals.PoleDisplayState``). One rule for all of them:

- a row goes up when its **status** changed (connected, paper out, …), when only its **content** changed
  (the last scan, the text on a display) once ``CONTENT_REPORT_SECONDS`` have passed since the last report,
  and at least every ``REPORT_SECONDS`` — so the cloud's copy never goes stale while the node runs;
- a state older than ``STALE_AFTER`` counts as unknown wherever it is shown (nobody is asking any more:
  the node stopped or lost its line);
- a row is refused whole (in both directions, see ``SyncSpec.check``) when its status value is unknown or
  its id is not its device's id (texts longer than their column the ingestion refuses before).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.utils import timezone

from kasse.sync.engine.changes import record
from kasse.sync.engine.local import is_node

REPORT_SECONDS = 45.0  # below STALE_AFTER, so a running node's states never look stale in the cloud
CONTENT_REPORT_SECONDS = 5.0  # a scan or a display's text changes often; the cloud may lag that much
STALE_AFTER = timedelta(seconds=90)


def is_fresh(checked_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether a state checked at ``checked_at`` may be shown as the device's current state."""
    return checked_at is not None and (now or timezone.now()) - checked_at <= STALE_AFTER


class StateReporter:
    """Remembers what was last sent up per device and says when a state is due again (node only)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # the outbox record's kind
        self._sent: dict[Any, tuple[Hashable, Hashable, float]] = {}
        self._written: dict[Any, tuple[Hashable, float]] = {}
        self._lock = threading.Lock()

    def changed(self, device_id: Any, signature: Hashable) -> bool:
        """Whether the local row needs writing (it differs, or was written ``REPORT_SECONDS`` ago); notes it."""
        now = time.monotonic()
        with self._lock:
            last = self._written.get(device_id)
            if last is not None and last[0] == signature and now - last[1] < REPORT_SECONDS:
                return False
            self._written[device_id] = (signature, now)
            return True

    def due(self, device_id: Any, status: Hashable, content: Hashable = None) -> bool:
        """Whether the state (``status`` and ``content`` signatures) should go up now; notes it as sent."""
        now = time.monotonic()
        with self._lock:
            last = self._sent.get(device_id)
            if last is not None:
                last_status, last_content, sent_at = last
                age = now - sent_at
                if (
                    last_status == status
                    and (last_content == content or age < CONTENT_REPORT_SECONDS)
                    and age < REPORT_SECONDS
                ):
                    return False
            self._sent[device_id] = (status, content, now)
            return True

    def forget(self, device_id: Any) -> None:
        """The state could not be written: the next call is due at once."""
        with self._lock:
            self._sent.pop(device_id, None)
            self._written.pop(device_id, None)

    def send(self, state: models.Model) -> None:
        """On a node, ``state`` goes into the outbox (call inside the transaction that wrote it)."""
        if is_node():
            record(self.kind, [state])

    def report(self, state: models.Model, status: Hashable, content: Hashable = None) -> bool:
        """On a node, ``state`` goes into the outbox when due (call inside the transaction that wrote it)."""
        if not is_node() or not self.due(state.pk, status, content):  # a state's id is its device's id
            return False
        record(self.kind, [state])
        return True


def check_state(values: dict[str, Any], *, device_field: str, status_field: str, allowed: Iterable[str]) -> str:
    """Why a device state row may not be stored ('' when it may); the registry's ``check`` of each state table."""
    if status_field in values and values[status_field] not in set(allowed):
        return f"unknown {status_field} {values[status_field]!r}"
    if device_field in values and "id" in values and values["id"] != values[device_field]:
        return "a device state has its device's id"
    return ""
