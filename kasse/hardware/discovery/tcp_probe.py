"""Probe a given address range for ESC/POS printers on a raw TCP port (9100).

For each host the probe connects with a short timeout and sends exactly one thing, the real-time
status query `DLE EOT 1`. A printer answers one byte of the form 0xx1xx10; anything else (no answer,
other bytes, a closed port) means "not an ESC/POS printer as far as we can tell". Print data is never
sent to an unknown port. There is no default range: the caller (the back office's "Discover" button,
with a range the shop owner confirmed) passes it, and the range size is capped.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from kasse.hardware.printers.status import StatusKind, is_status_byte, status_query

RAW_PORT = 9100
MAX_HOSTS = 1024
STATUS_QUERY = status_query(StatusKind.PRINTER)  # DLE EOT 1


@dataclass(frozen=True)
class ProbeResult:
    host: str
    port: int
    reachable: bool  # the TCP connection was accepted
    escpos: bool  # ... and the reply was a valid DLE EOT 1 status byte
    reply: bytes = b""
    detail: str = ""
    online: bool | None = None  # from the status byte (bit 3 clear = online)


def expand_targets(targets: str | Iterable[str], *, max_hosts: int = MAX_HOSTS) -> list[str]:
    """Hosts from "192.0.2.10", "192.0.2.0/28", "192.0.2.10-20" or a list of those; at most `max_hosts`."""
    items = [targets] if isinstance(targets, str) else list(targets)
    hosts: list[str] = []
    for item in items:
        item = item.strip()
        if "/" in item:
            network = ipaddress.ip_network(item, strict=False)
            if network.num_addresses > max_hosts + 2:
                raise ValueError(f"{item} has {network.num_addresses} addresses; the probe allows {max_hosts}")
            found = list(network.hosts()) or [network.network_address]
            hosts.extend(str(address) for address in found)
        elif "-" in item:
            first, last = item.split("-", 1)
            start = ipaddress.ip_address(first)
            end = ipaddress.ip_address(last) if "." in last or ":" in last else None
            if end is None:
                prefix = first.rsplit(".", 1)[0]
                end = ipaddress.ip_address(f"{prefix}.{last}")
            count = int(end) - int(start) + 1
            if count < 1 or count > max_hosts:
                raise ValueError(f"range {item} must hold 1..{max_hosts} addresses")
            hosts.extend(str(start + offset) for offset in range(count))
        else:
            hosts.append(str(ipaddress.ip_address(item)))
        if len(hosts) > max_hosts:
            raise ValueError(f"more than {max_hosts} hosts to probe")
    return list(dict.fromkeys(hosts))


async def probe_host(host: str, port: int = RAW_PORT, *, timeout: float = 0.5) -> ProbeResult:
    """Connect, send DLE EOT 1, read one reply byte; never raises for network trouble."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (TimeoutError, OSError) as exc:
        reason = "timeout" if isinstance(exc, TimeoutError) else (exc.strerror or type(exc).__name__)
        return ProbeResult(host, port, reachable=False, escpos=False, detail=f"no connection ({reason})")
    try:
        writer.write(STATUS_QUERY)
        await asyncio.wait_for(writer.drain(), timeout)
        reply = await asyncio.wait_for(reader.read(16), timeout)
    except (TimeoutError, OSError):
        return ProbeResult(host, port, reachable=True, escpos=False, detail="no reply to DLE EOT 1")
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), timeout)
    if not reply:
        return ProbeResult(host, port, reachable=True, escpos=False, detail="connection closed without a reply")
    if len(reply) == 1 and is_status_byte(reply[0]):
        online = not bool(reply[0] & 0b0000_1000)
        return ProbeResult(host, port, True, True, reply, "answers like an ESC/POS printer", online)
    return ProbeResult(host, port, True, False, reply[:16], "reply is not an ESC/POS status byte")


async def probe_range_async(
    targets: str | Iterable[str],
    *,
    port: int = RAW_PORT,
    timeout: float = 0.5,
    concurrency: int = 32,
    max_hosts: int = MAX_HOSTS,
) -> list[ProbeResult]:
    hosts = expand_targets(targets, max_hosts=max_hosts)
    limit = asyncio.Semaphore(max(1, min(concurrency, 256)))

    async def one(host: str) -> ProbeResult:
        async with limit:
            return await probe_host(host, port, timeout=timeout)

    return list(await asyncio.gather(*(one(host) for host in hosts)))


def probe_range(
    targets: str | Iterable[str],
    *,
    port: int = RAW_PORT,
    timeout: float = 0.5,
    concurrency: int = 32,
    max_hosts: int = MAX_HOSTS,
) -> list[ProbeResult]:
    """Synchronous wrapper; every host's result, in the order given. Use `.escpos` to pick printers.

    Callable from anywhere: when the calling thread already runs an event loop (an async server,
    a test harness), the probe runs its own loop in a worker thread instead of failing.
    """

    def run() -> list[ProbeResult]:
        return asyncio.run(
            probe_range_async(targets, port=port, timeout=timeout, concurrency=concurrency, max_hosts=max_hosts)
        )

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def find_printers(
    targets: str | Iterable[str], *, port: int = RAW_PORT, timeout: float = 0.5, concurrency: int = 32
) -> list[ProbeResult]:
    """Only the hosts that answered like an ESC/POS printer."""
    return [r for r in probe_range(targets, port=port, timeout=timeout, concurrency=concurrency) if r.escpos]
