"""The fiscal app's endpoint for store nodes, mounted by kasse/urls.py at ``/sync/v1/fiscal/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.fiscal import node_views

app_name = "fiscal-node"

urlpatterns: list[URLPattern] = [
    path("credentials", node_views.credentials, name="credentials"),
]
