"""The digital loyalty card's link (mounted at /card/, public: the token is the key)."""

from __future__ import annotations

from django.urls import path

from kasse.loyalty import public_views

app_name = "loyalty-public"

urlpatterns = [
    path("<str:token>/", public_views.card, name="card"),
    path("<str:token>/manifest.webmanifest", public_views.manifest, name="card-manifest"),
]
