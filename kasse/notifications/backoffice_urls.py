"""Back-office pages for webhook endpoints (mounted at /settings/webhooks/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.notifications import backoffice_views as views

app_name = "notifications"

urlpatterns: list[URLPattern] = [
    path("", views.endpoint_list, name="endpoint-list"),
    path("new/", views.endpoint_create, name="endpoint-create"),
    path("<uuid:pk>/", views.endpoint_detail, name="endpoint-detail"),
    path("<uuid:pk>/secret/", views.endpoint_rotate_secret, name="endpoint-rotate-secret"),
    path("<uuid:pk>/test/", views.endpoint_send_test, name="endpoint-send-test"),
    path("<uuid:pk>/delete/", views.endpoint_delete, name="endpoint-delete"),
    path("deliveries/<uuid:pk>/", views.delivery_detail, name="delivery-detail"),
    path("deliveries/<uuid:pk>/redeliver/", views.delivery_redeliver, name="delivery-redeliver"),
]
