from __future__ import annotations

from django.urls import path

from kasse.peripherals.consumers import ScannerConsumer

websocket_urlpatterns = [
    path("ws/register/scanner/", ScannerConsumer.as_asgi()),
]
