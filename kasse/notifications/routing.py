from __future__ import annotations

from django.urls import path

from kasse.notifications.consumers import NotificationCountConsumer

websocket_urlpatterns = [path("ws/notifications/", NotificationCountConsumer.as_asgi())]
