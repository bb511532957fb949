"""Back-office pages for API tokens and the API docs link (mounted at /settings/api/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.api import backoffice_views

app_name = "api-backoffice"

urlpatterns: list[URLPattern] = [
    path("", backoffice_views.token_list, name="token-list"),
    path("tokens/new/", backoffice_views.token_create, name="token-create"),
    path("tokens/<uuid:pk>/revoke/", backoffice_views.token_revoke, name="token-revoke"),
]
