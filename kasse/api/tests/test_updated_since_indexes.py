"""``updated_since`` on the API's lists reads an index, not the whole table (PostgreSQL).

The tables here are tiny, so the planner would scan them anyway; with scans, bitmaps and sorts switched
off the plan shows which index serves the filter and the change order (without the migration's index it
names another one). The stock ledger is filled with old movements instead and read as it is.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kasse.bookkeeping.tests import conftest as bookkeeping

closed_day = bookkeeping.closed_day

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SINCE = {"updated_since": "2000-01-01T00:00:00Z"}


def _plan_of_the_since_query(api, path: str, column: str, since: dict[str, str] = SINCE, *, forced: bool = True) -> str:
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(path, since).status_code == 200
    filtered = [q["sql"] for q in ctx.captured_queries if f'"{column}" >=' in q["sql"]]
    assert filtered, f"{path}: no query filters on {column}"
    # The page of rows in change order where there is one, not the count beside it (a count may take any index
    # of the organization: which one is the planner's choice of the moment, and nothing is sorted).
    wanted = [sql for sql in filtered if "ORDER BY" in sql and f'"{column}"' in sql.split("ORDER BY", 1)[1]] or filtered
    with connection.cursor() as cursor:
        # Tiny tables and whatever statistics the tests before left: take away the plans that need no
        # fitting index (a scan, a bitmap of another index, sorting afterwards) to see which index fits.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort") if forced else ():
            cursor.execute(f"SET LOCAL {setting} = off")
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
    ],
)
def test_updated_since_reads_an_index(api, closed_day, organization, path, column, index):
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    if path in LISTED_BY_NAME:
        # Listed by name, so the query to look at is the count of the changed ones; on a handful of rows the
        # organization's own index costs the planner the same and which one it takes varies (CI once saw the
        # products' count take it). With the rows of a real shop, changed long ago, and the statistics
        # autovacuum gathers, it must be this.
        since = _many_old_rows(organization, *LISTED_BY_NAME[path])
        plan = _plan_of_the_since_query(api, path, column, since)
    else:
        plan = _plan_of_the_since_query(api, path, column)
    assert index in plan, plan


def _old_customer(organization, i: int):
    from kasse.customers.models import Customer

    return Customer(organization=organization, customer_number=90000 + i, last_name=f"Alt {i}")


def _old_product(organization, i: int):
    from kasse.catalog.models import Product

    return Product(organization=organization, name=f"Alt {i}", price=Decimal("1.00"))


LISTED_BY_NAME = {
    "/customers": ("customers", "customer", _old_customer),
    "/products": ("catalog", "product", _old_product),
}


def _many_old_rows(organization, app: str, model_name: str, build) -> dict[str, str]:
    from datetime import timedelta

    from django.apps import apps
    from django.utils import timezone
    from django_scopes import scopes_disabled

    model = apps.get_model(app, model_name)
    long_ago = timezone.now() - timedelta(days=800)
    with scopes_disabled():
        before = set(model.objects.values_list("pk", flat=True))
        model.objects.bulk_create(build(organization, i) for i in range(3000))
        model.objects.exclude(pk__in=before).update(updated_at=long_ago)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {model._meta.db_table}")
    return {"updated_since": (timezone.now() - timedelta(days=1)).isoformat()}
