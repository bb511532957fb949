"""Sync endpoints for store nodes, mounted at ``/sync/v1/``."""

from __future__ import annotations

from django.urls import path

from kasse.sync.cloud import views

app_name = "sync"

urlpatterns = [
    path("pair", views.pair, name="pair"),
    path("snapshot", views.snapshot_view, name="snapshot"),
    path("changes", views.changes, name="changes"),
    path("push", views.push, name="push"),
    path("positions", views.positions, name="positions"),
]
