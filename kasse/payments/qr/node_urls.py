"""The QR payment endpoint for store nodes, mounted by kasse/urls.py at ``/sync/v1/payments/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.payments.qr import node_views

app_name = "payments-node"

urlpatterns: list[URLPattern] = [
    path("qr-credentials", node_views.credentials, name="qr-credentials"),
]
