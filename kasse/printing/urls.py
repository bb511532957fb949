"""Back-office printer pages, mounted at /devices/printers/."""

from __future__ import annotations

from django.urls import path

from kasse.printing import views

app_name = "printing"

urlpatterns = [
    path("", views.printer_list, name="printer_list"),
    path("live/", views.live, name="live"),
    path("new/<uuid:store_id>/", views.printer_create, name="printer_create"),
    path("<uuid:printer_id>/", views.printer_edit, name="printer_edit"),
    path("<uuid:printer_id>/test/", views.printer_test, name="printer_test"),
    path("<uuid:printer_id>/virtual/<int:number>.png", views.virtual_picture, name="virtual_picture"),
    path("jobs/<uuid:job_id>/retry/", views.job_retry, name="job_retry"),
    path("discover/", views.discover, name="discover"),
    path("usb/", views.usb, name="usb"),
    path("labels/", views.labels, name="labels"),
]
