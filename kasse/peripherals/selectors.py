"""Reads for peripherals: the devices of each store and what the runner last saw (from the cache)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from kasse.peripherals.models import PoleDisplay, Scanner
from kasse.peripherals.runner import status_key
from kasse.tenancy.models import Store


@dataclass(frozen=True)
class DeviceStatus:
    code: str  # connected | waiting | error | unknown
    label: str
    level: str  # ok | warning | fault | unknown
    detail: str = ""
    last_code: str = ""
    last_at: datetime | None = None
    lines: tuple[str, ...] = ()
    port: str = ""


def _status(raw: dict[str, Any] | None) -> DeviceStatus:
    if not raw:
        return DeviceStatus("unknown", _("not running on this server"), "unknown")
    state = raw.get("state", "")
    label, level = {
        "connected": (_("connected"), "ok"),
        "waiting": (_("waiting for the device"), "warning"),
        "error": (_("cannot be opened"), "fault"),
    }.get(state, (_("status unknown"), "unknown"))
    last_at = parse_datetime(raw["last_at"]) if raw.get("last_at") else None
    return DeviceStatus(state or "unknown", label, level, str(raw.get("detail", "")), str(raw.get("last_code", "")),
                        last_at, tuple(raw.get("lines", ())), str(raw.get("port", "")))


def scanner_statuses(scanners: list[Scanner]) -> dict[Any, DeviceStatus]:
    found = cache.get_many([status_key("scanner", s.pk) for s in scanners])
    return {s.pk: _status(found.get(status_key("scanner", s.pk))) for s in scanners}


def display_statuses(displays: list[PoleDisplay]) -> dict[Any, DeviceStatus]:
    found = cache.get_many([status_key("display", d.pk) for d in displays])
    return {d.pk: _status(found.get(status_key("display", d.pk))) for d in displays}


def devices_by_store() -> list[dict[str, Any]]:
    """Per active store: its scanners and pole displays with their status."""
    stores = list(Store.objects.filter(is_active=True).order_by("number"))
    scanners = list(Scanner.objects.select_related("register").order_by("name"))
    displays = list(PoleDisplay.objects.select_related("register").order_by("name"))
    scanner_state = scanner_statuses(scanners)
    display_state = display_statuses(displays)
    return [{
        "store": store,
        "scanners": [{"scanner": s, "status": scanner_state[s.pk]} for s in scanners if s.store_id == store.pk],
        "displays": [{"display": d, "status": display_state[d.pk]} for d in displays if d.store_id == store.pk],
    } for store in stores]
