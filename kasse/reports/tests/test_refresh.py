"""The refresh rule: a receipt that lands while its day is being computed is not lost (its mark stays)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope

from kasse.fiscal.tests.datev_world import add_sale, open_shift
from kasse.reports import aggregates
from kasse.reports.models import HourSums, PendingHour
from kasse.testing.factories import RegisterFactory

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # the night the clocks go forward


def _gross(store) -> Decimal:
    return sum((r.gross for r in HourSums.objects.filter(store=store)), Decimal("0"))


def test_a_receipt_committed_during_a_refresh_keeps_its_mark_for_the_next(organization, store, monkeypatch):
    shift = open_shift(RegisterFactory(store=store, organization=organization), AT)
    add_sale(shift, AT, {"19": "11.90"}, {"cash": "11.90"})
    compute = aggregates.recompute

    def meanwhile(store_, days):
        done = compute(store_, days)
        add_sale(shift, AT.replace(minute=45), {"7": "2.14"}, {"card": "2.14"})  # lands after the day was read
        return done

    with scope(organization=organization.pk):
        monkeypatch.setattr(aggregates, "recompute", meanwhile)
        aggregates.refresh(organization.pk)
        assert _gross(store) == Decimal("11.90")
        assert PendingHour.objects.filter(store=store).exists()  # its generation moved: not consumed
        monkeypatch.setattr(aggregates, "recompute", compute)
        aggregates.refresh(organization.pk)
        assert _gross(store) == Decimal("14.04")
        assert not PendingHour.objects.exists()


def test_a_report_only_refreshes_the_stores_it_reads(organization, store):
    from kasse.testing.factories import StoreFactory

    other = StoreFactory(organization=organization, number=9)
    add_sale(
        open_shift(RegisterFactory(store=store, organization=organization), AT), AT, {"19": "1.19"}, {"cash": "1.19"}
    )
    add_sale(
        open_shift(RegisterFactory(store=other, organization=organization), AT), AT, {"19": "2.38"}, {"cash": "2.38"}
    )
    with scope(organization=organization.pk):
        assert aggregates.refresh(organization.pk, [store.pk]) == 1
        assert list(PendingHour.objects.values_list("store_id", flat=True)) == [other.pk]
