"""A QR payment is its own payment method (``qr``), not "other": on the receipt, the Z report, the owner's
reports, the DSFinV-K export and the DATEV export (docs/payments.md, "QR payments as a payment method")."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from kasse.fiscal.datev_export import ExportRequest, export_lines, prepare_export
from kasse.fiscal.tests.datev_world import configure, parse
from kasse.hardware.printers.base import Columns
from kasse.payments.models import PaymentProvider
from kasse.payments.qr import bluecode_server as magic
from kasse.payments.qr.services import QR_PROVIDERS
from kasse.payments.tests.qr_fixtures import start_qr
from kasse.printing.documents import shift_report_document
from kasse.reports import aggregates, selectors
from kasse.sales import daily_sums
from kasse.sales.dsfinvk.export import closings
from kasse.sales.dsfinvk.receipts import ZAHLART
from kasse.sales.models import PaymentMethod, Sale, Shift
from kasse.sales.receipt import build_receipt
from kasse.sales.tests.dsfinvk_check import export_zip, read_export
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language():
    yield
    translation.deactivate()


def _pay(till, payments):
    return till.post("/register/cart/pay/", {"payments": json.dumps(payments)}, HTTP_ACCEPT_LANGUAGE="en")


def _close(till):
    review = till.post("/register/shift/close/", {"step": "review", "d-20": "5"})
    form = soup_of(review).select_one("[data-testid=close-review-panel] form")
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    return till.post("/register/shift/close/", {**data, "step": "confirm"}, HTTP_ACCEPT_LANGUAGE="en")


def test_a_qr_paid_sale_is_a_qr_payment_on_the_receipt_z_report_reports_dsfinvk_and_datev(
    till, organization, store, register, bakery, bluecode, qr_runner
):
    # Given a coffee (2.80) paid with a scanned Bluecode code at the register, and the shift closed
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    payment = start_qr(register, magic.APPROVE_NOW)
    qr_runner.step()
    assert _pay(till, [{"method": "qr", "amount": "2.80", "reference": f"qr:{payment.pk}"}]).status_code == 200
    with scopes_disabled():
        sale = Sale.objects.get()
        assert list(sale.payments.values_list("method", "amount")) == [("qr", Decimal("2.80"))]
    assert _close(till).status_code in (200, 204, 302)
    with scopes_disabled():
        shift = Shift.objects.get(register=register)
    assert shift.status == "closed"

    with translation.override("de"), scope(organization=organization):
        # The receipt names it
        assert [p.label for p in build_receipt(sale).payments] == ["QR-Zahlung"]
        # The Z report (printed and as its PDF) lists it apart from card and other payments
        columns = {
            b.left: b.right for b in shift_report_document(shift, language="de").blocks if isinstance(b, Columns)
        }
        assert columns["QR-Zahlung"] == "2,80"
        assert "Sonstige" not in columns
        # The owner's report by payment method
        aggregates.rebuild_organization(organization.pk)
        today = timezone.localdate()
        report = selectors.by_payment([store], selectors.Period(today, today), None)
        assert [(row["label"], row["gross"]) for row in report.rows] == [("QR-Zahlung", Decimal("2.80"))]
        # DSFinV-K: an electronic payment service provider, named, in the receipt and the closing's sums
        files = read_export(export_zip(closings([register], today - timedelta(days=1), today + timedelta(days=1))))
    paid = [(r["ZAHLART_TYP"], r["ZAHLART_NAME"], r["BASISWAEH_BETRAG"]) for r in files["datapayment.csv"]]
    assert [p for r, p in zip(files["datapayment.csv"], paid, strict=True) if r["BON_ID"] == str(sale.pk)] == [
        ("ElZahlungsdienstleister", "Bluecode", "2,80")
    ]
    summed = {(r["ZAHLART_TYP"], r["ZAHLART_NAME"]): r["Z_ZAHLART_BETRAG"] for r in files["payment.csv"]}
    assert summed[("ElZahlungsdienstleister", "Bluecode")] == "2,80"
    assert not [key for key in summed if key[1] == "Sonstige"]

    # DATEV: booked to the QR payments account (Geldtransit by default, the owner may set another)
    configure(organization, qr="1361")
    organization.language = "de"
    organization.save()
    request = ExportRequest(organization=organization, stores=[store], date_from=today, date_to=today)
    _, _, rows = parse(b"".join(export_lines(request, prepare_export(request), daily_sums)))
    payments = [row for row in rows if row[6] == "1361"]
    assert len(payments) == 1
    assert payments[0][0] == "2,80"
    assert "QR-Zahlung" in payments[0][13]


def test_a_qr_tender_without_an_approved_payment_is_refused(till, register, bakery):
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    response = _pay(till, [{"method": "qr", "amount": "2.80"}])  # no payment named: not money
    assert response.status_code == 422
    assert "not approved by its provider" in soup_of(response).select_one("[data-testid=cart-error]").text
    with scopes_disabled():
        assert not Sale.objects.exists()


def test_every_qr_provider_has_its_name_in_the_dsfinvk_export():
    # ZAHLART_NAME names the provider; a second provider needs a method (and a name) of its own
    assert QR_PROVIDERS == (PaymentProvider.BLUECODE,)
    assert ZAHLART[PaymentMethod.QR] == ("ElZahlungsdienstleister", str(PaymentProvider.BLUECODE.label))
    assert ZAHLART[PaymentMethod.CARD][0] == "Unbar"  # unchanged: a card is not a payment service provider


def test_the_labels_of_a_qr_payment_in_german_and_english():
    with translation.override("en"):
        assert str(PaymentMethod.QR.label) == "QR payment"
    with translation.override("de"):
        assert str(PaymentMethod.QR.label) == "QR-Zahlung"
