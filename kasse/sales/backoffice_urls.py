"""Back-office URLs of sales (mounted at ``/sales/``)."""

from __future__ import annotations

from django.urls import path

from kasse.sales import backoffice_views

app_name = "sales"

urlpatterns = [
    path("receipts/", backoffice_views.journal, name="receipt-list"),
    path("receipts/<uuid:sale_id>/", backoffice_views.receipt_detail, name="receipt-detail"),
    path("receipts/<uuid:sale_id>/pdf/", backoffice_views.receipt_pdf_download, name="receipt-pdf"),
    path("receipts/<uuid:sale_id>/email/", backoffice_views.receipt_email, name="receipt-email"),
]
