"""The register (mounted at /register/; a paired device cookie identifies the register)."""

from __future__ import annotations

from django.urls import path

from kasse.register import customer_views, display, pay_views, receipt_views, returns_views, shift_views, views

app_name = "register"

urlpatterns = [
    path("", views.main, name="main"),
    path("pair/", views.pair, name="pair"),
    path("lock/", views.lock_screen, name="lock"),
    path("unlock/", views.unlock_view, name="unlock"),
    path("lock/now/", views.lock_view, name="lock_now"),
    path("products/", views.products, name="products"),
    path("products/<uuid:product_id>/variants/", views.variants, name="variants"),
    path("cart/", views.cart, name="cart"),
    path("cart/scan/", views.scan, name="scan"),
    path("cart/add/", views.add, name="add"),
    path("cart/pay/", views.pay, name="pay"),
    path("cart/pay/panel/", pay_views.pay_panel, name="pay_panel"),
    path("cart/pay/card/", pay_views.card_step, name="card_step"),
    path("cart/line/<uuid:line_id>/<slug:action>/", views.line_action, name="line_action"),
    path("cart/<slug:action>/", views.cart_action, name="cart_action"),
    path("customers/", customer_views.customer_search, name="customer_search"),
    path("customers/new/", customer_views.customer_create, name="customer_create"),
    path("parked/", views.parked, name="parked"),
    path("parked/<uuid:cart_id>/resume/", views.resume, name="resume"),
    path("receipt/<uuid:sale_id>/", views.receipt, name="receipt"),
    path("display/", display.display, name="display"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("icon-<int:size>.png", views.icon, name="icon"),
    path("shift/open/", shift_views.open_shift_view, name="shift_open"),
    path("shift/menu/", shift_views.menu, name="shift_menu"),
    path("shift/cash/", shift_views.cash_movement, name="shift_cash"),
    path("shift/x/", shift_views.x_report, name="shift_x"),
    path("shift/close/", shift_views.close, name="shift_close"),
    path("shift/reports/", shift_views.z_reports, name="shift_reports"),
    path("shift/<uuid:shift_id>/z/", shift_views.z_report, name="shift_z"),
    path("returns/", returns_views.start, name="returns"),
    path("returns/find/", returns_views.find, name="returns_find"),
    path("returns/without-receipt/", returns_views.without_receipt, name="returns_without_receipt"),
    path("returns/<uuid:sale_id>/", returns_views.with_receipt, name="returns_receipt"),
    path("receipts/", receipt_views.receipts, name="receipts"),
    path("receipt/<uuid:sale_id>/pdf/", receipt_views.pdf, name="receipt_pdf"),
    path("receipt/<uuid:sale_id>/email/", receipt_views.email, name="receipt_email"),
]
