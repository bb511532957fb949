"""A store node's TSE secrets: asked from the cloud when the node first signs, kept in memory only.

The feed brings a node its store's TSE without secrets (:mod:`kasse.fiscal.syncing`). To sign, the node
needs the fiskaly API key and secret (fiskaly) or the private key (development TSE): it asks the cloud
(``GET /sync/v1/fiscal/credentials``, with its node credential) and keeps the answer in this process's
memory, never on its disk. When the feed brings a change of a device (new credentials, another state), the
node forgets what it had (``SyncSpec.pulled`` of the device table) and asks again at the next signature. When the cloud
cannot be asked, the step is unsigned and an outage recorded, like a TSE that does not answer; a fiskaly
TSE cannot be reached without the internet anyway. A stolen, switched-off node therefore holds no TSE
secret (docs/security.md).
"""

from __future__ import annotations

import threading
from typing import Any

from kasse.fiscal.models import TseDevice
from kasse.fiscal.tse.interface import TseUnavailable

PATH = "/sync/v1/fiscal/credentials"
TIMEOUT = 4.0  # seconds: like one fiskaly call; the register never waits longer

_cache: dict[str, dict[str, str]] = {}
_lock = threading.Lock()


def credentials_for(device: TseDevice) -> dict[str, str]:
    """The secrets of ``device`` for signing on this node (raises :class:`TseUnavailable`)."""
    key = str(device.pk)
    with _lock:
        known = _cache.get(key)
    if known is not None:
        return known
    from kasse.sync.node.client import CloudRefused, CloudUnreachable
    from kasse.sync.node.steps import client_for, state

    node = state()
    if node is None or node.revoked:
        raise TseUnavailable("this store node is not paired: no TSE credentials")
    try:
        answer: dict[str, Any] = client_for(node, timeout=TIMEOUT).fetch(PATH)
    except (CloudUnreachable, CloudRefused) as exc:
        raise TseUnavailable(f"the cloud did not hand over the TSE credentials: {exc}") from exc
    devices = answer.get("devices")
    secrets = devices.get(str(device.pk)) if isinstance(devices, dict) else None
    if not isinstance(secrets, dict):
        raise TseUnavailable("the cloud has no TSE credentials for this store node")
    found = {name: str(value) for name, value in secrets.items() if isinstance(value, str)}
    with _lock:
        _cache[key] = found
    return found


def forget() -> None:
    """Drop what this process knows: a device changed in the cloud (the feed), or a test."""
    with _lock:
        _cache.clear()
