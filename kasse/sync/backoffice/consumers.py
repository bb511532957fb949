"""``/ws/live/``: the owner's live feed of sales, as they happen."""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django_scopes import scope

from kasse.sync.engine.changes import live_group, live_store_group


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
    """``/ws/live/``: completed sales of the signed-in user's organization, as they happen.

    Owners and all-stores managers join the organization's group; a store-bound manager joins
    only the groups of the stores where they may see reports, so another store's sale is never
    delivered to their connection (and ``live_sale`` checks the store once more before sending).
    The stores are read when the socket opens: a changed role counts from the next connection."""

    groups: list[str] = []
    store_ids: set[str] | None = None

    async def connect(self) -> None:
        organization_id, store_ids = await database_sync_to_async(_organization_for_session)(
            self.scope.get("user"), self.scope.get("session")
        )
        self.store_ids = None if store_ids is None else {str(pk) for pk in store_ids}
        if organization_id is None:
            await self.close(code=4403)
            return
        if self.store_ids is None:
            self.groups = [live_group(organization_id)]
        else:
            self.groups = [live_store_group(pk) for pk in sorted(self.store_ids)]
        for group in self.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in self.groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def live_sale(self, event: dict[str, Any]) -> None:
        if self.store_ids is not None and event["sale"]["store_id"] not in self.store_ids:
            return
        await self.send(text_data=json.dumps({"type": "sale", "sale": event["sale"]}))
