"""Back-office URLs of bookkeeping, under ``/sales/``."""

from django.urls import path

from kasse.bookkeeping import backoffice_views as views
from kasse.bookkeeping import cash_book_views

app_name = "bookkeeping"

urlpatterns = [
    path("z-reports/", views.z_report_list, name="z-report-list"),
    path("z-reports/<uuid:shift_id>/", views.z_report_detail, name="z-report-detail"),
    path("z-reports/<uuid:shift_id>/pdf/", views.z_report_pdf, name="z-report-pdf"),
    path("z-reports/<uuid:shift_id>/reprint/", views.z_report_reprint, name="z-report-reprint"),
    path("cash-book/", cash_book_views.cash_book_page, name="cash-book"),
    path("cash-book/<uuid:store_id>/entries/", cash_book_views.cash_book_entry, name="cash-book-entry"),
    path("cash-book/entries/<uuid:entry_id>/correct/", cash_book_views.cash_book_correct, name="cash-book-correct"),
    path("cash-book/<uuid:store_id>/<int:year>-<int:month>.csv", cash_book_views.cash_book_csv, name="cash-book-csv"),
    path(
        "cash-book/<uuid:store_id>/<int:year>-<int:month>.pdf", cash_book_views.cash_book_pdf_view, name="cash-book-pdf"
    ),
    path("exports/", views.export_list, name="export-list"),
    path("exports/<uuid:export_id>/", views.export_progress, name="export-progress"),
    path("exports/<uuid:export_id>/download/", views.export_download, name="export-download"),
]
