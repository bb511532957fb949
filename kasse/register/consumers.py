"""WebSocket endpoint of the customer display."""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string
from django.utils import translation
from django_scopes import scope

from kasse.register.device_sockets import DeviceSocketMixin
from kasse.register.display import idle_context
from kasse.register.live import display_group, mark_display_listening
from kasse.register.models import Cart, CartStatus
from kasse.register.node_gate import serving_node
from kasse.register.services.pairing import DEVICE_COOKIE, device_for_token


def _initial_html(device: Any) -> str:
    """What the display shows when it connects: the active cart, or the idle screen."""
    from kasse.register.services.cart_pricing import cart_view

    register = device.register
    with scope(organization=register.organization), translation.override(register.organization.language):
        cart = Cart.objects.filter(register=register, status=CartStatus.ACTIVE).first()
        if cart is not None and cart.lines.exists():
            return render_to_string("register/partials/display_cart.html", {"view": cart_view(cart)})
        return render_to_string("register/partials/display_idle.html", idle_context(register))


class CustomerDisplayConsumer(DeviceSocketMixin, AsyncWebsocketConsumer):
    """Joins the display group of the register its device cookie belongs to; closed when the device is revoked."""

    group: str = ""
    register_id: Any = None

    async def connect(self) -> None:
        token = self.scope.get("cookies", {}).get(DEVICE_COOKIE, "")
        device = await database_sync_to_async(device_for_token)(token)
        if device is None:
            await self.close(code=4401)
            return
        if await database_sync_to_async(serving_node)(device.register.store_id) is not None:
            await self.close(code=4409)  # the store sells through its node: its display is served there
            return
        self.group = display_group(device.register_id)
        self.register_id = device.register_id
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.join_device(device.pk)
        await database_sync_to_async(mark_display_listening)(device.register_id)
        await self.accept()
        html = await database_sync_to_async(_initial_html)(device)
        await self.send(text_data=json.dumps({"html": html}))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """The display pings every few minutes so the register keeps publishing to it."""
        if text_data == "ping":
            await database_sync_to_async(mark_display_listening)(self.register_id)

    async def disconnect(self, code: int) -> None:
        await self.leave_device()
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def device_revoked(self, event: dict[str, Any]) -> None:
        """The device was revoked: no further cart reaches it."""
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = ""
        await super().device_revoked(event)

    async def display_update(self, event: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(event["payload"]))
