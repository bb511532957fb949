"""The node's outbox does not grow for ever: acknowledged records are pruned after the retention period
(``KASSE_OUTBOX_RETENTION_DAYS``, default 14) by the runner's housekeeping; waiting and set-aside records
are never pruned. A sale's outbox record is a few KB (``docs/sync.md``); the node's database syncs each
commit to disk."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.core.ids import uuid7
from kasse.sync.models import NodeState, OutboxRecord, OutboxStatus
from kasse.sync.node.runner import SyncRunner
from kasse.sync.tests.test_ingest import _sell
from kasse.testing.factories import ProductFactory
from kasse.testing.sync import node_records, of_kind

pytestmark = pytest.mark.django_db


def _record(position: int, status: str, acked_days_ago: float | None) -> str:
    acked = timezone.now() - timedelta(days=acked_days_ago) if acked_days_ago is not None else None
    with scopes_disabled():
        return str(
            OutboxRecord.objects.create(
                id=uuid7(), position=position, kind="sale", rows=[], status=status, acked_at=acked
            ).id
        )


def test_acknowledged_records_are_pruned_after_the_retention_period_by_the_runner():
    assert settings.KASSE_OUTBOX_RETENTION_DAYS == 14
    old = _record(1, OutboxStatus.ACKED, 15)
    recent = _record(2, OutboxStatus.ACKED, 13)
    waiting = _record(3, OutboxStatus.PENDING, None)
    held = _record(4, OutboxStatus.HELD, None)
    refused = _record(5, OutboxStatus.REJECTED, None)
    with scopes_disabled():
        state = NodeState.objects.create(
            id=uuid7(),
            organization_id=uuid7(),
            store_id=uuid7(),
            cloud_url="http://127.0.0.1:9",
            token="t",
            customer_number_base=1_000_000,
        )
    runner = SyncRunner(state, websocket=False)
    runner.housekeeping()
    with scopes_disabled():
        left = set(OutboxRecord.objects.values_list("id", flat=True))
    assert {str(pk) for pk in left} == {recent, waiting, held, refused}
    assert old not in {str(pk) for pk in left}
    # A shorter setting prunes sooner
    with override_settings(KASSE_OUTBOX_RETENTION_DAYS=7):
        runner.housekeeping()
    with scopes_disabled():
        assert not OutboxRecord.objects.filter(pk=recent).exists()
        assert OutboxRecord.objects.count() == 3


def test_a_five_line_sale_takes_a_few_kilobytes_in_the_outbox(organization, register, cashier, shift):
    products = [
        ProductFactory(
            organization=organization, name=f"Artikel {n} mit einem längeren Namen", price=Decimal("2.49") + n
        )
        for n in range(5)
    ]
    records = node_records(lambda: _sell(register, cashier, *products, pay="50.00"))
    sale = of_kind(records, "sale")[0]
    size = len(json.dumps(sale["rows"], separators=(",", ":")).encode())
    audit = sum(len(json.dumps(r["rows"], separators=(",", ":")).encode()) for r in of_kind(records, "audit"))
    # The figure in docs/sync.md: 7.6 KB for this 5-line sale (long names) with its audit entry, so 100,000
    # sales waiting through a 30-day outage are under 1 GB of SQLite (pruned 14 days after they are in).
    assert 3_000 < size + audit < 9_000


def _synchronous(tmp_path, role: str) -> str:
    import os
    import subprocess
    import sys

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST", "DJANGO_", "KASSE_", "DATABASE_URL", "TEST_DATABASE"))
    }
    env.update(
        {
            "KASSE_ROLE": role,
            "KASSE_DATA_DIR": str(tmp_path / role),
            "KASSE_ENV": "dev",
            "DATABASE_URL": f"sqlite:///{tmp_path / role / 'kasse.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "kasse.settings",
        }
    )
    code = (
        "import django; django.setup(); from django.db import connection; c = connection.cursor(); "
        "print(c.execute('PRAGMA synchronous').fetchone()[0], c.execute('PRAGMA journal_mode').fetchone()[0])"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=120, check=True)  # noqa: S603
    return done.stdout.decode().strip()


@pytest.mark.slow
def test_the_node_database_syncs_every_commit_to_disk(tmp_path):
    assert _synchronous(tmp_path, "store") == "2 wal"  # FULL: a printed sale survives a power cut
    assert _synchronous(tmp_path, "cloud") == "1 wal"  # NORMAL: a cloud on SQLite (development, tests)
