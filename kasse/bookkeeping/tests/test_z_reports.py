"""The Z report archive in the back office: every closing, its figures, reprint and PDF."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from kasse.printing.models import JobKind, PrintJob
from kasse.testing.pdf import pdf_text
from kasse.testing.plugin import soup_of, text, texts

pytestmark = pytest.mark.django_db


def test_the_archive_lists_each_closing_with_its_totals_and_cash_difference(owner_client, closed_day):
    # Given a closed day; when the owner opens the archive
    page = soup_of(owner_client.get("/sales/z-reports/"))
    # Then the closing is listed with its number, the receipts' total and the cash difference
    rows = page.select("[data-testid=z-row]")
    assert [row["data-z"] for row in rows] == ["1"]
    assert text(rows[0], "z-total") == "6,05 €"  # 3.70 + 2.80 - 0.45
    assert text(rows[0], "z-difference") == "-0,25 €"


def test_a_closing_shows_payment_vat_employee_and_counted_against_expected(owner_client, closed_day):
    page = soup_of(owner_client.get(f"/sales/z-reports/{closed_day.pk}/"))
    assert texts(page, "z-payment") == ["Bar 3,25 €", "Karte 2,80 €"]
    assert texts(page, "z-vat-row") == ["19 % 4,70 € 0,90 € 5,60 €", "7 % 0,42 € 0,03 € 0,45 €"]
    assert texts(page, "z-employee") == ["Clara 6,50 €", "Max -0,45 €"]
    assert text(page, "z-expected") == "83,25 €"
    assert text(page, "z-counted") == "83,00 €"
    assert text(page, "z-grand-total") == "6,05 €"


def test_the_pdf_is_the_printed_z_report(owner_client, closed_day):
    response = owner_client.get(f"/sales/z-reports/{closed_day.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    shown = pdf_text(response.content)
    assert "Z-Bon 1" in shown or "Z report 1" in shown
    assert "Differenz" in shown or "Difference" in shown


def test_reprint_queues_the_z_report_on_the_registers_printer(owner_client, closed_day, receipt_printer):
    response = owner_client.post(f"/sales/z-reports/{closed_day.pk}/reprint/")
    assert response.status_code == 302
    with scopes_disabled():
        job = PrintJob.objects.get(shift=closed_day)
    assert job.kind == JobKind.Z_REPORT
    assert job.printer == receipt_printer


def test_reprint_without_a_printer_says_so_and_queues_nothing(owner_client, closed_day):
    response = owner_client.post(f"/sales/z-reports/{closed_day.pk}/reprint/", follow=True)
    errors = [li.get_text(strip=True) for li in soup_of(response).select(".msg-error")]
    assert errors == ["Für diese Kasse ist kein Bondrucker eingerichtet."]
    with scopes_disabled():
        assert not PrintJob.objects.exists()


def test_a_manager_of_another_store_sees_no_closing_of_this_store(other_store_manager_client, closed_day):
    page = soup_of(other_store_manager_client.get("/sales/z-reports/"))
    assert not page.select("[data-testid=z-row]")
    assert other_store_manager_client.get(f"/sales/z-reports/{closed_day.pk}/").status_code == 404
    # a store id of a store they may not see in the filter shows nothing either
    page = soup_of(other_store_manager_client.get(f"/sales/z-reports/?store={closed_day.store_id}"))
    assert not page.select("[data-testid=z-row]")


def test_a_bad_cursor_shows_the_first_page(owner_client, closed_day):
    page = soup_of(owner_client.get("/sales/z-reports/?after=nonsense_x"))
    assert len(page.select("[data-testid=z-row]")) == 1
