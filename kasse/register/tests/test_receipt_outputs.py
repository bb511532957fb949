"""Receipt outputs at the register: PDF download, e-mail, reprint list; the receipt code's Code 128 bars."""

from __future__ import annotations

import json

import pytest
from barcode import Code128
from bs4 import BeautifulSoup
from django_scopes import scopes_disabled

from kasse.core.models import AuditEntry
from kasse.register.barcodes import code128_bars
from kasse.sales.models import Sale
from kasse.tenancy.models import Organization
from kasse.testing.pdf import pdf_text
from kasse.testing.plugin import soup_of, text


def _sell(till, *codes, cash="20"):
    for code in codes:
        till.post("/register/cart/scan/", {"code": code})
    till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": cash}])})
    with scopes_disabled():
        return Sale.objects.order_by("-receipt_number").first()


@pytest.mark.django_db
def test_pdf_has_the_receipt_with_umlauts_and_total(till, bakery):
    sale = _sell(till, "4000000000017", "4000000000017", "4000000000024")
    with scopes_disabled():
        sale = Sale.objects.select_related("store", "register").get(pk=sale.pk)
    response = till.get(f"/register/receipt/{sale.pk}/pdf/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="receipt-{sale.register.number}-1.pdf"'
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "Brötchen" in text
    assert "Summe" in text
    assert "3,70 €" in text
    assert f"R-{sale.store.number}-{sale.register.number}-1" in text


@pytest.mark.django_db
def test_pdf_of_a_foreign_or_missing_receipt_is_404(till):
    assert till.get("/register/receipt/00000000-0000-0000-0000-000000000000/pdf/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "subject", "total_line"),
    [
        ("de", "Ihr Beleg 1 von", "Summe: 3,25 €"),
        ("en", "Your receipt 1 from", "Total: 3.25 €"),
    ],
)
def test_email_in_the_organization_language_with_html_text_and_pdf(
    till, bakery, organization, mailoutbox, django_capture_on_commit_callbacks, language, subject, total_line
):
    with scopes_disabled():
        Organization.objects.filter(pk=organization.pk).update(language=language)
    sale = _sell(till, "4000000000017", "4000000000024")
    with django_capture_on_commit_callbacks(execute=True):
        response = till.post(
            f"/register/receipt/{sale.pk}/email/", {"email": " kunde@example.org "}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 200
    assert soup_of(response).select_one("[data-testid=email-sent]").text == "The receipt was sent to kunde@example.org."
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["kunde@example.org"]
    assert mail.subject.startswith(subject)
    assert total_line in mail.body
    html = BeautifulSoup(mail.alternatives[0][0], "html.parser")
    assert html.select_one("[data-testid=receipt-total]").text.replace("\xa0", " ") in ("3,25 €", "3.25 €")
    filename, content, mimetype = mail.attachments[0]
    assert (mimetype, content[:4]) == ("application/pdf", b"%PDF")
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="sales.receipt.emailed").count() == 1


@pytest.mark.django_db
def test_email_to_a_bad_address_is_refused_and_sends_nothing(
    till, bakery, mailoutbox, django_capture_on_commit_callbacks
):
    sale = _sell(till, "4000000000017")
    with django_capture_on_commit_callbacks(execute=True):
        response = till.post(f"/register/receipt/{sale.pk}/email/", {"email": "kunde@"}, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 422
    assert text(soup_of(response), "email-error") == "Bitte eine gültige E-Mail-Adresse eingeben."
    assert soup_of(response).select_one("[data-testid=receipt-email]")["value"] == "kunde@"
    assert mailoutbox == []


@pytest.mark.django_db
def test_reprint_list_shows_the_last_receipts_and_finds_by_number(till, register, bakery):
    first = _sell(till, "4000000000017")
    _sell(till, "4000000000024")
    _sell(till, "4000000000017", "4000000000017")
    listing = till.get("/register/receipts/", HTTP_ACCEPT_LANGUAGE="de")
    rows = [
        (tr["data-number"], tr.select_one(".num").text) for tr in soup_of(listing).select("[data-testid=receipt-row]")
    ]
    n = register.number
    assert rows == [(f"{n}/3", "0,90 €"), (f"{n}/2", "2,80 €"), (f"{n}/1", "0,45 €")]
    found = till.get("/register/receipts/", {"q": "1", "partial": "1"})
    soup = soup_of(found)
    assert [tr["data-number"] for tr in soup.select("[data-testid=receipt-row]")] == [f"{n}/1"]
    assert soup.select_one("[data-testid=show-receipt]")["href"] == f"/register/receipt/{first.pk}/"
    assert (
        soup_of(till.get("/register/receipts/", {"q": f"{n + 7}/1", "partial": "1"})).select_one(
            "[data-testid=no-receipts]"
        )
        is not None
    )


def test_receipt_code_bars_are_code128_with_set_c_for_digit_runs_and_quiet_zones():
    drawn = code128_bars("R-1-2-1042")
    modules = ["0"] * drawn.width
    for x, width in drawn.bars:
        modules[x : x + width] = ["1"] * width
    assert "".join(modules) == "0" * 10 + Code128("R-1-2-1042").build()[0] + "0" * 10
    # start B, "R-1-2-", code C, "10" "42", check, stop: 11 symbols of 11 modules and a stop of 13
    assert drawn.width == 10 + 11 * 11 + 13 + 10
    assert "".join(modules[10:21]) == "11010010000"  # start B
    assert "".join(modules[-23:-10]) == "1100011101011"  # stop
