"""``/ws/notifications/``: the signed-in user's unread count in the active organization, as it changes."""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from kasse.notifications.centre import unread_count, user_group


def _session_organization(user: Any, session: Any) -> Any:
    from kasse.tenancy.middleware import SESSION_ORGANIZATION_KEY
    from kasse.tenancy.selectors import employees_for_user

    if user is None or not user.is_authenticated:
        return None
    employees = list(employees_for_user(user))
    wanted = session.get(SESSION_ORGANIZATION_KEY) if session is not None else None
    chosen = next((e for e in employees if str(e.organization_id) == wanted), employees[0] if employees else None)
    return None if chosen is None else chosen.organization_id


class NotificationCountConsumer(AsyncWebsocketConsumer):
    """Sends ``{"type": "count", "count": n}`` when the socket opens and whenever the count changes."""

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        organization_id = await database_sync_to_async(_session_organization)(user, self.scope.get("session"))
        if organization_id is None:
            await self.close(code=4403)
            return
        self.group = user_group(user.pk, organization_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        count = await database_sync_to_async(unread_count)(user.pk, organization_id)
        await self.send(text_data=json.dumps({"type": "count", "count": count}))

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def notify_count(self, event: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps({"type": "count", "count": int(event["count"])}))
