"""Back-office pages of the promotions (mounted at /promotions/ by kasse/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.promotions import backoffice_views

app_name = "promotions"

urlpatterns: list[URLPattern] = [
    path("", backoffice_views.promotion_list, name="promotion-list"),
    path("new/", backoffice_views.promotion_create, name="promotion-create"),
    path("<uuid:pk>/", backoffice_views.promotion_edit, name="promotion-edit"),
]
