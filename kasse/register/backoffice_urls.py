"""Back-office pages for register devices (mounted at /devices/)."""

from __future__ import annotations

from django.urls import path

from kasse.register import backoffice_views

app_name = "register-backoffice"

urlpatterns = [
    path("", backoffice_views.device_list, name="device-list"),
    path("register/<uuid:register_id>/pairing-code/", backoffice_views.pairing_code, name="pairing-code"),
    path("device/<uuid:device_id>/revoke/", backoffice_views.device_revoke, name="device-revoke"),
    path("store/<uuid:store_id>/settings/", backoffice_views.store_settings, name="store-settings"),
]
