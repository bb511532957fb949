"""``/ws/register/scanner/``: scans of the node's scanners, pushed to the register page they are bound to."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from kasse.core.channels_bridge import remember_server_loop
from kasse.peripherals.bus import scan_group
from kasse.register.device_sockets import DeviceSocketMixin
from kasse.register.services.pairing import DEVICE_COOKIE, device_for_token


class ScannerConsumer(DeviceSocketMixin, AsyncWebsocketConsumer):
    """Joins the scan group of the register its device cookie belongs to (displays are refused)."""

    group: str = ""

    async def connect(self) -> None:
        token = self.scope.get("cookies", {}).get(DEVICE_COOKIE, "")
        device = await database_sync_to_async(device_for_token)(token)
        if device is None or device.is_display:
            await self.close(code=4401)
            return
        remember_server_loop(asyncio.get_running_loop())
        self.group = scan_group(device.register_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.join_device(device.pk)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.leave_device()
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def scanner_scan(self, event: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps({"type": "scan", **event["payload"]}))

    async def card_status(self, event: dict[str, Any]) -> None:
        """The card terminal's status for this register (kasse/payments/runner.py); the page re-reads it."""
        await self.send(text_data=json.dumps({"type": "card", **event["payload"]}))
