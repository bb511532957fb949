"""Back-office URLs of bookkeeping, under ``/sales/``."""

from django.urls import path

from kasse.bookkeeping import backoffice_views as views

app_name = "bookkeeping"

urlpatterns = [
    path("z-reports/", views.z_report_list, name="z-report-list"),
    path("z-reports/<uuid:shift_id>/", views.z_report_detail, name="z-report-detail"),
    path("z-reports/<uuid:shift_id>/pdf/", views.z_report_pdf, name="z-report-pdf"),
    path("z-reports/<uuid:shift_id>/reprint/", views.z_report_reprint, name="z-report-reprint"),
]
