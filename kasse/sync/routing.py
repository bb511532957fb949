from __future__ import annotations

from django.urls import path

from kasse.sync.consumers import NodeNudgeConsumer
from kasse.sync.live_consumer import LiveFeedConsumer
from kasse.sync.register_consumer import RegisterStatusConsumer

websocket_urlpatterns = [
    path("ws/sync/", NodeNudgeConsumer.as_asgi()),
    path("ws/live/", LiveFeedConsumer.as_asgi()),
    path("ws/register/status/", RegisterStatusConsumer.as_asgi()),
]
