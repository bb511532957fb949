"""``/ws/register/status/``: the sync state a register shows (online, records waiting, last sync).

A register page connects with its device cookie. On a store node it gets the
node's status at once and then every change the sync runner publishes
(:func:`kasse.sync.node.status_feed.publish_node_status`), including whether master
data such as prices changed, so the register refreshes its grid and cart.
A register that sells through the cloud directly has nothing waiting: it is
told so once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from kasse.core.channels_bridge import remember_server_loop
from kasse.register.device_sockets import DeviceSocketMixin
from kasse.register.services.pairing import DEVICE_COOKIE, device_for_token
from kasse.sync.engine.local import is_node
from kasse.sync.node.status_feed import NODE_STATUS_GROUP

log = logging.getLogger(__name__)

DIRECT_STATUS: dict[str, Any] = {"paired": False, "online": True, "direct": True}


def current_status() -> dict[str, Any]:
    """What a register shows right after it connects."""
    if not is_node():
        return dict(DIRECT_STATUS)
    from kasse.sync.node.steps import status

    return {**status(), "catalog_changed": False}


class RegisterStatusConsumer(DeviceSocketMixin, AsyncWebsocketConsumer):
    """Sends the node's sync status to a paired register page, now and on every change.

    The runner publishes when something changes (a push, a pull, going on- or
    offline); between those the consumer re-reads the status every
    ``refresh_seconds`` so the register's "last sync" stays current.
    """

    refresh_seconds: float = 30.0
    joined = False
    refresher: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        token = self.scope.get("cookies", {}).get(DEVICE_COOKIE, "")
        device = await database_sync_to_async(device_for_token)(token)
        if device is None:
            await self.close(code=4401)
            return
        await self.join_device(device.pk)
        await self.accept()
        remember_server_loop(asyncio.get_running_loop())
        if is_node():
            await self.channel_layer.group_add(NODE_STATUS_GROUP, self.channel_name)
            self.joined = True
            self.refresher = asyncio.create_task(self._refresh())
        await self._send_current()

    async def _send_current(self) -> None:
        status = await database_sync_to_async(current_status)()
        await self.send(text_data=json.dumps({"type": "status", "status": status}))

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_seconds)
            try:
                await self._send_current()
            except Exception:  # the socket closed under us; disconnect cancels this task
                log.debug("status refresh stopped", exc_info=True)
                return

    async def disconnect(self, code: int) -> None:
        await self.leave_device()
        if self.refresher is not None:
            self.refresher.cancel()
        if self.joined:
            await self.channel_layer.group_discard(NODE_STATUS_GROUP, self.channel_name)

    async def node_status(self, event: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps({"type": "status", "status": event["status"]}))
