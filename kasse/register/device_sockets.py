"""Every WebSocket a paired device opens joins that device's group, so revoking it closes them all.

The customer display, the register's sync status and its scanner feed each authenticate
by the device cookie once, on connect. Revocation (in the cloud, or on a store node when
the revocation arrives through the feed) sends ``device.revoked`` to the device's group
(:func:`kasse.register.live.close_device_sockets`), and each socket closes with 4403.
"""

from __future__ import annotations

from typing import Any

from kasse.register.live import device_group


class DeviceSocketMixin:
    """For ``AsyncWebsocketConsumer`` subclasses: ``await self.join_device(device.pk)`` after auth."""

    device_channel_group: str = ""

    async def join_device(self, device_id: Any) -> None:
        self.device_channel_group = device_group(device_id)
        await self.channel_layer.group_add(self.device_channel_group, self.channel_name)  # type: ignore[attr-defined]

    async def leave_device(self) -> None:
        if self.device_channel_group:
            await self.channel_layer.group_discard(  # type: ignore[attr-defined]
                self.device_channel_group,
                self.channel_name,  # type: ignore[attr-defined]
            )
            self.device_channel_group = ""

    async def device_revoked(self, event: dict[str, Any]) -> None:
        """The device was revoked: nothing more reaches this socket."""
        await self.leave_device()
        await self.close(code=4403)  # type: ignore[attr-defined]
