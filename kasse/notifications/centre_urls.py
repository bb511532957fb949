"""The notification centre (mounted at /notifications/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.notifications import centre_views as views
from kasse.notifications import channel_views

app_name = "notifications-centre"

urlpatterns: list[URLPattern] = [
    path("", views.centre, name="centre"),
    path("settings/", views.settings, name="settings"),
    path("read/", views.read_all, name="read-all"),
    path("push/subscribe/", channel_views.subscribe, name="push-subscribe"),
    path("push/key/", channel_views.push_key, name="push-key"),
    path("push/resubscribe/", channel_views.resubscribe, name="push-resubscribe"),
    path("push/unsubscribe/", channel_views.unsubscribe, name="push-unsubscribe"),
    path("push/<uuid:pk>/remove/", channel_views.remove_device, name="push-remove"),
    path("quiet-hours/", channel_views.quiet_hours, name="quiet-hours"),
]
