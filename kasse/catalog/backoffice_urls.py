"""Back-office pages of the catalog app (mounted by kasse/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.catalog import backoffice_views

app_name = "catalog"

urlpatterns: list[URLPattern] = [
    path("", backoffice_views.product_list, name="product-list"),
    path("products/new/", backoffice_views.product_create, name="product-create"),
    path("products/<uuid:pk>/", backoffice_views.product_edit, name="product-edit"),
    path("products/variant-row/", backoffice_views.variant_row, name="variant-row"),
    path("products/generate-variants/", backoffice_views.variant_generate, name="variant-generate"),
    path("variants/<uuid:pk>/prices/", backoffice_views.variant_prices, name="variant-prices"),
    path("categories/", backoffice_views.category_list, name="category-list"),
    path("categories/new/", backoffice_views.category_create, name="category-create"),
    path("categories/<uuid:pk>/", backoffice_views.category_edit, name="category-edit"),
    path("export.csv", backoffice_views.product_export, name="product-export"),
    path("import/", backoffice_views.product_import, name="product-import"),
]
