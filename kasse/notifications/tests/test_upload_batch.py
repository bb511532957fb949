"""A node's upload publishes its sales together: the notification centre finds its recipients once per kind
and store, one background task takes every event, and the work does not grow with the number of sales
(docs/notifications.md; before, 400 uploaded sales cost 1,606 queries in the ingesting request)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.notifications import tasks
from kasse.notifications.models import Event, Notification
from kasse.notifications.preferences import save_preferences
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sync.cloud.ingest import Ingestor
from kasse.testing.sync import node_records, of_kind

pytestmark = pytest.mark.django_db


def _day_of_sales(register, cashier, rolls, coffee, count):
    def sell():
        for index in range(count):
            product = coffee if index % 2 else rolls  # 2.80 € and 0.45 €
            complete_sale(
                actor=Actor.for_employee(cashier),
                register=register,
                employee=cashier,
                cart=SaleInput(
                    id=uuid7(),
                    lines=[LineInput(product.variants.get().pk, Decimal(1))],
                    payments=[PaymentInput("cash", Decimal("5.00"))],
                ),
            )

    return of_kind(node_records(sell), "sale")


def _ingest(node, records, capture):
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        Ingestor(node, records).run()
    return len(queries)


def test_an_upload_of_many_sales_costs_what_an_upload_of_two_costs(
    node, organization, owner, register, cashier, shift, rolls, coffee, django_capture_on_commit_callbacks, monkeypatch
):
    save_preferences(
        user=owner,
        organization=organization,
        store=None,
        rows=[{"kind": "sale.completed", "in_app": True, "min_amount": "1.00"}],
    )
    enqueued: list[int] = []

    class Counting:
        def enqueue(self, messages):
            enqueued.append(len(json.loads(messages)))
            return real.enqueue(messages)

    real = tasks.dispatch_events
    monkeypatch.setattr(tasks, "dispatch_events", Counting())
    sales = _day_of_sales(register, cashier, rolls, coffee, 14)
    two, twelve = sales[:2], sales[2:]

    # the first upload warms what any first request warms (content types, the node's row)
    _ingest(node, two[:1], django_capture_on_commit_callbacks)
    small = _ingest(node, two[1:], django_capture_on_commit_callbacks)
    large = _ingest(node, twelve, django_capture_on_commit_callbacks)

    assert enqueued == [1, 1, 12]  # one task per upload, however many sales it brings
    with scopes_disabled():
        assert Event.objects.filter(kind="sale.completed").count() == 14
        # the owner hears of the 2.80 € sales only (their minimum is 1 €), each once
        assert Notification.objects.filter(user=owner).count() == 7
    # The same queries for one sale and for twelve (the immediate test backend runs the task inline, so this
    # counts the worker's share too). Without the batch each further sale cost 13 more.
    assert large == small, (small, large)


@pytest.mark.postgres
def test_the_tasks_arguments_are_compressed_with_lz4_on_postgresql():
    """An upload's events travel in one task row; lz4 costs the database a quarter of pglz's time."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's column compression")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = 'django_tasks_database_dbtaskresult'::regclass"
            " AND attname = 'args_kwargs'"
        )
        assert cursor.fetchone()[0] == "l"
