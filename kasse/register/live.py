"""Live updates from the register to its customer display, over Channels groups.

Every change of the cart (and the end of a sale) is rendered once on the
server and pushed to the group of the register; every display paired to that
register swaps it in. With the in-memory channel layer this works inside one
process; with Redis (``REDIS_URL``) across processes.
"""

from __future__ import annotations

import uuid
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.template.loader import render_to_string


def display_group(register_id: uuid.UUID) -> str:
    return f"register-display-{register_id.hex}"


def _send(register_id: uuid.UUID, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(display_group(register_id), {"type": "display.update", "payload": payload})


def publish_display(register_id: uuid.UUID, template: str, context: dict[str, Any]) -> None:
    """Render ``template`` and push it to the register's displays after the transaction commits."""
    html = render_to_string(template, context)
    transaction.on_commit(lambda: _send(register_id, {"html": html}))
