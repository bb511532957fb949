"""WebSockets of sync: store nodes listen for nudges; owners watch the live feed of sales."""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django_scopes import scope

from kasse.sync.changes import live_group, node_group, sync_group
from kasse.sync.protocol import AUTH_SCHEME, PROTOCOL_HEADER, PROTOCOL_VERSION
from kasse.sync.services import node_for_token


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
        token = header[len(AUTH_SCHEME) + 1:].strip() if header.startswith(AUTH_SCHEME + " ") else ""
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


def _organization_for_session(user: Any, session: Any) -> tuple[Any, set | None]:
    """The organization of the session and the ids of the stores whose sales it may watch
    (``None``: every store); ``(None, None)`` when it may watch none."""
    from kasse.tenancy.middleware import SESSION_ORGANIZATION_KEY
    from kasse.tenancy.permissions import Capability
    from kasse.tenancy.selectors import employees_for_user, has_capability, stores_with_capability

    if user is None or not user.is_authenticated:
        return None, None
    employees = list(employees_for_user(user))
    wanted = session.get(SESSION_ORGANIZATION_KEY) if session is not None else None
    chosen = next((e for e in employees if str(e.organization_id) == wanted), employees[0] if employees else None)
    if chosen is None:
        return None, None
    with scope(organization=chosen.organization_id):
        if not has_capability(chosen, Capability.VIEW_REPORTS, None):
            return None, None
        return chosen.organization_id, stores_with_capability(chosen, Capability.VIEW_REPORTS)


class LiveFeedConsumer(AsyncWebsocketConsumer):
    """``/ws/live/``: completed sales of the signed-in user's organization, as they happen;
    a store-bound manager receives only the sales of their stores."""

    group = ""
    store_ids: set[str] | None = None

    async def connect(self) -> None:
        organization_id, store_ids = await database_sync_to_async(_organization_for_session)(
            self.scope.get("user"), self.scope.get("session"))
        self.store_ids = None if store_ids is None else {str(pk) for pk in store_ids}
        if organization_id is None:
            await self.close(code=4403)
            return
        self.group = live_group(organization_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def live_sale(self, event: dict[str, Any]) -> None:
        if self.store_ids is not None and event["sale"]["store_id"] not in self.store_ids:
            return
        await self.send(text_data=json.dumps({"type": "sale", "sale": event["sale"]}))
