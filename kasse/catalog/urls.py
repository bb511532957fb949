"""Back-office pages of the catalog app (mounted by kasse/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path  # noqa: F401

app_name = "catalog"

urlpatterns: list[URLPattern] = []
