"""Back-office pages of the tenancy app (mounted by kasse/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path  # noqa: F401

app_name = "tenancy"

urlpatterns: list[URLPattern] = []
