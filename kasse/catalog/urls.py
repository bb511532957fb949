"""Back-office pages of the catalog app (mounted by kasse/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.catalog import views

app_name = "catalog"

urlpatterns: list[URLPattern] = [
    path("", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<uuid:pk>/", views.product_edit, name="product_edit"),
    path("products/variant-row/", views.variant_row, name="variant_row"),
    path("products/generate-variants/", views.variant_generate, name="variant_generate"),
    path("variants/<uuid:pk>/prices/", views.variant_prices, name="variant_prices"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/new/", views.category_create, name="category_create"),
    path("categories/<uuid:pk>/", views.category_edit, name="category_edit"),
    path("export.csv", views.product_export, name="product_export"),
    path("import/", views.product_import, name="product_import"),
]
