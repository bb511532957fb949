"""The Übersicht: today's figures per store and in total against last week, by hour, top products, open
shifts, alerts; a store manager's view; the store's local day, also when the clocks change."""

from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.backoffice import overview
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, UserFactory
from kasse.testing.sales_data import product, till

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2026, 12, 7, 15, 0, tzinfo=BERLIN)  # a Monday


def _at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


def _manager(organization, store) -> Client:
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.MANAGER))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def frozen_now():
    with mock.patch.object(timezone, "now", return_value=NOW):
        yield NOW


def _soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def _cell(row, name: str) -> str:
    return row.select_one(f"[data-testid={name}]").get_text(strip=True)


@pytest.mark.django_db
def test_today_per_store_and_in_total_against_the_same_weekday_last_week(owner_client, organization, store, frozen_now):
    shop = till(organization, store)
    north = till(organization, name="Filiale Nord")
    bread = product(organization, name="Brot", price="3.50", vat_class="reduced")
    wine = product(organization, name="Wein", price="11.90", vat_class="standard")
    # today: two sales in the shop (1 × bread, 2 × wine), one return of the bread; one sale in the north
    first = shop.sell(bread, at=_at(7, 9))
    shop.sell(wine, 2, at=_at(7, 10, 30))
    shop.refund(first, at=_at(7, 11))
    north.sell(bread, 4, at=_at(7, 12))
    # last Monday: one sale in the shop; yesterday and before midnight do not count
    shop.sell(wine, at=_at(30, 16, month=11))
    shop.sell(wine, 5, at=_at(6, 18))
    shop.sell(wine, 5, at=_at(6, 23, 59))

    page = _soup(owner_client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    rows = {r["data-store"]: r for r in page.select("[data-testid=overview-store]")}
    mine = rows[str(store.pk)]
    assert _cell(mine, "gross") == "23.80 €"  # 3.50 + 23.80 - 3.50
    assert _cell(mine, "receipts") == "2"
    assert _cell(mine, "basket") == "13.65 €"  # (3.50 + 23.80) / 2
    assert _cell(mine, "items") == "1.5"  # 3 pieces on 2 receipts
    assert _cell(mine, "returns") == "1 · 3.50 €"
    # net: 23.80 / 1.19 = 20.00 (wine), bread 3.27 - 3.27 returned
    assert _cell(mine, "net") == "20.00 €"
    assert "11.90 €" in mine.get_text()  # last week's gross beside today's
    assert "+100 %" in mine.get_text()  # gross doubled against last Monday's 11.90
    total = page.select_one("[data-testid=overview-total]")
    assert _cell(total, "gross") == "37.80 €"
    assert _cell(total, "receipts") == "3"
    # by hour: today's bars at 9, 10 and 12 o'clock (11: the return), last week's line drawn
    bars = {int(b["data-hour"]): Decimal(b["data-value"]) for b in page.select("[data-testid=chart-bar]")}
    assert {h: v for h, v in bars.items() if v} == {
        9: Decimal("3.50"),
        10: Decimal("23.80"),
        11: Decimal("-3.50"),
        12: Decimal("14.00"),
    }
    assert page.select_one("[data-testid=chart-last-week]")["points"].count(",") == 24
    tops = [li.get_text(" ", strip=True) for li in page.select("[data-testid=top-product]")]
    assert [t.split()[0] for t in tops] == ["Wein", "Brot"]
    shifts = page.select("[data-testid=open-shift]")
    assert len(shifts) == 2


@pytest.mark.django_db
def test_a_store_manager_sees_only_their_stores_figures(organization, store, frozen_now):
    shop = till(organization, store)
    north = till(organization, name="Filiale Nord")
    bread = product(organization, name="Brot", price="3.50")
    shop.sell(bread, at=_at(7, 9))
    north.sell(bread, 10, at=_at(7, 9))
    client = _manager(organization, store)
    for url in ("/", "/overview/figures/"):
        page = _soup(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
        text = page.get_text()
        assert [r["data-store"] for r in page.select("[data-testid=overview-store]")] == [str(store.pk)]
        assert "Filiale Nord" not in text
        assert "35.00" not in text
        assert not page.select("[data-testid=overview-total]")
        assert len(page.select("[data-testid=open-shift]")) == 1


@pytest.mark.django_db
def test_a_cashier_with_a_login_sees_no_figures(organization, store, frozen_now):
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.CASHIER))
    client = Client()
    client.force_login(user)
    page = _soup(client.get("/"))
    assert not page.select("[data-testid=overview-figures]")
    assert client.get("/overview/figures/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("now", "inside", "outside", "hours"),
    [
        # spring forward: Sunday 29 March 2026 has 23 hours (02:00 -> 03:00)
        (
            datetime.datetime(2026, 3, 29, 20, tzinfo=BERLIN),
            [
                datetime.datetime(2026, 3, 28, 23, 0, tzinfo=datetime.UTC),
                datetime.datetime(2026, 3, 29, 21, 59, tzinfo=datetime.UTC),
            ],
            [
                datetime.datetime(2026, 3, 28, 22, 59, tzinfo=datetime.UTC),
                datetime.datetime(2026, 3, 29, 22, 0, tzinfo=datetime.UTC),
            ],
            {0: 1, 23: 1},
        ),
        # fall back: Sunday 25 October 2026 has 25 hours (03:00 -> 02:00)
        (
            datetime.datetime(2026, 10, 25, 20, tzinfo=BERLIN),
            [
                datetime.datetime(2026, 10, 24, 22, 0, tzinfo=datetime.UTC),
                datetime.datetime(2026, 10, 25, 0, 30, tzinfo=datetime.UTC),  # 02:30 summer time
                datetime.datetime(2026, 10, 25, 1, 30, tzinfo=datetime.UTC),  # 02:30 winter time
                datetime.datetime(2026, 10, 25, 22, 59, tzinfo=datetime.UTC),
            ],
            [
                datetime.datetime(2026, 10, 24, 21, 59, tzinfo=datetime.UTC),
                datetime.datetime(2026, 10, 25, 23, 0, tzinfo=datetime.UTC),
            ],
            {0: 1, 2: 2, 23: 1},
        ),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_a_day_is_the_stores_local_day_also_when_the_clocks_change(organization, store, now, inside, outside, hours):
    shop = till(organization, store)
    bread = product(organization, name="Brot", price="1.00")
    for moment in [*inside, *outside]:
        shop.sell(bread, at=moment)
    with scopes_disabled():
        stores = [shop.store]
        days, total = overview.store_days(stores, now)
        by_hour = overview.revenue_by_hour(stores, now)
    assert total.today.receipts == len(inside)
    assert total.today.gross == Decimal(len(inside))
    assert {h: int(v) for h, v in enumerate(by_hour) if v} == hours


@pytest.mark.django_db
def test_alerts_that_need_the_owner(owner_client, organization, store, frozen_now):
    from kasse.core.actors import Actor
    from kasse.fiscal.models import OutageReason, TseOutage
    from kasse.printing.models import Printer, PrinterState
    from kasse.sales.models import Shift
    from kasse.sales.services.shifts import close_shift
    from kasse.sync.models import StoreNode, SyncConflict

    shop = till(organization, store)
    with scopes_disabled():
        node = StoreNode.objects.create(
            organization=organization, store=store, name="Laden-PC", token_digest="x" * 64, customer_number_base=1
        )
        printer = Printer.objects.create(organization=organization, store=store, name="Bondrucker", host="10.0.0.9")
        PrinterState.objects.create(
            organization=organization,
            id=printer.pk,
            printer=printer,
            reachable=True,
            online=True,
            paper_out=True,
            checked_at=NOW,
        )
        SyncConflict.objects.create(
            organization=organization,
            model="customers.Customer",
            object_id="1",
            field="email",
            kept_value="a",
            kept_clock="1",
            lost_value="b",
            lost_clock="0",
            node=node,
        )
        TseOutage.objects.create(
            organization=organization,
            register=shop.register,
            started_at=NOW - datetime.timedelta(hours=1),
            reason=OutageReason.UNREACHABLE,
        )
    with scopes_disabled():
        open_one = Shift.objects.get(register=shop.register, status="open")
    close_shift(actor=Actor.system(), shift=open_one, employee=shop.cashier, count={"10": 1})
    page = _soup(owner_client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    kinds = {a["data-kind"]: a.get_text(" ", strip=True) for a in page.select("[data-testid=overview-alert]")}
    assert "not been heard from" in kinds["node"]
    assert kinds["printer"] == "Filiale Mitte: Printer Bondrucker: paper out"
    assert "changed in two places" in kinds["conflicts"]
    assert "+10.00 €" in kinds["cash"]
    assert "TSE" in kinds["tse"]
    # a manager of another store sees none of them
    from kasse.testing.factories import StoreFactory

    other = StoreFactory(organization=organization, name="Anderswo")
    page = _soup(_manager(organization, other).get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert not page.select("[data-testid=overview-alert]")


@pytest.mark.django_db
def test_the_overview_speaks_german(owner, owner_client, store, frozen_now):
    session = owner_client.session
    session["language"] = "de"
    session.save()
    text = _soup(owner_client.get("/")).get_text()
    for words in (
        "Umsatz (brutto)",
        "Durchschnittsbon",
        "Artikel pro Beleg",
        "Umsatz nach Stunde",
        "Keine Kasse ist geöffnet.",
    ):
        assert words in text
