"""Back-office pages of loyalty (mounted at /loyalty/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.loyalty import backoffice_views

app_name = "loyalty"

urlpatterns: list[URLPattern] = [
    path("", backoffice_views.program, name="program"),
    path("customers/<uuid:pk>/adjust/", backoffice_views.adjust, name="points-adjust"),
    path("customers/<uuid:pk>/card-link/", backoffice_views.card_link, name="card-link-send"),
]
