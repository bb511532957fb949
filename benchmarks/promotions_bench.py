"""Promotions benchmark (issue 18): scan → updated cart with 50 active promotions vs none, same run.

Seeds the demo shop (``--products`` products, SQLite file database as the register benchmark) with
``--customers`` customers (those beyond the demo's bulk-inserted), pairs a register and adds 50 promotions
in force (percent and amount off categories and products, buy X get Y, bundles, a happy hour that is on
now, customers-only and coupon offers that the cart does not qualify for, so they are read and dropped as
at a real register). Then the same random scans are timed (``POST /register/cart/scan/``, server time in
process, the register benchmark's ``measure_scans``) in alternating blocks with the promotions switched on
and off, so load drifts alike for both. The target: p95 with promotions within 5 ms of p95 without. The
queries of one scan (the tenth line of a cart) are counted with the promotions on and off too.

Run: ``python -m benchmarks.promotions_bench [--products N] [--customers N] [--scans N] [--blocks N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.register_bench import _prepare, _setup_django, measure_scans, summary

PROMOTIONS = 50
CUSTOMERS = 100_000


def add_customers(organization: Any, total: int) -> int:
    """Bring the shop's customers up to ``total`` (bulk insert, as ``kasse seed`` does for large sets)."""
    from django_scopes import scopes_disabled

    from kasse.core.actors import Actor
    from kasse.customers.models import Customer
    from kasse.demo.customers import bulk_insert

    with scopes_disabled():
        have = Customer.objects.filter(organization=organization).count()
        if total > have:
            bulk_insert(Actor.system("bench"), organization, total - have, start=have)
        return int(Customer.objects.filter(organization=organization).count())


def add_promotions(organization: Any, rng: random.Random) -> int:
    """50 promotions in force now, of every kind, on the shop's categories and products."""
    from django_scopes import scopes_disabled

    from kasse.catalog.models import Category, Product
    from kasse.core.actors import Actor
    from kasse.promotions.services import save_promotion

    with scopes_disabled():
        categories = [str(pk) for pk in Category.objects.filter(organization=organization).values_list("pk", flat=True)]
        products = [
            str(pk) for pk in Product.objects.filter(organization=organization).values_list("pk", flat=True)[:2000]
        ]
        kinds = [
            {"kind": "percent", "percent": Decimal(rng.choice([5, 10, 20, 50]))},
            {"kind": "amount", "amount": Decimal("0.20")},
            {"kind": "buy_x_get_y", "buy_quantity": 2, "get_quantity": 1},
            {"kind": "bundle", "bundle_size": 3, "amount": Decimal("2.00")},
        ]
        for n in range(PROMOTIONS):
            data: dict[str, Any] = {"name": f"Aktion {n + 1}", **kinds[n % len(kinds)]}
            if n % 2:
                data["category_ids"] = rng.sample(categories, min(2, len(categories)))
            else:
                data["product_ids"] = rng.sample(products, min(40, len(products)))
            if n % 10 == 3:
                data["time_from"], data["time_until"] = dt.time(0, 0), dt.time(23, 59)  # a "happy hour" on now
            if n % 10 == 7:
                data["customers_only"] = True
            if n % 10 == 9:
                data["coupon_code"] = f"BENCH{n}"
            save_promotion(actor=Actor.system("bench"), organization=organization, data=data)
    return PROMOTIONS


def switch(organization: Any, on: bool) -> None:
    from django_scopes import scopes_disabled

    from kasse.promotions.models import Promotion

    with scopes_disabled():
        Promotion.objects.filter(organization=organization).update(is_active=on)


def count_queries(ctx: dict[str, Any]) -> dict[str, int]:
    """The queries of one scan, the tenth line of a cart, with the promotions off and on (same codes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, codes = ctx["client"], ctx["codes"]
    picked = random.Random(9).sample(codes, min(10, len(codes)))
    counts = {}
    for mode in ("off", "on"):
        switch(ctx["organization"], mode == "on")
        client.post("/register/cart/cancel/")
        for code in picked[:-1]:
            client.post("/register/cart/scan/", {"code": code})
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/register/cart/scan/", {"code": picked[-1]})
        if response.status_code != 200:  # e.g. the register locked itself: the timings would be of a redirect
            raise RuntimeError(f"the scan answered {response.status_code}, not the cart")
        counts[mode] = len(queries.captured_queries)
    client.post("/register/cart/cancel/")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    parser.add_argument("--scans", type=int, default=200, help="scans per block")
    parser.add_argument("--blocks", type=int, default=4)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kasse-promo-bench-"))
    _setup_django(folder, products=args.products)
    ctx = _prepare(args.products, without_tse=True)
    customers = add_customers(ctx["organization"], args.customers)
    # Adding the customers takes long enough for the register to lock itself: unlock it again.
    unlocked = ctx["client"].post("/register/unlock/", {"employee": ctx["employee_id"], "pin": ctx["pin"]})
    if unlocked.status_code != 302:
        raise RuntimeError(f"unlocking the register answered {unlocked.status_code}")
    add_promotions(ctx["organization"], random.Random(18))
    queries = count_queries(ctx)
    load_before = os.getloadavg()
    timings: dict[str, list[float]] = {"off": [], "on": []}
    for _ in range(args.blocks):
        for mode in ("off", "on"):
            switch(ctx["organization"], mode == "on")
            timings[mode] += measure_scans(ctx, args.scans)
    load_after = os.getloadavg()
    off, on = summary(timings["off"]), summary(timings["on"])
    print(
        json.dumps(
            {
                "products": args.products,
                "customers": customers,
                "promotions": PROMOTIONS,
                "scans": {"promotions_off": off, "promotions_on": on},
                "queries_per_scan": {"promotions_off": queries["off"], "promotions_on": queries["on"]},
                "p95_difference_ms": round(on["p95_ms"] - off["p95_ms"], 3),
                "median_difference_ms": round(on["median_ms"] - off["median_ms"], 3),
                "load_average_1m_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
                "cpus": os.cpu_count(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
