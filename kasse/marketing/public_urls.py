"""Public links in marketing e-mails (mounted at /m/): the signed token is the key."""

from __future__ import annotations

from django.urls import path

from kasse.marketing import public_views

app_name = "marketing-public"

urlpatterns = [
    path("confirm/<str:token>/", public_views.confirm, name="consent-confirm"),
    path("unsubscribe/<str:token>/", public_views.unsubscribe, name="unsubscribe"),
]
