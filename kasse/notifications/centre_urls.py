"""The notification centre (mounted at /notifications/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.notifications import centre_views as views

app_name = "notifications-centre"

urlpatterns: list[URLPattern] = [
    path("", views.centre, name="centre"),
    path("settings/", views.settings, name="settings"),
    path("read/", views.read_all, name="read-all"),
]
