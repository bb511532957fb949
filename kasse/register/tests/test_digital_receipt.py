"""Belegausgabepflicht at the register: after pay the cashier hands the receipt over printed, digital
or notes that the customer declined it, recorded per sale; the digital receipt is a QR code on the
customer display whose unguessable, expiring link opens the full receipt in the cloud with a PDF
(docs/receipts.md, "The digital receipt")."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
import segno
from bs4 import BeautifulSoup
from django.test import Client, override_settings
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.register.services.pairing import DEVICE_COOKIE
from kasse.sales.models import ReceiptIssue, Sale
from kasse.sales.services.receipt_issue import issue_receipt
from kasse.sync.models import NodeState
from kasse.testing.browser import scan
from kasse.testing.history import rewriting_history
from kasse.testing.plugin import open_register, paired_client

PAY = {"payments": json.dumps([{"method": "cash", "amount": "5"}])}


def _sell(till) -> Sale:
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    assert till.post("/register/cart/pay/", PAY).status_code == 200
    with scopes_disabled():
        return Sale.objects.order_by("-receipt_number").first()


def _issues(sale):
    with scopes_disabled():
        return list(ReceiptIssue.objects.filter(sale=sale).values_list("kind", flat=True))


@pytest.mark.django_db
@override_settings(PUBLIC_URL="https://kasse.example.org")
def test_the_cashier_hands_the_receipt_over_and_the_digital_link_opens_it_in_the_cloud(till, register, bakery):
    sale = _sell(till)
    # Declined: noted per sale
    response = till.post(f"/register/receipt/{sale.pk}/issue/", {"kind": "declined"})
    assert response.status_code == 200
    assert _issues(sale) == ["declined"]

    # Printed without a printer: refused, nothing recorded
    response = till.post(f"/register/receipt/{sale.pk}/issue/", {"kind": "printed"})
    assert response.status_code == 422
    assert "kein Bondrucker" in response.content.decode()
    assert _issues(sale) == ["declined"]

    # Digital: a QR code of a link into the cloud; only the token's digest is stored
    response = till.post(f"/register/receipt/{sale.pk}/issue/", {"kind": "digital"})
    assert response.status_code == 200
    qr = BeautifulSoup(response.content, "html.parser").select_one("[data-testid=receipt-link-qr]")
    url = qr["data-url"]
    assert url.startswith("https://kasse.example.org/r/")
    token = url.removeprefix("https://kasse.example.org/r/").rstrip("/")
    assert len(token) >= 32
    assert str(qr.svg) == str(BeautifulSoup(segno.make(url, error="m").svg_inline(scale=4, border=2), "html.parser"))
    with scopes_disabled():
        issue = ReceiptIssue.objects.get(sale=sale, kind="digital")
    assert issue.token_digest == hashlib.sha256(token.encode()).hexdigest()
    with scopes_disabled():
        assert token not in json.dumps(list(ReceiptIssue.objects.values()), default=str)
    assert timedelta(days=89) < issue.expires_at - timezone.now() <= timedelta(days=90)

    # The customer's phone: no cookie, no account
    phone = Client(HTTP_ACCEPT_LANGUAGE="de")
    page = phone.get(f"/r/{token}/")
    assert page.status_code == 200
    soup = BeautifulSoup(page.content, "html.parser")
    assert f"{sale.receipt_number}" in soup.select_one("[data-testid=receipt]").text
    assert "2,80" in soup.text
    assert page["Cache-Control"] == "private, no-store"
    pdf = phone.get(soup.select_one("[data-testid=digital-receipt-pdf]")["href"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_an_unknown_or_expired_link_says_the_receipt_is_not_here_yet_and_reloads(till, register, bakery, cashier):
    sale = _sell(till)
    phone = Client()
    unknown = phone.get("/r/" + "x" * 32 + "/")
    assert unknown.status_code == 404
    assert BeautifulSoup(unknown.content, "html.parser").select_one("meta[http-equiv=refresh]")["content"] == "10"
    with scopes_disabled():
        issued = issue_receipt(actor=Actor.system(), sale=sale, employee=cashier, kind="digital")
        path = "/r/" + issued.url.rsplit("/r/", 1)[1]
        assert phone.get(path).status_code == 200
        with rewriting_history("sales_receiptissue"):
            ReceiptIssue.objects.filter(pk=issued.issue.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = phone.get(path)
    assert expired.status_code == 404
    assert BeautifulSoup(expired.content, "html.parser").select_one("[data-testid=digital-receipt-missing]")
    assert phone.get(path + "pdf/").status_code == 404


@pytest.mark.django_db
@override_settings(KASSE_ROLE="store", PUBLIC_URL="http://192.168.1.20:8000")
def test_a_register_served_by_a_store_node_links_to_the_cloud_not_the_lan(till, register, store, cashier, bakery):
    sale = _sell(till)
    NodeState.objects.create(
        organization_id=store.organization_id,
        store_id=store.pk,
        cloud_url="https://cloud.kasse.example/",
        token="t",  # noqa: S106 - a test node token
        customer_number_base=1,
    )
    with scopes_disabled():
        issued = issue_receipt(actor=Actor.system(), sale=sale, employee=cashier, kind="digital")
    assert issued.url.startswith("https://cloud.kasse.example/r/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_digital_receipt_opened_from_the_customer_displays_qr_code(page, browser, register, till, bakery):
    from kasse.testing.asgi_server import asgi_server

    paired_client(register, token="display-token")
    with asgi_server() as base_url, override_settings(PUBLIC_URL=base_url):
        display_context = browser.new_context(locale="de-DE")
        display = display_context.new_page()
        display_context.add_cookies([{"name": DEVICE_COOKIE, "value": "display-token", "url": base_url}])
        display.goto(base_url + "/register/display/")
        display.wait_for_selector("[data-testid=display-idle]")
        open_register(page, base_url)
        scan(page, "4000000000024")
        display.wait_for_selector("[data-testid=display-total]:has-text('2,80')", timeout=5000)
        page.click("[data-testid=pay]")
        page.click("[data-testid=cash-500]")
        page.click("[data-testid=issue-digital]")
        page.wait_for_selector("[data-testid=receipt-link-qr]")
        qr = display.wait_for_selector("[data-testid=display-receipt-qr] svg", timeout=5000)
        url = display.get_attribute("[data-testid=display-receipt-qr]", "data-url")
        assert url.startswith(base_url + "/r/")
        # the SVG drawn is the QR code of exactly that link
        drawn = display.inner_html("[data-testid=display-receipt-qr]")
        assert (
            BeautifulSoup(drawn, "html.parser").svg
            == BeautifulSoup(segno.make(url, error="m").svg_inline(scale=8, border=2), "html.parser").svg
        )
        assert qr.is_visible()
        display_context.close()

        phone = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
        customer = phone.new_page()
        customer.goto(url)
        customer.wait_for_selector("[data-testid=receipt]:has-text('2,80')")
        with customer.expect_download() as download:
            customer.click("[data-testid=digital-receipt-pdf]")
        assert download.value.suggested_filename.endswith(".pdf")
        phone.close()


@pytest.mark.django_db
def test_a_node_served_sales_digital_receipt_opens_once_its_records_reached_the_cloud(
    node, register, cashier, shift, rolls
):
    from decimal import Decimal

    from kasse.core.ids import uuid7
    from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
    from kasse.sync.cloud.ingest import Ingestor
    from kasse.testing.sync import node_records, of_kind

    issued = {}

    def at_the_till():
        with scopes_disabled():
            variant = rolls.variants.get()
        sale = complete_sale(
            actor=Actor.for_employee(cashier),
            register=register,
            employee=cashier,
            cart=SaleInput(
                id=uuid7(), lines=[LineInput(variant.pk, Decimal(2))], payments=[PaymentInput("cash", Decimal(5))]
            ),
        )
        issued["url"] = issue_receipt(actor=Actor.system(), sale=sale, employee=cashier, kind="digital").url

    records = node_records(at_the_till)
    path = "/r/" + issued["url"].rsplit("/r/", 1)[1]
    phone = Client()
    # Scanned at once: the node has not pushed yet; the page says so and reloads itself
    assert phone.get(path).status_code == 404
    (sale,) = of_kind(records, "sale")
    (issue,) = of_kind(records, "receipt_issue")
    assert {r["status"] for r in Ingestor(node, [sale]).run().values()} == {"ok"}
    assert phone.get(path).status_code == 404  # the sale is there, the link's row not yet
    assert {r["status"] for r in Ingestor(node, [issue]).run().values()} == {"ok"}
    page = phone.get(path)
    assert page.status_code == 200
    assert "0,90" in BeautifulSoup(page.content, "html.parser").select_one("[data-testid=receipt]").text
