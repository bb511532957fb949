"""``updated_since`` on the API's lists reads an index, not the whole table (PostgreSQL).

The tables here are tiny, so the planner would scan them anyway; with sequential scans switched off the
plan shows which index it can use. Without the migration's index the plan falls back to another index or
a scan (the assertion names the index each list needs).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kasse.bookkeeping.tests import conftest as bookkeeping

closed_day = bookkeeping.closed_day

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SINCE = {"updated_since": "2000-01-01T00:00:00Z"}


def _plan_of_the_since_query(api, path: str, column: str) -> str:
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(path, SINCE).status_code == 200
    wanted = [q["sql"] for q in ctx.captured_queries if f'"{column}" >=' in q["sql"]]
    assert wanted, f"{path}: no query filters on {column}"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + wanted[0])
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("path", "column", "index"),
    [
        ("/sales", "updated_at", "sale_org_kind_updated"),
        ("/returns", "updated_at", "sale_org_kind_updated"),
        ("/shifts", "updated_at", "shift_org_updated"),
        ("/products", "updated_at", "product_org_updated"),
        ("/customers", "updated_at", "customer_org_updated"),
        ("/stock-levels", "created_at", "stock_movement_org_created"),
    ],
)
def test_updated_since_reads_an_index(api, closed_day, path, column, index):
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    assert index in _plan_of_the_since_query(api, path, column)
