from __future__ import annotations

from django.urls import path

from kasse.register.consumers import CustomerDisplayConsumer

websocket_urlpatterns = [
    path("ws/register/display/", CustomerDisplayConsumer.as_asgi()),
]
