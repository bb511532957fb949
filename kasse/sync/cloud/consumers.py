"""The WebSocket store nodes listen on for nudges (the feed grew) and for their revocation."""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from kasse.sync.cloud.services import node_for_token
from kasse.sync.engine.changes import node_group, sync_group
from kasse.sync.engine.protocol import AUTH_SCHEME, PROTOCOL_HEADER, PROTOCOL_VERSION


def _header(scope: dict[str, Any], name: str) -> str:
    wanted = name.lower().encode()
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            return bytes(value).decode("latin-1")
    return ""


class NodeNudgeConsumer(AsyncWebsocketConsumer):
    """``/ws/sync/``: a paired node learns at once that the feed has grown (or that it was revoked)."""

    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        header = _header(self.scope, "authorization")
        token = header[len(AUTH_SCHEME) + 1 :].strip() if header.startswith(AUTH_SCHEME + " ") else ""
        node = await database_sync_to_async(node_for_token)(token)
        if node is None or _header(self.scope, PROTOCOL_HEADER) != str(PROTOCOL_VERSION):
            await self.close(code=4401)
            return
        for group in (sync_group(node.organization_id), node_group(node.pk)):
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def sync_nudge(self, event: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps({"type": "nudge", "seq": event["seq"]}))

    async def sync_revoked(self, event: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps({"type": "revoked"}))
        await self.close(code=4403)
