"""The report pages: right figures from seeded receipts, downloads that open, bad filters, store managers."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.test import Client

from kasse.fiscal.tests.datev_world import add_sale, open_shift
from kasse.reports.backoffice_views import KINDS
from kasse.sales.models import SaleKind
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, RegisterFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
DAY = datetime(2026, 10, 25, 1, 30, tzinfo=BERLIN)  # the night the clocks go back
PERIOD = {"date_from": "2026-10-01", "date_to": "2026-10-31"}


@pytest.fixture
def shops(organization):
    store = StoreFactory(organization=organization, number=1, name="Mitte")
    other = StoreFactory(organization=organization, number=2, name="Nord")
    shift = open_shift(RegisterFactory(store=store, organization=organization), DAY)
    add_sale(shift, DAY, {"19": "11.90", "7": "10.70"}, {"cash": "22.60"})
    add_sale(shift, DAY.replace(hour=14), {"19": "5.95"}, {"card": "5.95"})
    add_sale(shift, DAY.replace(hour=15), {"19": "-5.95"}, {"card": "-5.95"}, kind=SaleKind.REFUND)
    add_sale(
        open_shift(RegisterFactory(store=other, organization=organization), DAY), DAY, {"7": "2.14"}, {"card": "2.14"}
    )
    return store, other


def _client(organization, store=None, role=Role.MANAGER) -> Client:
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, role) if store else role)
    client = Client()
    client.force_login(user)
    return client


def test_the_vat_report_shows_net_vat_and_gross_per_rate_to_the_cent(organization, shops):
    response = _client(organization, role=Role.OWNER).get("/reports/vat/", {**PERIOD}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    vat = response.context["report"]
    by_rate = {r["label"]: r for r in vat.rows}
    assert by_rate["19 %"]["total_gross"] == Decimal("11.90")  # 11.90 + 5.95 - 5.95
    assert by_rate["19 %"]["total_net"] == Decimal("10.00")
    assert by_rate["19 %"]["returns_gross"] == Decimal("-5.95")
    assert by_rate["7 %"]["total_gross"] == Decimal("12.84")
    assert vat.totals["total_gross"] == Decimal("24.74")
    assert b'id="report-chart-data"' in response.content


def test_every_report_answers_for_a_year_with_a_comparison(organization, shops):
    client = _client(organization, role=Role.OWNER)
    for kind in KINDS:
        response = client.get(
            f"/reports/{kind.slug}/",
            {"date_from": "2026-01-01", "date_to": "2026-12-31", "compare": "year", "group": "month"},
        )
        assert response.status_code == 200, kind.slug
        # These receipts have no lines (datev_world): the product reports are empty but answer
        assert response.context["report"].rows or kind.slug in {"products", "slow-sellers", "categories", "margin"}


def test_the_xlsx_download_opens_with_the_right_totals(organization, shops):
    client = _client(organization, role=Role.OWNER)
    response = client.get("/reports/sales/", {**PERIOD, "format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Disposition"] == 'attachment; filename="sales_2026-10-01_2026-10-31.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Period", "Receipts", "Revenue (gross)")
    assert rows[-1][0] == "Total"
    assert rows[-1][1] == 3  # receipts of sales; the return is not a receipt sold
    assert Decimal(str(rows[-1][2])) == Decimal("24.74")
    assert len(rows) == 1 + 31 + 1  # a row per day of October


def test_csv_and_pdf_downloads(organization, shops):
    client = _client(organization, role=Role.OWNER)
    text = client.get("/reports/payments/", {**PERIOD, "format": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[-1][2] == "24,74"
    pdf = client.get("/reports/payments/", {**PERIOD, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2026-10-31", "date_to": "2026-10-01"}, "The period ends before it begins."),
        ({"date_from": "2020-01-01", "date_to": "2026-12-31"}, "A report covers at most 732 days"),
        ({"date_from": "1900-01-01", "date_to": "1900-01-02"}, "Choose dates between"),
        ({**PERIOD, "shop": "x"}, "Unknown filter: shop."),
        ({**PERIOD, "group": "decade"}, "Select a valid choice"),
        ({"date_from": "2026-02-30", "date_to": "2026-03-01"}, "Enter a valid date."),
    ],
)
def test_bad_filters_get_a_clear_message_and_read_nothing(organization, shops, query, message):
    response = _client(organization, role=Role.OWNER).get("/reports/sales/", query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "report" not in response.context or response.context.get("report") is None


def test_the_message_is_german_for_a_german_user(organization, shops):
    response = _client(organization, role=Role.OWNER).get(
        "/reports/sales/", {"date_from": "2026-10-31", "date_to": "2026-10-01"}, HTTP_ACCEPT_LANGUAGE="de"
    )
    assert "Der Zeitraum endet, bevor er beginnt." in response.content.decode()


def test_a_store_manager_sees_only_their_store(organization, shops):
    store, other = shops
    client = _client(organization, store=store)
    response = client.get("/reports/stores/", PERIOD)
    assert [r["label"] for r in response.context["report"].rows] == [str(store)]
    assert client.get(f"/reports/stores/stores/{other.pk}/", PERIOD).status_code == 404
    assert client.get("/reports/stores/", {**PERIOD, "store": str(other.pk)}).status_code == 404
    assert client.get(f"/reports/stores/stores/{store.pk}/", PERIOD).status_code == 200
    assert client.get("/reports/no-such-report/", PERIOD).status_code == 404


def test_a_cashier_cannot_open_reports(organization, shops):
    store, _other = shops
    assert _client(organization, store=store, role=Role.CASHIER).get("/reports/").status_code in {302, 403}


def test_a_product_name_is_never_a_formula_in_the_csv(organization, shops):
    from kasse.reports.downloads import as_csv
    from kasse.reports.selectors import Column, Report

    report = Report([Column("label", "Product"), Column("gross", "Gross", "money")], [{"label": "=1+1", "gross": 1}])
    assert as_csv(report).decode("utf-8-sig").splitlines()[1] == "'=1+1;1"
