"""Back-office scanner and pole display pages, mounted at /devices/peripherals/."""

from __future__ import annotations

from django.urls import path

from kasse.peripherals import backoffice_views

app_name = "peripherals"

urlpatterns = [
    path("", backoffice_views.device_list, name="device-list"),
    path("live/", backoffice_views.live, name="live"),
    path("scanners/new/<uuid:store_id>/", backoffice_views.scanner_create, name="scanner-create"),
    path("scanners/<uuid:scanner_id>/", backoffice_views.scanner_edit, name="scanner-edit"),
    path("scanners/<uuid:scanner_id>/deactivate/", backoffice_views.scanner_deactivate, name="scanner-deactivate"),
    path("displays/new/<uuid:store_id>/", backoffice_views.display_create, name="display-create"),
    path("displays/<uuid:display_id>/", backoffice_views.display_edit, name="display-edit"),
    path("displays/<uuid:display_id>/test/", backoffice_views.display_test, name="display-test"),
    path("displays/<uuid:display_id>/deactivate/", backoffice_views.display_deactivate, name="display-deactivate"),
]
