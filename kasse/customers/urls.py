"""Back-office pages of the customers app (mounted at /customers/ by kasse/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.customers import views

app_name = "customers"

urlpatterns: list[URLPattern] = [
    path("", views.customer_list, name="customer_list"),
    path("new/", views.customer_create, name="customer_create"),
    path("<uuid:pk>/", views.customer_detail, name="customer_detail"),
    path("<uuid:pk>/edit/", views.customer_edit, name="customer_edit"),
]
