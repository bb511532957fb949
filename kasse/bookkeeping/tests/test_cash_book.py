"""The cash book: a store's cash day by day, back-office entries that are only ever corrected, CSV and PDF."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.bookkeeping.models import CashBookEntry
from kasse.core.models import AuditEntry
from kasse.testing.pdf import pdf_text
from kasse.testing.plugin import soup_of, text, texts

pytestmark = pytest.mark.django_db


def _today(store) -> str:
    return timezone.now().astimezone(store.tzinfo).date().isoformat()


def _enter(client, store, category: str, amount: str, text: str = "Tresor", day: str | None = None):
    return client.post(
        f"/sales/cash-book/{store.pk}/entries/",
        {"day": day or _today(store), "category": category, "amount": amount, "text": text},
        follow=True,
    )


def test_a_day_adds_sales_refunds_cash_out_by_category_and_the_difference(owner_client, closed_day):
    # Given a day with a cash sale of 3.70, a cash return of 0.45, 20.00 to the bank and a Z count 0.25 short,
    # and an opening balance of 500.00 entered in the back office
    _enter(owner_client, closed_day.store, "opening_balance", "500")
    page = soup_of(owner_client.get("/sales/cash-book/"))
    day = page.select_one(f"[data-testid=cash-day][data-day='{_today(closed_day.store)}']")
    assert text(day, "day-cash-sales") == "3,70 €"
    assert text(day, "day-cash-refunds") == "-0,45 €"
    assert texts(day, "day-register-movement") == ["Kasse: Sonstiges -20,00 €"]
    assert texts(day, "day-closing") == ["Kassendifferenz Z 1 Kasse 1: gezählt 83,00 €, erwartet 83,25 € -0,25 €"]
    # Then the day closes at 500 + 3.70 - 0.45 - 20.00 - 0.25
    assert text(day, "day-closing-balance") == "483,00 €"


def test_the_closing_balance_is_carried_to_the_next_day(owner_client, closed_day):
    store = closed_day.store
    yesterday = (timezone.now().astimezone(store.tzinfo).date() - timedelta(days=1)).isoformat()
    _enter(owner_client, store, "opening_balance", "100", day=yesterday)
    _enter(owner_client, store, "bank_deposit", "30", text="Bank", day=yesterday)
    month = yesterday[:7]
    page = soup_of(owner_client.get(f"/sales/cash-book/?store={store.pk}&month={month}"))
    day = page.select_one(f"[data-testid=cash-day][data-day='{yesterday}']")
    assert text(day, "day-closing-balance") == "70,00 €"
    if yesterday[:7] == _today(store)[:7]:
        today = page.select_one(f"[data-testid=cash-day][data-day='{_today(store)}']")
        assert text(today, "day-opening") == "70,00 €"


def test_an_entry_is_corrected_by_new_entries_that_name_it(owner_client, closed_day):
    store = closed_day.store
    _enter(owner_client, store, "purchase", "12,50", text="Kaffeefilter")
    with scopes_disabled():
        original = CashBookEntry.objects.get()
    assert original.amount == Decimal("-12.50")
    owner_client.post(f"/sales/cash-book/entries/{original.pk}/correct/", {"amount": "21,50", "text": "Zahlendreher"})
    with scopes_disabled():
        entries = list(CashBookEntry.objects.order_by("created_at").values_list("amount", "correction_of_id"))
        assert AuditEntry.objects.filter(action="bookkeeping.cash_book.corrected").count() == 1
    assert entries == [
        (Decimal("-12.50"), None),
        (Decimal("12.50"), original.pk),
        (Decimal("-21.50"), original.pk),
    ]
    # a corrected entry is not corrected twice
    response = owner_client.post(
        f"/sales/cash-book/entries/{original.pk}/correct/", {"amount": "1", "text": "nochmal"}, follow=True
    )
    assert [li.get_text(strip=True) for li in soup_of(response).select(".msg-error")] == [
        "Dieser Eintrag wurde bereits korrigiert."
    ]
    with scopes_disabled():
        assert CashBookEntry.objects.count() == 3


def test_entries_are_never_changed_or_deleted(owner, store):
    with scopes_disabled():
        entry = CashBookEntry.objects.create(
            organization=store.organization, store=store, day="2026-12-01", category="other", amount=1, text="x",
            entered_by=owner,
        )  # fmt: skip
        entry.text = "y"
        with pytest.raises(ValueError, match="never changed"):
            entry.save()
        with pytest.raises(ValueError, match="never deleted"):
            entry.delete()


def test_bad_entries_are_refused_with_a_message(owner_client, store):
    tomorrow = (timezone.now().astimezone(store.tzinfo).date() + timedelta(days=1)).isoformat()
    for data, message in [
        ({"day": tomorrow, "amount": "5"}, "Der Tag liegt in der Zukunft."),
        ({"amount": "-5"}, "Der Betrag muss größer als null sein."),
        ({"amount": "abc"}, "Geben Sie einen Tag und einen Betrag ein."),
        (
            {"amount": "1,234"},
            "Geben Sie einen Betrag in Euro mit höchstens zwei Nachkommastellen ein, bis 999.999,99.",
        ),
    ]:
        response = owner_client.post(
            f"/sales/cash-book/{store.pk}/entries/",
            {"day": _today(store), "category": "purchase", "text": "x", **data},
            follow=True,
        )
        assert [li.get_text(strip=True) for li in soup_of(response).select(".msg-error")] == [message]
    with scopes_disabled():
        assert not CashBookEntry.objects.exists()


def test_a_month_that_is_not_one_is_a_message(owner_client, store):
    response = owner_client.get(f"/sales/cash-book/?store={store.pk}&month=2026-13")
    assert response.status_code == 400
    assert text(soup_of(response), "cash-book-error") == "Wählen Sie einen Monat, z. B. 2026-12."


def test_the_month_as_csv_and_pdf(owner_client, closed_day):
    store = closed_day.store
    _enter(owner_client, store, "opening_balance", "500")
    year, month = (int(part) for part in _today(store)[:7].split("-"))
    response = owner_client.get(f"/sales/cash-book/{store.pk}/{year}-{month}.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Tag", "Was", "Detail", "Betrag", "Saldo"]
    today_rows = [row for row in rows if row[0] == _today(store)]
    assert [row[1] for row in today_rows] == [
        "Anfangsbestand des Tages",
        "Barverkäufe",
        "Bar-Rückgaben",
        "Kasse: Sonstiges",
        "Kassendifferenz",
        "Anfangsbestand",
        "Endbestand des Tages",
    ]
    assert today_rows[-1][4] == "483,00"
    pdf = owner_client.get(f"/sales/cash-book/{store.pk}/{year}-{month}.pdf")
    assert "483,00" in pdf_text(pdf.content)


def test_a_manager_of_another_store_neither_reads_nor_writes_this_cash_book(other_store_manager_client, closed_day):
    store = closed_day.store
    assert other_store_manager_client.get(f"/sales/cash-book/?store={store.pk}").status_code == 404
    year, month = (int(part) for part in _today(store)[:7].split("-"))
    assert other_store_manager_client.get(f"/sales/cash-book/{store.pk}/{year}-{month}.csv").status_code == 404
    response = other_store_manager_client.post(
        f"/sales/cash-book/{store.pk}/entries/",
        {"day": _today(store), "category": "other", "amount": "5", "text": "x"},
    )
    assert response.status_code == 404
    with scopes_disabled():
        assert not CashBookEntry.objects.exists()


def test_the_register_records_what_cash_is_for(till, manager):
    from kasse.testing.register_login import approval

    response = till.post(
        "/register/shift/cash/",
        {"kind": "pay_in", "amount": "50", "reason": "Wechselgeld", "category": "change_from_bank"}
        | approval(manager, "2222"),
    )
    assert response.status_code == 200
    response = till.post(
        "/register/shift/cash/",
        {"kind": "pay_out", "amount": "10", "reason": "Sparkasse", "category": "bank_deposit"}
        | approval(manager, "2222"),
    )
    assert response.status_code == 200
    with scopes_disabled():
        from kasse.sales.models import CashMovement

        assert list(CashMovement.objects.order_by("created_at").values_list("category", flat=True)) == [
            "change_from_bank",
            "bank_deposit",
        ]
    # a category that does not fit the direction is refused
    response = till.post(
        "/register/shift/cash/",
        {"kind": "pay_in", "amount": "10", "reason": "x", "category": "bank_deposit"} | approval(manager, "2222"),
    )
    assert response.status_code == 422
    assert "Bitte wählen Sie, wofür das Bargeld ist." in response.content.decode()


@pytest.mark.postgres
def test_postgresql_refuses_to_change_or_delete_an_entry(owner, store, on_postgres):
    from django.db import IntegrityError, transaction

    if not on_postgres:
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL=postgres://…): the trigger is PostgreSQL's")
    with scopes_disabled():
        entry = CashBookEntry.objects.create(
            organization=store.organization,
            store=store,
            day="2026-12-01",
            category="other",
            amount=1,
            text="x",
            entered_by=owner,
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            CashBookEntry.objects.filter(pk=entry.pk).update(amount=2)
        with pytest.raises(IntegrityError), transaction.atomic():
            CashBookEntry.objects.filter(pk=entry.pk).delete()
        assert CashBookEntry.objects.get(pk=entry.pk).amount == 1


def test_other_cash_is_sonstiges_and_other_payment_stays_sonstige():
    # One English word, two German ones: the cash category reads apart from the payment method.
    from django.utils import translation

    from kasse.bookkeeping.models import CashBookCategory
    from kasse.sales.models.sale import PaymentMethod
    from kasse.sales.models.shift import CashCategory

    with translation.override("de"):
        assert (str(CashCategory.OTHER.label), str(CashBookCategory.OTHER.label)) == ("Sonstiges", "Sonstiges")
        assert str(PaymentMethod.OTHER.label) == "Sonstige"
    with translation.override("en"):
        assert str(CashCategory.OTHER.label) == str(PaymentMethod.OTHER.label) == "Other"


def test_a_cash_book_day_is_the_stores_local_day_when_the_clocks_change(organization, store):
    """25 October 2026 has 25 hours in Berlin: a sale at 23:30 local time (22:30 UTC) still counts on it, one at
    00:30 the next morning (23:30 UTC on the 25th) on the 26th; in March the 29th has 23 hours."""
    import datetime
    from zoneinfo import ZoneInfo

    from kasse.bookkeeping.cash_book import cash_book
    from kasse.testing.sales_data import product, till

    berlin = ZoneInfo("Europe/Berlin")
    shop = till(organization, store)
    bread = product(organization, name="Brot", price="1.00")
    for moment, pieces in (
        (datetime.datetime(2026, 10, 25, 0, 30, tzinfo=berlin), 1),  # 22:30 UTC on the 24th
        (datetime.datetime(2026, 10, 25, 23, 30, tzinfo=berlin), 2),  # 22:30 UTC on the 25th
        (datetime.datetime(2026, 10, 26, 0, 30, tzinfo=berlin), 4),  # 23:30 UTC on the 25th
        (datetime.datetime(2026, 3, 29, 23, 30, tzinfo=berlin), 8),  # 21:30 UTC
        (datetime.datetime(2026, 3, 30, 0, 30, tzinfo=berlin), 16),  # 22:30 UTC on the 29th
    ):
        shop.sell(bread, quantity=pieces, at=moment)
    with scopes_disabled():
        october = {
            d.day: d.cash_sales for d in cash_book(store, datetime.date(2026, 10, 24), datetime.date(2026, 10, 26))
        }
        march = {d.day: d.cash_sales for d in cash_book(store, datetime.date(2026, 3, 29), datetime.date(2026, 3, 30))}
    assert october == {
        datetime.date(2026, 10, 24): Decimal("0"),
        datetime.date(2026, 10, 25): Decimal("3.00"),
        datetime.date(2026, 10, 26): Decimal("4.00"),
    }
    assert march == {datetime.date(2026, 3, 29): Decimal("8.00"), datetime.date(2026, 3, 30): Decimal("16.00")}
