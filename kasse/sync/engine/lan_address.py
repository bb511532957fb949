"""The address registers on the shop's LAN use to reach the store node, as the node reports it to the cloud.

The node sends it with every sync request (``Kasse-Node-Url``); the cloud keeps the last one on the
``StoreNode`` and names it where an owner pairs a register of that store (the register must be paired on
the node, not in the cloud). ``kasse store run --lan-url`` sets it; without the option the node takes the
address it listens on, or for 0.0.0.0 the first private IPv4 address of its network interfaces.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

NODE_URL_HEADER = "Kasse-Node-Url"
MAX_LENGTH = 200

_advertised = ""


def set_advertised_url(url: str) -> None:
    """On the node: the LAN URL its requests to the cloud carry from now on ('' for none)."""
    global _advertised
    _advertised = clean_lan_url(url)


def advertised_url() -> str:
    return _advertised


def clean_lan_url(value: str) -> str:
    """``scheme://host[:port]`` of an http(s) URL without credentials, path or query; '' if it is none."""
    value = (value or "").strip()
    if not value or len(value) > MAX_LENGTH:
        return ""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return ""
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return ""
    host = parts.hostname
    if not all(ch.isalnum() or ch in ".-:" for ch in host):
        return ""
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown}" + (f":{port}" if port else "")


def guess_lan_url(host: str, port: int) -> str:
    """The URL registers would use for a node listening on ``host:port``."""
    if host not in ("0.0.0.0", "::", ""):  # noqa: S104 - comparing, not binding
        shown = f"[{host}]" if ":" in host else host
        return clean_lan_url(f"http://{shown}:{port}")
    try:
        import ifaddr
    except ImportError:  # pragma: no cover - a dependency of zeroconf
        return ""
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):
                continue  # IPv6 entries are tuples
            try:
                address = ipaddress.ip_address(ip.ip)
            except ValueError:
                continue
            if address.is_private and not address.is_loopback and not address.is_link_local:
                return f"http://{address}:{port}"
    return ""
