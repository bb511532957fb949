"""``kasse reports rebuild`` after a store's time zone changed; ``kasse reports refresh`` computes the marks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from kasse.fiscal.tests.datev_world import add_sale, open_shift
from kasse.reports.models import HourSums, PendingHour
from kasse.testing.factories import RegisterFactory

pytestmark = pytest.mark.django_db


def test_rebuild_moves_the_sums_to_the_days_of_the_new_time_zone(organization, store):
    at = datetime(2026, 6, 1, 22, 30, tzinfo=UTC)  # 00:30 on 2 June in Berlin
    add_sale(
        open_shift(RegisterFactory(store=store, organization=organization), at), at, {"19": "5.95"}, {"cash": "5.95"}
    )
    call_command("reports", "refresh")
    with scopes_disabled():
        assert not PendingHour.objects.exists()
        assert list(HourSums.objects.values_list("day", "hour")) == [(date(2026, 6, 2), 0)]
        store.time_zone = "UTC"
        store.save()
    call_command("reports", "rebuild", "--store", str(store.pk))
    with scopes_disabled():
        assert list(HourSums.objects.values_list("day", "hour")) == [(date(2026, 6, 1), 22)]
