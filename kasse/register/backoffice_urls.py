"""Back-office pages for register devices (mounted at /devices/)."""

from __future__ import annotations

from django.urls import path

from kasse.register import backoffice_views as views

app_name = "register_admin"

urlpatterns = [
    path("", views.device_list, name="devices"),
    path("register/<uuid:register_id>/pairing-code/", views.pairing_code, name="pairing_code"),
    path("device/<uuid:device_id>/revoke/", views.device_revoke, name="device_revoke"),
    path("store/<uuid:store_id>/settings/", views.store_settings, name="store_settings"),
]
