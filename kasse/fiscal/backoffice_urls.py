"""Back-office pages of the fiscal app (mounted by kasse/urls.py at /fiscal/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.fiscal import backoffice_views

app_name = "fiscal"

urlpatterns: list[URLPattern] = [
    path("datev/", backoffice_views.datev_export, name="datev-export"),
    path("datev/stores/<uuid:store_pk>/", backoffice_views.datev_store_export, name="datev-store-export"),
    path("datev/settings/", backoffice_views.datev_settings, name="datev-settings"),
    path("audit/", backoffice_views.audit_log_list, name="audit-log"),
    path("tse/", backoffice_views.tse_overview, name="tse-overview"),
    path("tse/stores/<uuid:store_pk>/", backoffice_views.tse_store, name="tse-store"),
    path("tse/stores/<uuid:store_pk>/setup/", backoffice_views.tse_store_setup, name="tse-store-setup"),
    path("tse/stores/<uuid:store_pk>/export/", backoffice_views.tse_store_export, name="tse-store-export"),
    path("tse/stores/<uuid:store_pk>/clients/", backoffice_views.tse_store_clients, name="tse-store-clients"),
    path("dsfinvk/", backoffice_views.dsfinvk_export, name="dsfinvk-export"),
    path("dsfinvk/stores/<uuid:store_pk>/", backoffice_views.dsfinvk_store_export, name="dsfinvk-store-export"),
    path("notification/", backoffice_views.notification_list, name="notification-list"),
    path("notification/stores/<uuid:store_pk>/", backoffice_views.notification_store, name="notification-store"),
    path(
        "notification/registers/<uuid:register_pk>/",
        backoffice_views.notification_register_edit,
        name="notification-register-edit",
    ),
]
