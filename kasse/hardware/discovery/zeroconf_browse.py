"""Browse mDNS/DNS-SD for network printers with python-zeroconf.

Printers that advertise themselves do so as `_pdl-datastream._tcp` (raw 9100), `_printer._tcp` (LPD)
or `_ipp._tcp`. Many low-cost ESC/POS printers do not advertise at all, so this complements the TCP
probe and manual entry. The interfaces to use are a parameter (a list of addresses such as
`["192.0.2.5"]`, or zeroconf's `InterfaceChoice`), and browsing stops after `wait` seconds.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ipaddress
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

PRINTER_SERVICE_TYPES = ("_pdl-datastream._tcp.local.", "_printer._tcp.local.", "_ipp._tcp.local.")
MAX_WAIT = 30.0


@dataclass(frozen=True)
class DiscoveredService:
    name: str
    service_type: str
    server: str = ""
    addresses: tuple[str, ...] = ()
    port: int | None = None
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def raw_escpos_candidate(self) -> bool:
        """A `_pdl-datastream` service is raw TCP printing, the way ESC/POS printers are driven."""
        return self.service_type.startswith("_pdl-datastream.")


@dataclass
class BrowseResult:
    services: list[DiscoveredService]
    reason: str = ""  # why the list may be incomplete or empty (zeroconf missing, socket errors)


def _decode(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


def browse_printers(
    *,
    interfaces: Sequence[str] | Any,
    wait: float = 3.0,
    service_types: Iterable[str] = PRINTER_SERVICE_TYPES,
    resolve_timeout: float = 1.0,
) -> BrowseResult:
    """Listen for printer services on `interfaces` for `wait` seconds (at most 30) and resolve them.

    python-zeroconf attaches to an event loop already running in the calling thread (and then
    blocks it); in that case the browse runs in a worker thread with zeroconf's own loop.
    """
    args = (interfaces, wait, list(service_types), resolve_timeout)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _browse(*args)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_browse, *args).result()


def _browse(
    interfaces: Sequence[str] | Any, wait: float, service_types: list[str], resolve_timeout: float
) -> BrowseResult:
    try:
        from zeroconf import ServiceBrowser, ServiceStateChange, Zeroconf
    except ImportError:
        return BrowseResult([], "python-zeroconf is not installed (pip install zeroconf)")
    types = list(service_types)
    wait = min(max(wait, 0.0), MAX_WAIT)
    found: dict[tuple[str, str], None] = {}
    lock = threading.Lock()

    def on_change(zeroconf: Any, service_type: str, name: str, state_change: Any) -> None:
        if state_change in (ServiceStateChange.Added, ServiceStateChange.Updated):
            with lock:
                found[(service_type, name)] = None

    try:
        zc = Zeroconf(interfaces=interfaces)
    except (OSError, ValueError) as exc:
        return BrowseResult([], f"cannot open mDNS sockets on {interfaces!r}: {exc}")
    try:
        browser = ServiceBrowser(zc, types, handlers=[on_change])
        threading.Event().wait(wait)
        browser.cancel()
        with lock:
            keys = list(found)
        services = [_resolve(zc, service_type, name, resolve_timeout) for service_type, name in keys[:256]]
    finally:
        zc.close()
    return BrowseResult(services)


def _resolve(zc: Any, service_type: str, name: str, timeout: float) -> DiscoveredService:
    info = zc.get_service_info(service_type, name, timeout=int(timeout * 1000))
    instance = name[: -len(service_type) - 1] if name.endswith("." + service_type) else name
    if info is None:
        return DiscoveredService(name=instance, service_type=service_type)
    addresses = tuple(str(ipaddress.ip_address(raw)) for raw in info.addresses)
    properties = {_decode(key): _decode(value) for key, value in (info.properties or {}).items()}
    return DiscoveredService(
        name=instance,
        service_type=service_type,
        server=info.server or "",
        addresses=addresses,
        port=info.port,
        properties=properties,
    )
