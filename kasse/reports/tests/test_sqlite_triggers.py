"""On SQLite a migration that rebuilds the sales table drops the reports' marking trigger; migrate puts it back
(kasse/reports/sqlite_triggers.py). Before, sales 0009/0010 did so and every report on SQLite showed nothing."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.db.models.signals import post_migrate
from django_scopes import scopes_disabled

from kasse.fiscal.tests.datev_world import add_sale, open_shift
from kasse.reports.models import PendingHour
from kasse.reports.tests.test_refresh import AT
from kasse.testing.factories import RegisterFactory

pytestmark = pytest.mark.django_db


def _triggers() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in cursor.fetchall()}


def _marked(store) -> bool:
    with scopes_disabled():
        return PendingHour.objects.filter(store=store).exists()


def test_a_rebuilt_sales_table_gets_its_marking_trigger_back_after_migrate(organization, store):
    shift = open_shift(RegisterFactory(store=store, organization=organization), AT)
    if connection.vendor == "sqlite":
        assert {"sales_sale_reports_mark", "core_auditentry_reports_mark"} <= _triggers()
        # Django's SQLite schema editor rebuilds a table it cannot alter in place (new table, rows copied, old
        # one dropped): the old table's triggers are gone, as this drop leaves it.
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER sales_sale_reports_mark")
        add_sale(shift, AT, {"19": "11.90"}, {"cash": "11.90"})
        assert not _marked(store)  # the sale is in no report
    # (PostgreSQL keeps triggers when a table is altered: there the hook has nothing to do.)

    reports = apps.get_app_config("reports")
    post_migrate.send(sender=reports, app_config=reports, using="default")  # what every `kasse migrate` sends
    add_sale(shift, AT.replace(minute=45), {"7": "2.14"}, {"card": "2.14"})
    assert _marked(store)
