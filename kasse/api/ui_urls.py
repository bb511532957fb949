"""Back-office pages for API tokens and the API docs link (mounted at /settings/api/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.api import views

app_name = "api_ui"

urlpatterns: list[URLPattern] = [
    path("", views.token_list, name="token_list"),
    path("tokens/new/", views.token_create, name="token_create"),
    path("tokens/<uuid:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
