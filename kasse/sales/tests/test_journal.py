"""The receipt journal ("Belege") and a receipt's detail in the back office."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_scopes import scopes_disabled

from kasse.sales.journal import Cursor, day_bounds
from kasse.tenancy.permissions import Role
from kasse.testing.factories import CustomerFactory, EmployeeFactory, UserFactory
from kasse.testing.sales_data import product, till

BERLIN = ZoneInfo("Europe/Berlin")


def _rows(response) -> list[str]:
    page = BeautifulSoup(response.content, "html.parser")
    return [row["data-id"] for row in page.select("[data-testid=journal-row]")]


def _client_of(organization, store=None, role=Role.MANAGER) -> Client:
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, role) if store else role)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def shop(organization, store):
    return till(organization, store)


@pytest.fixture
def bread(organization):
    return product(organization, name="Brot", price="3.50", variant__sku="BROT-1")


@pytest.mark.django_db
def test_every_receipt_newest_first_with_sales_and_returns(owner_client, shop, bread):
    first = shop.sell(bread, at=datetime.datetime(2026, 12, 1, 9, tzinfo=BERLIN))
    second = shop.sell(bread, at=datetime.datetime(2026, 12, 2, 9, tzinfo=BERLIN))
    refund = shop.refund(first, at=datetime.datetime(2026, 12, 3, 9, tzinfo=BERLIN))
    response = owner_client.get("/sales/receipts/")
    assert response.status_code == 200
    assert _rows(response) == [str(refund.pk), str(second.pk), str(first.pk)]
    assert "-3,50" in response.content.decode() or "-3.50" in response.content.decode()


@pytest.mark.django_db
def test_filters_narrow_the_journal(owner_client, organization, shop, bread):
    cheese = product(organization, name="Käse", price="12.00", variant__sku="KAESE-7", variant__barcode="4000000000017")
    customer = CustomerFactory(organization=organization)
    other = till(organization, name="Filiale Nord")
    a = shop.sell(bread, at=datetime.datetime(2026, 11, 30, 23, 30, tzinfo=BERLIN))
    b_at = datetime.datetime(2026, 12, 1, 0, 30, tzinfo=BERLIN)
    b = shop.sell(cheese, 2, at=b_at, method="card", paid="24", barcode="4000000000017")
    c = other.sell(bread, 3, at=datetime.datetime(2026, 12, 1, 12, tzinfo=BERLIN), customer=customer)

    def ids(**query) -> set[str]:
        response = owner_client.get("/sales/receipts/", query)
        assert response.status_code == 200, response.content.decode()
        return set(_rows(response))

    # A day is the store's local day: 23:30 on Nov 30 in Berlin is not Dec 1, 00:30 is.
    assert ids(date_from="2026-12-01", date_to="2026-12-01") == {str(b.pk), str(c.pk)}
    assert ids(date_to="2026-11-30") == {str(a.pk)}
    assert ids(store=str(other.store.pk)) == {str(c.pk)}
    assert ids(register=str(shop.register.pk)) == {str(a.pk), str(b.pk)}
    assert ids(employee=str(other.cashier.pk)) == {str(c.pk)}
    assert ids(customer=str(customer.customer_number)) == {str(c.pk)}
    assert ids(customer_id=str(customer.pk)) == {str(c.pk)}
    assert ids(payment_method="card") == {str(b.pk)}
    assert ids(amount_min="10", amount_max="24") == {str(b.pk), str(c.pk)}
    assert ids(amount_max="5") == {str(a.pk)}
    assert ids(number=str(b.receipt_number)) == {str(b.pk)}
    assert ids(product="KAESE-7") == {str(b.pk)}
    assert ids(product="4000000000017") == {str(b.pk)}
    assert ids(product="brO") == {str(a.pk), str(c.pk)}
    assert ids(kind="refund") == set()


@pytest.mark.django_db
def test_the_cursor_walks_every_receipt_once_and_each_page_costs_the_same(owner_client, shop, bread, settings):
    from kasse.sales import journal

    start = datetime.datetime(2026, 6, 1, 8, tzinfo=BERLIN)
    moment = start
    made = []
    for i in range(23):
        # two receipts share each moment: the id breaks the tie
        made.append(shop.sell(bread, at=moment))
        if i % 2:
            moment += datetime.timedelta(minutes=7)
    original = journal.PAGE_SIZE
    journal.PAGE_SIZE = 5
    try:
        seen: list[str] = []
        query_counts = []
        url = "/sales/receipts/"
        while url:
            with CaptureQueriesContext(connection) as queries:
                response = owner_client.get(url)
            assert response.status_code == 200
            query_counts.append(len(queries))
            seen += _rows(response)
            nxt = BeautifulSoup(response.content, "html.parser").select_one("[data-testid=page-next]")
            url = nxt["href"] if nxt else ""
            if url.startswith("?"):
                url = "/sales/receipts/" + url
    finally:
        journal.PAGE_SIZE = original
    expected = sorted(made, key=lambda s: (s.completed_at, str(s.pk)), reverse=True)
    assert seen == [str(s.pk) for s in expected]
    assert len(query_counts) == 5
    assert max(query_counts) == min(query_counts)  # page 5 reads like page 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2026-12-05", "date_to": "2026-12-01"}, "The end date is before the start date."),
        ({"date_from": "2000-01-01", "date_to": "2026-12-01"}, "Please choose at most 732 days"),
        ({"amount_min": "10", "amount_max": "5"}, "The highest amount is below the lowest."),
        ({"colour": "red"}, "Unknown filter: colour."),
        ({"cursor": "not-a-cursor"}, "This page link is not valid any more."),
        ({"cursor": "x" * 500}, "This page link is not valid any more."),
        ({"date_from": "2026-13-45"}, "Please check the filters marked below."),
        ({"number": "-3"}, "Please check the filters marked below."),
        ({"store": "00000000-0000-0000-0000-000000000000"}, "Please check the filters marked below."),
    ],
)
def test_bad_input_gets_a_clear_message_and_no_query_of_receipts(owner_client, shop, bread, query, message):
    shop.sell(bread)
    with CaptureQueriesContext(connection) as queries:
        response = owner_client.get("/sales/receipts/", query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    page = BeautifulSoup(response.content, "html.parser")
    assert message in page.select_one("[data-testid=journal-error]").get_text()
    assert _rows(response) == []
    assert not [q for q in queries if 'FROM "sales_sale"' in q["sql"]]


@pytest.mark.django_db
def test_bad_input_message_is_german_for_a_german_user(owner, owner_client, shop):
    owner.language = "de"
    owner.save()
    session = owner_client.session
    session["language"] = "de"
    session.save()
    response = owner_client.get("/sales/receipts/", {"date_from": "2026-12-05", "date_to": "2026-12-01"})
    assert "Das Enddatum liegt vor dem Startdatum." in response.content.decode()


def test_a_cursor_round_trips_and_rejects_a_naive_time():
    cursor = Cursor(datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.UTC), __import__("uuid").uuid4())
    assert Cursor.decode(cursor.encode()) == cursor
    import base64

    from kasse.sales.journal import JournalError

    naive = base64.urlsafe_b64encode(f"2026-03-29T01:30:00|{cursor.sale_id}".encode()).decode()
    with pytest.raises(JournalError):
        Cursor.decode(naive)


def test_days_of_clock_changes_are_23_and_25_hours_long():
    start, end = day_bounds("Europe/Berlin", datetime.date(2026, 3, 29), datetime.date(2026, 3, 29))
    assert end - start == datetime.timedelta(hours=23)
    start, end = day_bounds("Europe/Berlin", datetime.date(2026, 10, 25), datetime.date(2026, 10, 25))
    assert end - start == datetime.timedelta(hours=25)
    assert start == datetime.datetime(2026, 10, 24, 22, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_a_store_manager_sees_only_their_stores_receipts(organization, shop, bread):
    other = till(organization, name="Filiale Nord")
    mine = shop.sell(bread)
    theirs = other.sell(bread)
    refund_there = other.refund(theirs)
    manager = _client_of(organization, shop.store)
    assert _rows(manager.get("/sales/receipts/")) == [str(mine.pk)]
    assert str(theirs.pk) not in _rows(manager.get("/sales/receipts/", {"number": theirs.receipt_number}))
    assert manager.get("/sales/receipts/", {"store": str(other.store.pk)}).status_code == 400
    for pk, suffix in ((theirs.pk, ""), (theirs.pk, "pdf/"), (refund_there.pk, "")):
        url = f"/sales/receipts/{pk}/{suffix}"
        assert manager.get(url).status_code == 404
    assert manager.post(f"/sales/receipts/{theirs.pk}/email/", {"email": "a@example.org"}).status_code == 404
    assert not mail.outbox
    assert manager.get(f"/sales/receipts/{mine.pk}/").status_code == 200
    page = BeautifulSoup(manager.get("/sales/receipts/").content, "html.parser")
    assert "Filiale Nord" not in page.select_one("[data-testid=journal-filters]").get_text()
    # a cashier sees no journal at all
    assert _client_of(organization, shop.store, Role.CASHIER).get("/sales/receipts/").status_code == 403


@pytest.mark.django_db
def test_the_detail_shows_the_printed_receipt_payments_return_customer_and_trail(
    owner_client, organization, shop, bread
):
    customer = CustomerFactory(organization=organization, first_name="Erika", last_name="Muster", email="e@example.org")
    sale = shop.sell(bread, 2, customer=customer, paid="10")
    refund = shop.refund(sale)
    page = BeautifulSoup(owner_client.get(f"/sales/receipts/{sale.pk}/").content, "html.parser")
    printed = page.select_one("[data-testid=printed-receipt]")
    assert printed.select_one("[data-testid=receipt-total]").get_text().strip() in {"7,00 €", "7.00 €"}
    assert "Brot" in printed.get_text()
    assert "10" in page.select_one("[data-testid=detail-payments]").get_text()
    assert page.select_one("[data-testid=detail-refunds] a")["href"] == f"/sales/receipts/{refund.pk}/"
    assert "Muster" in page.select_one("[data-testid=detail-customer]").get_text()
    assert page.select("[data-testid=trail-entry]")
    back = BeautifulSoup(owner_client.get(f"/sales/receipts/{refund.pk}/").content, "html.parser")
    assert back.select_one("[data-testid=detail-original] a")["href"] == f"/sales/receipts/{sale.pk}/"


@pytest.mark.django_db(transaction=False)
def test_send_again_by_email_and_download_the_pdf(owner_client, shop, bread, django_capture_on_commit_callbacks):
    from kasse.testing.pdf import pdf_text

    sale = shop.sell(bread)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/sales/receipts/{sale.pk}/email/", {"email": "kunde@example.org"})
    assert response.status_code == 200
    assert [m.to for m in mail.outbox] == [["kunde@example.org"]]
    assert mail.outbox[0].attachments
    with scopes_disabled():
        from kasse.core.models import AuditEntry

        assert AuditEntry.objects.filter(action="sales.receipt.emailed", object_id=str(sale.pk)).exists()
    bad = owner_client.post(f"/sales/receipts/{sale.pk}/email/", {"email": "not an address"})
    assert bad.status_code == 422
    assert BeautifulSoup(bad.content, "html.parser").select_one("[data-testid=email-error]")
    pdf = owner_client.get(f"/sales/receipts/{sale.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert "Brot" in pdf_text(pdf.content)


@pytest.mark.django_db
def test_the_trail_says_how_the_receipt_was_handed_over(owner_client, shop, bread):
    from kasse.core.actors import Actor
    from kasse.sales.services.receipt_issue import issue_receipt

    sale = shop.sell(bread)
    with scopes_disabled():
        issue_receipt(actor=Actor.system(), sale=sale, employee=None, kind="declined")
        issue_receipt(actor=Actor.system(), sale=sale, employee=None, kind="digital")
    page = BeautifulSoup(
        owner_client.get(f"/sales/receipts/{sale.pk}/", HTTP_ACCEPT_LANGUAGE="en").content, "html.parser"
    )
    trail = [row.get_text(" ", strip=True) for row in page.select("[data-testid=trail-entry]")]
    assert any("Customer declined the receipt" in row for row in trail)
    assert any("Receipt handed over digitally (QR code)" in row for row in trail)


@pytest.mark.django_db
def test_each_receipt_names_its_payment_methods_as_the_shop_calls_them(owner_client, shop, bread):
    """The names come from ``PaymentMethod`` (one place), so every method has its own: a QR payment is
    "QR payment"/"QR-Zahlung", not "Other"."""
    shop.sell(bread, at=datetime.datetime(2026, 12, 1, 9, tzinfo=BERLIN))
    shop.sell(bread, at=datetime.datetime(2026, 12, 2, 9, tzinfo=BERLIN), method="card", paid="3.50")
    page = BeautifulSoup(owner_client.get("/sales/receipts/", HTTP_ACCEPT_LANGUAGE="en").content, "html.parser")
    methods = [row.select("td")[-2].get_text(strip=True) for row in page.select("[data-testid=journal-row]")]
    assert methods == ["Card", "Cash"]
    german = BeautifulSoup(owner_client.get("/sales/receipts/", HTTP_ACCEPT_LANGUAGE="de").content, "html.parser")
    methods = [row.select("td")[-2].get_text(strip=True) for row in german.select("[data-testid=journal-row]")]
    assert methods == ["Karte", "Bar"]
    from kasse.sales.models import PaymentMethod

    with translation.override("de"):
        assert str(PaymentMethod("qr").label) == "QR-Zahlung"
