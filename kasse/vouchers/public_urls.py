"""A gift card's balance page (mounted at /gift-card/, public: the token is the key)."""

from __future__ import annotations

from django.urls import path

from kasse.vouchers import public_views

app_name = "vouchers-public"

urlpatterns = [path("<str:token>/", public_views.balance, name="balance")]
