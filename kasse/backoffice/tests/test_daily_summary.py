"""The daily summary per store after closing time: figures against last week, e-mailed in HTML and plain text
through a local SMTP server, once per store and day, to who may see the store's reports."""

from __future__ import annotations

import datetime
from decimal import Decimal
from email.header import decode_header, make_header
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.backoffice.daily_summary import send_due
from kasse.notifications.models import Notification
from kasse.sales.models import Shift
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, StoreFactory, UserFactory
from kasse.testing.sales_data import product, till
from kasse.testing.smtp import smtp_server

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
CLOSED = datetime.datetime(2026, 12, 7, 22, 5, tzinfo=BERLIN)  # a Monday, after 22:00


def _at(day: int, hour: int, month: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=BERLIN)


@pytest.fixture
def mailbox(settings: Any):
    with smtp_server() as (box, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.PUBLIC_URL = "https://kasse.example"
        yield box


def _subject(mail) -> str:
    return str(make_header(decode_header(mail.message["Subject"])))


def _run(when: datetime.datetime, capture) -> int:
    with mock.patch.object(timezone, "now", return_value=when), capture(execute=True):
        return send_due(when)


def test_after_closing_time_the_owner_gets_the_days_summary_against_last_week(
    organization, owner, store, mailbox, django_capture_on_commit_callbacks
):
    shop = till(organization, store)
    bread = product(organization, name="Brot", price="3.50", vat_class="reduced")
    wine = product(organization, name="Wein", price="11.90", vat_class="standard")
    first = shop.sell(bread, at=_at(7, 9))
    shop.sell(wine, 2, at=_at(7, 10))
    shop.refund(first, at=_at(7, 11))
    shop.sell(wine, at=_at(30, 16, month=11))  # last Monday
    with scopes_disabled():
        Shift.objects.filter(register=shop.register).update(
            status="closed", closed_at=_at(7, 20), difference=Decimal("-2.50"), closing_number=1
        )
    other_store = StoreFactory(organization=organization, name="Filiale Süd")
    elsewhere = UserFactory(email="sued@example.org")
    EmployeeFactory(organization=organization, user=elsewhere, role=(other_store, Role.MANAGER))
    cashier = UserFactory(email="kasse@example.org")
    EmployeeFactory(organization=organization, user=cashier, role=(store, Role.CASHIER))

    assert _run(_at(7, 21), django_capture_on_commit_callbacks) == 0  # before closing time
    assert _run(CLOSED, django_capture_on_commit_callbacks) == 1  # the other store sold nothing
    assert _run(CLOSED + datetime.timedelta(minutes=10), django_capture_on_commit_callbacks) == 0  # once a day

    (mail,) = mailbox.messages
    assert mail.recipients == ["owner@example.org"]  # not the other store's manager, not the cashier
    assert _subject(mail) == (
        "kasse: Tag von Filiale Mitte am 07.12.2026: 23,80 € Umsatz, 2 Belege (+100 % ggü. Vorwoche)"
    )
    plain = mail.part("text/plain")
    assert "Umsatz: 23,80 € (Vorwoche 11,90 €, +100 %)" in plain
    assert "Belege: 2 (Vorwoche 1, +100 %)" in plain
    assert "Durchschnittsbon: 13,65 € (Vorwoche 11,90 €, +15 %)" in plain
    assert "Rückgaben: 1 (Vorwoche 0, –)" in plain
    assert "Kassendifferenz bei 1 Z-Bon: -2,50 €" in plain
    assert "1. Wein: 2 ×, 23,80 €" in plain
    html = mail.part("text/html")
    assert '<th align="left">Umsatz</th><td align="right">23,80 €</td>' in html
    with scopes_disabled():
        (note,) = Notification.objects.filter(user=owner, kind="summary.daily")
        assert note.payload["gross"] == "23.80"
        assert not Notification.objects.filter(user__in=[elsewhere, cashier]).exists()


def test_each_store_sends_its_summary_after_its_own_closing_time_in_its_own_time_zone(
    organization, owner, store, mailbox, django_capture_on_commit_callbacks
):
    from kasse.backoffice.models import DailySummarySent

    with scopes_disabled():
        store.summary_time = datetime.time(19, 30)  # closes early
        store.save()
        lisbon = StoreFactory(
            organization=organization, name="Loja Lisboa", time_zone="Europe/Lisbon", summary_time=datetime.time(20)
        )
        late = StoreFactory(organization=organization, name="Filiale Spät")  # no time of its own: 22:00
    bread = product(organization, name="Brot", price="3.50", vat_class="reduced")
    for shop in (store, lisbon, late):
        till(organization, shop).sell(bread, at=_at(7, 10))

    def sent() -> set[str]:
        with scopes_disabled():
            return set(DailySummarySent.objects.values_list("store__name", flat=True))

    minute = datetime.timedelta(minutes=1)
    assert _run(_at(7, 19) + 29 * minute, django_capture_on_commit_callbacks) == 0
    assert _run(_at(7, 19) + 31 * minute, django_capture_on_commit_callbacks) == 1
    assert sent() == {store.name}
    # 20:59 in Berlin is 19:59 in Lisbon; a minute after 21:00 Lisbon's 20:00 has passed
    assert _run(_at(7, 20) + 59 * minute, django_capture_on_commit_callbacks) == 0
    assert _run(_at(7, 21) + minute, django_capture_on_commit_callbacks) == 1
    assert sent() == {"Loja Lisboa", store.name}
    assert _run(_at(7, 21) + 59 * minute, django_capture_on_commit_callbacks) == 0
    assert _run(_at(7, 22) + minute, django_capture_on_commit_callbacks) == 1
    assert _run(_at(7, 23), django_capture_on_commit_callbacks) == 0  # once a day each
    assert sent() == {"Filiale Spät", "Loja Lisboa", store.name}
    assert len(mailbox.messages) == 3


def test_a_summary_the_evening_missed_goes_out_the_next_morning_for_the_whole_day(
    organization, owner, store, mailbox, django_capture_on_commit_callbacks
):
    """A time close to midnight can fall between two runs of the task (every 10 minutes), and a worker can be
    down all evening: until noon the next day the summary of yesterday goes out late, once, with all of it."""
    with scopes_disabled():
        store.summary_time = datetime.time(23, 55)
        store.save()
    shop = till(organization, store)
    bread = product(organization, name="Brot", price="3.50", vat_class="reduced")
    shop.sell(bread, at=_at(7, 10))
    shop.sell(bread, 2, at=_at(7, 23) + datetime.timedelta(minutes=58))  # after the last run of the evening

    assert _run(_at(7, 23) + datetime.timedelta(minutes=50), django_capture_on_commit_callbacks) == 0
    assert _run(_at(8, 0), django_capture_on_commit_callbacks) == 1  # just after midnight: yesterday's
    assert _run(_at(8, 9), django_capture_on_commit_callbacks) == 0  # once
    assert _run(_at(8, 13), django_capture_on_commit_callbacks) == 0  # today's comes after 23:55
    (mail,) = mailbox.messages
    assert _subject(mail).startswith("kasse: Tag von Filiale Mitte am 07.12.2026: 10,50 € Umsatz, 2 Belege")


def test_the_day_the_clocks_go_back_is_summed_whole(
    organization, owner, store, mailbox, django_capture_on_commit_callbacks
):
    """2026-10-25 has 25 hours in Berlin (02:00–03:00 twice): a sale in each of them and late in the evening
    all count for that day."""
    shop = till(organization, store)
    bread = product(organization, name="Brot", price="3.50", vat_class="reduced")
    summer = datetime.datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN)  # 00:30 UTC, still summer time (fold 0)
    winter = datetime.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN)  # 01:30 UTC, the hour again
    assert winter.utcoffset() != summer.utcoffset()
    for moment in (summer, winter, datetime.datetime(2026, 10, 25, 23, 30, tzinfo=BERLIN)):
        shop.sell(bread, at=moment)
    shop.sell(bread, at=datetime.datetime(2026, 10, 24, 23, 59, tzinfo=BERLIN))  # the day before
    shop.sell(bread, at=datetime.datetime(2026, 10, 26, 0, 1, tzinfo=BERLIN))  # the day after

    assert _run(datetime.datetime(2026, 10, 26, 0, 0, 30, tzinfo=BERLIN), django_capture_on_commit_callbacks) == 1
    (mail,) = mailbox.messages
    assert _subject(mail).startswith("kasse: Tag von Filiale Mitte am 25.10.2026: 10,50 € Umsatz, 3 Belege")
