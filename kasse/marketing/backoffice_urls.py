"""Back-office pages of campaigns (mounted at /campaigns/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.marketing import backoffice_views

app_name = "marketing"

urlpatterns: list[URLPattern] = [
    path("", backoffice_views.campaign_list, name="campaign-list"),
    path("new/", backoffice_views.campaign_edit, name="campaign-create"),
    path("<uuid:pk>/", backoffice_views.campaign_detail, name="campaign-detail"),
    path("<uuid:pk>/edit/", backoffice_views.campaign_edit, name="campaign-edit"),
    path("<uuid:pk>/send/", backoffice_views.campaign_send, name="campaign-send"),
]
