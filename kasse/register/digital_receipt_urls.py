"""The digital receipt's link (mounted at /r/, public: the token is the key)."""

from __future__ import annotations

from django.urls import path

from kasse.register import digital_receipt_views

app_name = "digital-receipt"

urlpatterns = [
    path("<str:token>/", digital_receipt_views.show, name="receipt-show"),
    path("<str:token>/pdf/", digital_receipt_views.pdf, name="receipt-pdf"),
]
