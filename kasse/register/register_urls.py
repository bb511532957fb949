"""The register (mounted at /register/; a paired device cookie identifies the register)."""

from __future__ import annotations

from django.urls import path

from kasse.register import (
    card_views,
    customer_views,
    display,
    pay_views,
    receipt_views,
    register_views,
    returns_views,
    shift_views,
    training_views,
    voucher_views,
)

app_name = "register"

urlpatterns = [
    path("", register_views.main, name="main"),
    path("pair/", register_views.pair, name="pair"),
    path("lock/", register_views.lock_screen, name="lock"),
    path("unlock/", register_views.unlock_view, name="unlock"),
    path("lock/now/", register_views.lock_view, name="lock-now"),
    path("products/", register_views.products, name="products"),
    path("products/<uuid:product_id>/variants/", register_views.variants, name="variants"),
    path("cart/", register_views.cart, name="cart"),
    path("cart/scan/", register_views.scan, name="scan"),
    path("cart/add/", register_views.add, name="add"),
    path("cart/pay/", register_views.pay, name="pay"),
    path("cart/pay/panel/", pay_views.pay_panel, name="pay-panel"),
    path("cart/pay/card/", pay_views.card_step, name="card-step"),
    path("cart/gift-card/", voucher_views.gift_card, name="gift-card"),
    path("gift-card/balance/", voucher_views.gift_card_balance, name="gift-card-balance"),
    path("cart/pay/card/start/", card_views.card_start, name="card-start"),
    path("cart/pay/card/<uuid:payment_id>/", card_views.card_status, name="card-status"),
    path("cart/pay/card/<uuid:payment_id>/cancel/", card_views.card_cancel, name="card-cancel"),
    path("cart/line/<uuid:line_id>/<slug:action>/", register_views.line_action, name="line-action"),
    path("cart/<slug:action>/", register_views.cart_action, name="cart-action"),
    path("customers/", customer_views.customer_search, name="customer-search"),
    path("customers/new/", customer_views.customer_create, name="customer-create"),
    path("parked/", register_views.parked, name="parked"),
    path("parked/<uuid:cart_id>/resume/", register_views.resume, name="resume"),
    path("receipt/<uuid:sale_id>/", register_views.receipt, name="receipt"),
    path("display/", display.display, name="display"),
    path("manifest.webmanifest", register_views.manifest, name="manifest"),
    path("icon-<int:size>.png", register_views.icon, name="icon"),
    path("shift/open/", shift_views.open_shift_view, name="shift-open"),
    path("shift/menu/", shift_views.menu, name="shift-menu"),
    path("shift/cash/", shift_views.cash_movement, name="shift-cash"),
    path("shift/x/", shift_views.x_report, name="shift-x"),
    path("shift/close/", shift_views.close, name="shift-close"),
    path("training/", training_views.training, name="training"),
    path("shift/reports/", shift_views.z_reports, name="shift-reports"),
    path("shift/<uuid:shift_id>/z/", shift_views.z_report, name="shift-z"),
    path("returns/", returns_views.start, name="return-start"),
    path("returns/find/", returns_views.find, name="return-find"),
    path("returns/without-receipt/", returns_views.without_receipt, name="return-without-receipt"),
    path("returns/<uuid:sale_id>/", returns_views.with_receipt, name="return-with-receipt"),
    path("receipts/", receipt_views.receipts, name="receipt-list"),
    path("receipt/<uuid:sale_id>/pdf/", receipt_views.pdf, name="receipt-pdf"),
    path("receipt/<uuid:sale_id>/email/", receipt_views.email, name="receipt-email"),
    path("receipt/<uuid:sale_id>/issue/", receipt_views.issue, name="receipt-issue"),
]
