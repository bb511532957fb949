"""Back-office stock pages, mounted at /stock/."""

from __future__ import annotations

from django.urls import path

from kasse.inventory import views

app_name = "inventory"

urlpatterns = [
    path("receipts/", views.store_list, name="goods_receipts"),
    path("receipts/store/<uuid:store_id>/", views.goods_receipt, name="goods_receipt"),
    path("receipts/<uuid:receipt_id>/", views.goods_receipt_detail, name="goods_receipt_detail"),
]
