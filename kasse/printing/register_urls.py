"""Printing at the register, mounted at /register/print/ (the register's device cookie applies)."""

from __future__ import annotations

from django.urls import path

from kasse.printing import register_views as views

app_name = "register_print"

urlpatterns = [
    path("status/", views.status, name="status"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<uuid:job_id>/retry/", views.retry, name="retry"),
    path("receipt/<uuid:sale_id>/", views.reprint, name="reprint"),
    path("x/", views.x_report, name="x_report"),
    path("z/<uuid:shift_id>/", views.z_report, name="z_report"),
    path("drawer/", views.drawer, name="drawer"),
    path("label/", views.label, name="label"),
    path("drawer/form/", views.drawer_form, name="drawer_form"),
]
