"""The node's sync status, pushed to the registers it serves (online, waiting records, last sync)."""

from __future__ import annotations

from typing import Any

from kasse.core.channels_bridge import send_from_thread

NODE_STATUS_GROUP = "node-status"


def publish_node_status(status: dict[str, Any]) -> None:
    """Send the status (and whether master data changed) to every register page of this node.

    Called from the sync runner's thread: handed to the server's loop (``send_from_thread``)."""
    send_from_thread(NODE_STATUS_GROUP, {"type": "node.status", "status": status})
