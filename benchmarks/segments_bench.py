"""Campaign segments benchmark (issue 18): each segment over 100,000 customers and 2 million sales on PostgreSQL.

On a fresh PostgreSQL database of its own (``KASSE_BENCH_POSTGRES_URL``, default
``postgres://postgres@127.0.0.1:5432/``): the demo shop, ``--customers`` customers (one INSERT … SELECT from
``generate_series``), ``--sales`` receipts over two years in three stores from ``kasse seed --sales`` (COPY),
then 70 % of the receipts are given a customer spread evenly over all customers (one UPDATE), one loyalty
entry per such sale (points) and one per coffee-card stamp (INSERT … SELECT), a tier and a stamp card, and
``ANALYZE``. Each segment of ``kasse.marketing.segments`` is then counted ``--runs`` times (``.count()`` of the
queryset a campaign sends to, and the same filtered to consenting customers), p50 and max reported. The
target (issue 18) is ≤ 2 s per segment.

Run: ``python -m benchmarks.segments_bench [--customers 100000] [--sales 2000000] [--runs 5]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

from benchmarks.database import in_fresh_postgres

TARGET_SECONDS = 2.0
SEGMENTS = [
    ("bought_recently", "90"),
    ("not_visited", "60"),
    ("revenue_this_year", "200"),
    ("tier", "Gold"),
    ("stamps_almost_full", "2"),
]


def _child(customers: int, sales: int, runs: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scopes_disabled

    from kasse.catalog.models import Product
    from kasse.demo.sales import seed_sales
    from kasse.demo.sales_indexes import drop_secondary_indexes, restore_dropped_indexes
    from kasse.demo.seed import seed_demo
    from kasse.loyalty.models import LoyaltyTier, StampCard
    from kasse.marketing.segments import consenting, segment
    from kasse.testing.history import rewriting_history

    call_command("migrate", verbosity=0)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with scopes_disabled():
        organization = seed_demo(customers_count=10).organization
        org = organization.pk
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO customers_customer (id, created_at, updated_at, organization_id, customer_number,
                    first_name, last_name, company, email, phone, street, postal_code, city, country, vat_id, notes,
                    loyalty_card_code, marketing_consent, marketing_consent_source, is_active, search_text, sync_clocks)
                SELECT gen_random_uuid(), now(), now(), %s, 100000 + n, 'Kundin', 'Nr ' || n, '',
                    'k' || n || '@example.org',
                    '', '', '', '', 'DE', '', '', 'B' || n, n %% 3 = 0, 'register', true, 'kundin nr ' || n, '{}'
                FROM generate_series(1, %s) AS n
                """,
                [org, customers],
            )
        timings["customers_s"] = time.perf_counter() - started  # the demo shop and the customers
        seeded = seed_sales(organization, sales, seed=18, progress=lambda m: print(m, file=sys.stderr, flush=True))
        timings["sales_s"] = seeded.seconds
        print(f"{seeded.sales} sales in {seeded.seconds:.0f} s", file=sys.stderr, flush=True)
        coffee = Product.objects.filter(organization=organization).first()
        card = StampCard.objects.create(organization=organization, name="Karte", product=coffee, stamps_needed=10)
        LoyaltyTier.objects.create(organization=organization, name="Gold", threshold=300, points_per_euro=2)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            # Customers numbered 1…N in a temporary table with a key, so the UPDATE is a hash join.
            cursor.execute(
                "CREATE TEMP TABLE bench_customers AS SELECT id, row_number() OVER (ORDER BY id)::int AS rn "
                "FROM customers_customer WHERE organization_id = %s",
                [org],
            )
            cursor.execute("ALTER TABLE bench_customers ADD PRIMARY KEY (rn)")
            cursor.execute("SELECT count(*) FROM bench_customers")
            (numbered,) = cursor.fetchone()
            cursor.execute("ANALYZE bench_customers")
            # Giving receipts a customer rewrites their rows, and with them every index of sales_sale: drop
            # the secondary indexes for the UPDATE and build them again afterwards, as `kasse seed` does.
            drop_secondary_indexes()
            # As `kasse seed` loads: no wait for the WAL flush, and (as a superuser, as on a benchmark machine)
            # no per-row foreign-key and append-only triggers; every id written here was read from the database.
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            superuser = bool(cursor.fetchone()[0])
            if superuser:
                cursor.execute("SET session_replication_role = replica")
            with rewriting_history("sales_sale"):  # a seed: the receipts get customers after the fact
                cursor.execute(
                    """
                    UPDATE sales_sale s SET customer_id = c.id FROM bench_customers c
                    WHERE s.organization_id = %s AND abs(hashtext(s.id::text)) %% 10 < 7
                      AND c.rn = 1 + abs(hashtext(s.id::text || 'c')) %% %s
                    """,
                    [org, numbered],
                )
            restore_dropped_indexes()
            cursor.execute(
                """
                INSERT INTO loyalty_loyaltyentry (id, created_at, updated_at, organization_id, customer_id, kind, key,
                    points, stamps, basis, value, store_id, sale_id, note)
                SELECT gen_random_uuid(), s.completed_at, now(), s.organization_id, s.customer_id, 'earned',
                    'earn:' || s.id, greatest(floor(s.total)::int, 0), 0, s.total, 0, s.store_id, s.id, ''
                FROM sales_sale s WHERE s.organization_id = %s AND s.customer_id IS NOT NULL AND s.kind = 'sale'
                """,
                [org],
            )
            cursor.execute(
                """
                INSERT INTO loyalty_loyaltyentry (id, created_at, updated_at, organization_id, customer_id, kind, key,
                    points, stamp_card_id, stamps, basis, value, store_id, sale_id, note)
                SELECT gen_random_uuid(), s.completed_at, now(), s.organization_id, s.customer_id, 'earned',
                    'stamps:' || s.id, 0, %s, 1, 0, 0, s.store_id, s.id, ''
                FROM sales_sale s WHERE s.organization_id = %s AND s.customer_id IS NOT NULL AND s.kind = 'sale'
                  AND abs(hashtext(s.id::text || 's')) %% 4 = 0
                """,
                [card.pk, org],
            )
            if superuser:
                cursor.execute("SET session_replication_role = origin")
            cursor.execute("SET synchronous_commit = on")
            cursor.execute("ANALYZE")
            cursor.execute("SELECT count(*) FROM sales_sale WHERE organization_id = %s", [org])
            (sale_rows,) = cursor.fetchone()
            cursor.execute(
                "SELECT count(*) FROM sales_sale WHERE customer_id IS NOT NULL AND organization_id = %s", [org]
            )
            (with_customer,) = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM loyalty_loyaltyentry WHERE organization_id = %s", [org])
            (entries,) = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM customers_customer WHERE organization_id = %s", [org])
            (customer_rows,) = cursor.fetchone()
        timings["prepare_s"] = time.perf_counter() - started
        figures: dict[str, Any] = {}
        for kind, value in SEGMENTS:
            times, reachable_times = [], []
            members = reachable = 0
            for run in range(runs + 1):
                began = time.perf_counter()
                members = segment(org, kind, value).count()
                elapsed = time.perf_counter() - began
                began = time.perf_counter()
                reachable = consenting(segment(org, kind, value)).count()
                elapsed_reachable = time.perf_counter() - began
                if run:  # the first run warms the buffer cache
                    times.append(elapsed)
                    reachable_times.append(elapsed_reachable)
            times.sort()
            reachable_times.sort()
            figures[f"{kind}={value}"] = {
                "customers": members,
                "consenting": reachable,
                "p50_s": round(times[len(times) // 2], 3),
                "max_s": round(times[-1], 3),
                "consenting_p50_s": round(reachable_times[len(reachable_times) // 2], 3),
                "consenting_max_s": round(reachable_times[-1], 3),
            }
    print(
        json.dumps(
            {
                "customers": customer_rows,
                "sales": sale_rows,
                "sales_with_customer": with_customer,
                "loyalty_entries": entries,
                "runs": runs,
                "timings": {k: round(v, 1) for k, v in timings.items()},
                "segments": figures,
                "load": os.getloadavg(),
            }
        )
    )


def _in_fresh_database(*args: str) -> dict[str, Any]:
    return in_fresh_postgres("segments", "benchmarks.segments_bench", "_child", *args, stream_progress=True)


def render_markdown(results: dict[str, Any]) -> str:
    worst = max(v["max_s"] for v in results["segments"].values())
    worst_reachable = max(v["consenting_max_s"] for v in results["segments"].values())
    return "\n".join(
        [
            "## Campaign segments (issue 18)",
            "",
            f"PostgreSQL, {results['customers']:,} customers, {results['sales']:,} receipts "
            f"({results['sales_with_customer']:,} with a customer), {results['loyalty_entries']:,} loyalty entries; "
            f"load: the demo shop and the customers {results['timings']['customers_s']} s, "
            f"receipts (COPY) {results['timings']['sales_s']} s, "
            f"customers on receipts and loyalty entries {results['timings']['prepare_s']} s. Each segment counted "
            f"{results['runs']} times after one warm-up (`segment(...).count()`, and the consenting customers of it):",
            "",
            "| segment | customers | consenting | p50 s | max s | consenting p50 s | consenting max s |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
            *(
                f"| {k} | {v['customers']:,} | {v['consenting']:,} | {v['p50_s']} | {v['max_s']} | "
                f"{v['consenting_p50_s']} | {v['consenting_max_s']} |"
                for k, v in results["segments"].items()
            ),
            "",
            f"Slowest run {max(worst, worst_reachable)} s against the target of {TARGET_SECONDS} s: "
            f"{'met' if max(worst, worst_reachable) <= TARGET_SECONDS else 'NOT met'} (load average during the run "
            f"{', '.join(f'{x:.1f}' for x in results['load'])}, a shared 2-CPU machine).",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "_child":
        _child(int(args[1]), int(args[2]), int(args[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--sales", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args(args)
    results = _in_fresh_database(str(options.customers), str(options.sales), str(options.runs))
    print(json.dumps(results, indent=2))
    print(render_markdown(results))


if __name__ == "__main__":
    main()
