from __future__ import annotations

from django.urls import path

from kasse.sync.backoffice.consumers import LiveFeedConsumer
from kasse.sync.cloud.consumers import NodeNudgeConsumer
from kasse.sync.node.register_consumer import RegisterStatusConsumer

websocket_urlpatterns = [
    path("ws/sync/", NodeNudgeConsumer.as_asgi()),
    path("ws/live/", LiveFeedConsumer.as_asgi()),
    path("ws/register/status/", RegisterStatusConsumer.as_asgi()),
]
