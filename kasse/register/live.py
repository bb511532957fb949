"""Live updates from the register to its customer display, over Channels groups.

Every change of the cart (and the end of a sale) is rendered once on the
server and pushed to the group of the register; every display paired to that
register swaps it in. With the in-memory channel layer this works inside one
process; with Redis (``REDIS_URL``: channel layer and cache) across processes.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from kasse.core.channels_bridge import send_from_thread, send_to_groups
from kasse.tenancy.models import Register

LISTENING_TTL = 600  # seconds; a connected display refreshes its mark every DISPLAY_PING_SECONDS
DISPLAY_PING_SECONDS = 120


def display_group(register_id: uuid.UUID) -> str:
    return f"register-display-{register_id.hex}"


def device_group(device_id: uuid.UUID) -> str:
    """The Channels group of one paired device's open sockets (closed when it is revoked)."""
    return f"register-device-{device_id.hex}"


def close_device_sockets(device_id: uuid.UUID) -> None:
    """After commit of a revocation: every open socket of the device (display, register status,
    scanner) is told and closed. Called from a request or from the node's sync thread, so the
    send goes to the serving loop (:func:`send_from_thread`)."""
    send_from_thread(device_group(device_id), {"type": "device.revoked"})


def close_sockets_of_revoked_devices(events: list[dict[str, Any]]) -> None:
    """On a store node, after pulled feed events commit: a device revoked in the cloud loses its
    open sockets on the node at once, as it does in the cloud (the events are the pulled batch)."""
    from kasse.register.models import RegisterDevice
    from kasse.sync.engine.registry import label_of

    label = label_of(RegisterDevice)
    revoked = [
        str(e.get("id"))
        for e in events
        if isinstance(e, dict)
        and e.get("model") == label
        and (e.get("deleted") or (isinstance(e.get("row"), dict) and e["row"].get("revoked_at")))
    ]
    for device_id in revoked:
        with contextlib.suppress(ValueError):
            uid = uuid.UUID(device_id)
            transaction.on_commit(lambda uid=uid: close_device_sockets(uid))  # type: ignore[misc]


def _listening_key(register_id: uuid.UUID) -> str:
    return f"register-display-listening:{register_id.hex}"


def mark_display_listening(register_id: uuid.UUID) -> None:
    """A display of this register is connected (called on connect and on its pings)."""
    cache.set(_listening_key(register_id), True, LISTENING_TTL)


def display_listening(register_id: uuid.UUID) -> bool:
    return bool(cache.get(_listening_key(register_id)))


def _send(register_id: uuid.UUID, payload: dict[str, Any]) -> None:
    send_to_groups([(display_group(register_id), {"type": "display.update", "payload": payload})])


def publish_display(register: Register, template: str, context: dict[str, Any]) -> None:
    """Render ``template`` and push it to the register's displays after the transaction commits.

    Skipped (no rendering at all) when no display of this register has been
    connected for the last ``LISTENING_TTL`` seconds: most registers have none,
    and the scan path should not pay for a second render.
    """
    if not display_listening(register.pk):
        return
    # The customer display speaks the shop's language, whatever the cashier's browser is set to.
    with translation.override(register.organization.language):
        html = render_to_string(template, context)
    transaction.on_commit(lambda: _send(register.pk, {"html": html}))


def reload_displays(register: Register) -> None:
    """Have the register's displays load their page again after the commit (training mode changed:
    the idle screen they keep in the page must say so)."""
    transaction.on_commit(lambda: _send(register.pk, {"reload": True}))
