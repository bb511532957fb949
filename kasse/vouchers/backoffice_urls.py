"""Back-office pages of gift cards (mounted at /vouchers/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.vouchers import backoffice_views

app_name = "vouchers"

urlpatterns: list[URLPattern] = [
    path("", backoffice_views.voucher_index, name="voucher-list"),
    path("<uuid:pk>/", backoffice_views.voucher_detail, name="voucher-detail"),
    path("types/<uuid:pk>/toggle/", backoffice_views.type_toggle, name="type-toggle"),
]
