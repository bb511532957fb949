"""Back-office pages for API tokens and the API docs link (mounted at /settings/api/)."""

from __future__ import annotations

from django.urls import URLPattern, path  # noqa: F401

app_name = "api_ui"

urlpatterns: list[URLPattern] = []
