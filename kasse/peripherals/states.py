"""What the peripheral runner saw of each scanner and pole display, kept as rows the back office reads.

The runner calls :func:`save_scanner_state` and :func:`save_display_state` every second; the row is
written when something changed (and every 45 s, so it stays fresh). On a store node it goes up to the
cloud in the same transaction by the rule of :mod:`kasse.sync.engine.device_states`: at once when the device
connects, disconnects or fails, within 5 s when only the last scan or the text shown changed, and every
45 s anyway. The back office shows a row younger than 90 s; an older one means no runner drives the device
any more.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.peripherals.models import DeviceHealth, PoleDisplayState, ScannerState
from kasse.sync.engine.device_states import StateReporter, check_state
from kasse.sync.engine.local import is_node

logger = logging.getLogger(__name__)

_scanners = StateReporter("scanner_state")
_displays = StateReporter("pole_display_state")


def check_scanner_state(values: dict[str, Any]) -> str:
    return check_state(values, device_field="scanner_id", status_field="state", allowed=DeviceHealth.values)


def check_display_state(values: dict[str, Any]) -> str:
    return check_state(values, device_field="display_id", status_field="state", allowed=DeviceHealth.values)


def save_scanner_state(
    organization_id: Any,
    scanner_id: uuid.UUID,
    *,
    state: str,
    detail: str,
    last_code: str,
    last_at: datetime | None,
    port: str,
) -> bool:
    """Store (and on a node send up) a scanner's state when it is due; True when it was written."""
    return _save(
        _scanners,
        ScannerState,
        "scanner_id",
        organization_id,
        scanner_id,
        (state, detail, port),
        (last_code, last_at),
        {"state": state, "detail": detail[:300], "last_code": last_code[:200], "last_at": last_at, "port": port[:255]},
    )


def save_display_state(
    organization_id: Any,
    display_id: uuid.UUID,
    *,
    state: str,
    detail: str,
    lines: tuple[str, ...],
    last_at: datetime | None,
) -> bool:
    """Store (and on a node send up) a pole display's state when it is due; True when it was written."""
    line1, line2 = (*lines, "", "")[:2]
    return _save(
        _displays,
        PoleDisplayState,
        "display_id",
        organization_id,
        display_id,
        (state, detail),
        (line1, line2, last_at),
        {"state": state, "detail": detail[:300], "line1": line1[:40], "line2": line2[:40], "last_at": last_at},
    )


def _save(
    reporter: StateReporter,
    model: type[ScannerState | PoleDisplayState],
    device_field: str,
    organization_id: Any,
    device_id: uuid.UUID,
    status: tuple[Any, ...],
    content: tuple[Any, ...],
    values: dict[str, Any],
) -> bool:
    send = is_node() and reporter.due(device_id, status, content)
    if not reporter.changed(device_id, (status, content)) and not send:
        return False
    values = {**values, "checked_at": timezone.now()}
    try:
        with scopes_disabled(), transaction.atomic():
            # The device's id is the state's id: a node's row meets the cloud's row of the same device.
            row, _created = model.objects.update_or_create(
                pk=device_id,
                defaults=values,
                create_defaults={"organization_id": organization_id, device_field: device_id, **values},
            )
            if send:
                reporter.send(row)
    except Exception:  # the device was deleted meanwhile, or the database is busy: try again next time
        reporter.forget(device_id)
        logger.warning("peripheral state of %s not saved", device_id, exc_info=True)
        return False
    return True
