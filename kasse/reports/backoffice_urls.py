"""Back-office pages of the reports (mounted by kasse/urls.py at /reports/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.reports import backoffice_views

app_name = "reports"

urlpatterns: list[URLPattern] = [
    path("", backoffice_views.report_list, name="report-list"),
    path("<slug:kind>/", backoffice_views.report_show, name="report-show"),
    path("<slug:kind>/stores/<uuid:store_pk>/", backoffice_views.report_store, name="report-store"),
]
