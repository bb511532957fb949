"""Back-office pages of the customers app (mounted at /customers/ by kasse/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.customers import backoffice_views

app_name = "customers"

urlpatterns: list[URLPattern] = [
    path("", backoffice_views.customer_list, name="customer-list"),
    path("new/", backoffice_views.customer_create, name="customer-create"),
    path("<uuid:pk>/", backoffice_views.customer_detail, name="customer-detail"),
    path("<uuid:pk>/edit/", backoffice_views.customer_edit, name="customer-edit"),
]
