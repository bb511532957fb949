"""Back-office printer pages, mounted at /devices/printers/."""

from __future__ import annotations

from django.urls import path

from kasse.printing import backoffice_views

app_name = "printing"

urlpatterns = [
    path("", backoffice_views.printer_list, name="printer-list"),
    path("live/", backoffice_views.live, name="live"),
    path("new/<uuid:store_id>/", backoffice_views.printer_create, name="printer-create"),
    path("<uuid:printer_id>/", backoffice_views.printer_edit, name="printer-edit"),
    path("<uuid:printer_id>/test/", backoffice_views.printer_test, name="printer-test"),
    path("<uuid:printer_id>/virtual/<int:number>.png", backoffice_views.virtual_picture, name="virtual-picture"),
    path("jobs/<uuid:job_id>/retry/", backoffice_views.job_retry, name="job-retry"),
    path("discover/", backoffice_views.discover, name="discover"),
    path("usb/", backoffice_views.usb, name="usb"),
    path("labels/", backoffice_views.labels, name="label-list"),
]
