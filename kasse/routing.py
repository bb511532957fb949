"""WebSocket routes of all apps, collected in one list for the ASGI router."""

from __future__ import annotations

from typing import Any

from kasse.notifications.routing import websocket_urlpatterns as notifications_ws
from kasse.peripherals.routing import websocket_urlpatterns as peripherals_ws
from kasse.register.routing import websocket_urlpatterns as register_ws
from kasse.sync.routing import websocket_urlpatterns as sync_ws

websocket_urlpatterns: list[Any] = [*register_ws, *sync_ws, *peripherals_ws, *notifications_ws]
