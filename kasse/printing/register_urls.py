"""Printing at the register, mounted at /register/print/ (the register's device cookie applies)."""

from __future__ import annotations

from django.urls import path

from kasse.printing import register_views

app_name = "printing-register"

urlpatterns = [
    path("status/", register_views.status, name="status"),
    path("jobs/", register_views.jobs, name="job-list"),
    path("jobs/<uuid:job_id>/retry/", register_views.retry, name="retry"),
    path("receipt/<uuid:sale_id>/", register_views.reprint, name="reprint"),
    path("x/", register_views.x_report, name="x-report"),
    path("z/<uuid:shift_id>/", register_views.z_report, name="z-report"),
    path("drawer/", register_views.drawer, name="drawer"),
    path("label/", register_views.label, name="label"),
    path("drawer/form/", register_views.drawer_form, name="drawer-form"),
]
