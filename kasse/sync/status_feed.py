"""The node's sync status, pushed to the registers it serves (online, waiting records, last sync)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

NODE_STATUS_GROUP = "node-status"


def publish_node_status(status: dict[str, Any]) -> None:
    """Send the status (and whether master data changed) to every register page of this node."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(NODE_STATUS_GROUP, {"type": "node.status", "status": status})
