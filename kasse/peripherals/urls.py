"""Back-office scanner and pole display pages, mounted at /devices/peripherals/."""

from __future__ import annotations

from django.urls import path

from kasse.peripherals import views

app_name = "peripherals"

urlpatterns = [
    path("", views.device_list, name="device_list"),
    path("live/", views.live, name="live"),
    path("scanners/new/<uuid:store_id>/", views.scanner_create, name="scanner_create"),
    path("scanners/<uuid:scanner_id>/", views.scanner_edit, name="scanner_edit"),
    path("scanners/<uuid:scanner_id>/deactivate/", views.scanner_deactivate, name="scanner_deactivate"),
    path("displays/new/<uuid:store_id>/", views.display_create, name="display_create"),
    path("displays/<uuid:display_id>/", views.display_edit, name="display_edit"),
    path("displays/<uuid:display_id>/test/", views.display_test, name="display_test"),
    path("displays/<uuid:display_id>/deactivate/", views.display_deactivate, name="display_deactivate"),
]
