"""Reads for peripherals: the devices of each store, what their runner last reported, and the store node
that drives them (whose report the cloud shows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.peripherals.models import DeviceHealth, PoleDisplay, PoleDisplayState, Scanner, ScannerState
from kasse.sync.backoffice.selectors import serving_nodes
from kasse.sync.engine.device_states import is_fresh
from kasse.tenancy.models import Store


@dataclass(frozen=True)
class DeviceStatus:
    code: str  # connected | disconnected | error | unknown
    label: str
    level: str  # ok | warning | fault | unknown
    detail: str = ""
    last_code: str = ""
    last_at: datetime | None = None
    lines: tuple[str, ...] = ()
    port: str = ""
    checked_at: datetime | None = None


def _status(state: ScannerState | PoleDisplayState | None, now: datetime) -> DeviceStatus:
    if state is None or not is_fresh(state.checked_at, now):
        return DeviceStatus("unknown", _("status unknown: no report in the last 90 seconds"), "unknown")
    level = {"connected": "ok", "disconnected": "warning"}.get(state.state, "fault")
    label = DeviceHealth(state.state).label if state.state in DeviceHealth.values else _("status unknown")
    if isinstance(state, ScannerState):
        return DeviceStatus(
            state.state,
            str(label),
            level,
            state.detail,
            state.last_code,
            state.last_at,
            port=state.port,
            checked_at=state.checked_at,
        )
    lines = (state.line1, state.line2) if state.line1 or state.line2 else ()
    return DeviceStatus(
        state.state, str(label), level, state.detail, "", state.last_at, lines, checked_at=state.checked_at
    )


def _state(device: Scanner | PoleDisplay) -> Any:
    try:
        return device.state
    except (ScannerState.DoesNotExist, PoleDisplayState.DoesNotExist):
        return None


def devices_by_store() -> list[dict[str, Any]]:
    """Per active store: its scanners and pole displays with their status, and the node driving them."""
    now = timezone.now()
    stores = list(Store.objects.filter(is_active=True).order_by("number"))
    scanners = list(Scanner.objects.select_related("register", "state").order_by("name"))
    displays = list(PoleDisplay.objects.select_related("register", "state").order_by("name"))
    nodes = serving_nodes(stores)
    return [
        {
            "store": store,
            "node": nodes.get(store.pk),
            "scanners": [{"scanner": s, "status": _status(_state(s), now)} for s in scanners if s.store_id == store.pk],
            "displays": [{"display": d, "status": _status(_state(d), now)} for d in displays if d.store_id == store.pk],
        }
        for store in stores
    ]
