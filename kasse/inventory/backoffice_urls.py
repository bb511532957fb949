"""Back-office stock pages, mounted at /stock/."""

from __future__ import annotations

from django.urls import path

from kasse.inventory import backoffice_views, reorder_views

app_name = "inventory"

urlpatterns = [
    path("levels/", backoffice_views.stock_list, name="stock-list"),
    path("levels/store/<uuid:store_id>/", backoffice_views.stock_list, name="stock-store"),
    path("reorder-levels/<uuid:product_id>/", reorder_views.reorder_levels, name="reorder-levels"),
    path("receipts/", backoffice_views.store_list, name="goods-receipt-list"),
    path("receipts/store/<uuid:store_id>/", backoffice_views.goods_receipt, name="goods-receipt-create"),
    path("receipts/<uuid:receipt_id>/", backoffice_views.goods_receipt_detail, name="goods-receipt-detail"),
]
