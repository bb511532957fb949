"""Catalog benchmark for one database: barcode lookup, name search, serving memory.

Run by :mod:`benchmarks.run` as a child process per database, because Django
settings (``DATABASE_URL``) are fixed per process::

    python -m benchmarks.catalog --database-url sqlite:////tmp/b.sqlite3 --data-dir /tmp/b --json out.json

Steps: migrate an empty database, seed the demo shop plus generated products
up to ``--products`` (the same code as ``kasse seed``), time the selectors the
register and back office use, then start ``kasse cloud`` on a loopback port,
make a few requests as the owner and read the server's memory from /proc.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The customers seeded with the catalog (as the register benchmark does, so a smoke run copies one seeded shop).
CUSTOMERS = 200

# Queries people type: umlaut-free spelling, word prefixes and fragments inside words.
SEARCHES: list[tuple[str, str]] = [
    ("brotchen", "umlaut-free"),
    ("Brötchen", "word"),
    ("kase", "umlaut-free"),
    ("kürbis brot", "two words"),
    ("dinkel", "prefix"),
    ("schorl", "prefix"),
    ("havel", "prefix"),
    ("sonnensch", "prefix"),
    ("rotche", "contains"),
    ("kirschku", "contains"),
    ("ndelkro", "contains"),
    ("lade", "contains"),
    ("quittengelee", "rare"),
    ("zzqx", "no match"),
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def summary(samples: list[float]) -> dict[str, float]:
    """Median, p95 and max in milliseconds of samples in seconds."""
    return {
        "n": len(samples),
        "median_ms": statistics.median(samples) * 1000,
        "p95_ms": percentile(samples, 0.95) * 1000,
        "max_ms": max(samples) * 1000,
    }


def timed(func: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return samples


def measure_lookups(organization: Any, lookups: int, rng: random.Random) -> dict[str, Any]:
    from kasse.catalog.models import Barcode, Variant
    from kasse.catalog.selectors import variant_by_barcode

    rows = list(Barcode.objects.filter(organization=organization).values_list("code", "variant_id"))
    picks = [rng.choice(rows) for _ in range(lookups)]
    warm = picks[: max(1, lookups // 10)]
    for code, _variant_id in warm:
        variant_by_barcode(organization, code)
    lookup = []
    for code, variant_id in picks:
        started = time.perf_counter()
        variant = variant_by_barcode(organization, code)
        lookup.append(time.perf_counter() - started)
        if variant is None or variant.pk != variant_id or variant.product is None:
            raise AssertionError(f"barcode {code} did not find its variant")
    missing = timed(lambda: variant_by_barcode(organization, "4000000000000"), max(10, lookups // 10))
    baseline = []
    for _code, variant_id in picks:
        started = time.perf_counter()
        Variant.objects.filter(organization=organization, pk=variant_id).first()
        baseline.append(time.perf_counter() - started)
    return {"lookup": summary(lookup), "lookup_missing": summary(missing), "baseline_pk": summary(baseline)}


def measure_searches(organization: Any, repeat: int) -> dict[str, Any]:
    from kasse.catalog.models import Product
    from kasse.catalog.selectors import search_products

    per_query: dict[str, Any] = {}
    everything: list[float] = []
    for query, kind in SEARCHES:
        list(search_products(organization, query)[:50])  # warm-up
        hits = search_products(organization, query).count()
        samples = timed(lambda q=query: list(search_products(organization, q)[:50]), repeat)  # type: ignore[misc]
        everything += samples
        per_query[query] = {"kind": kind, "matches": hits, **summary(samples)}
    texts = list(Product.objects.filter(organization=organization).values_list("search_text", flat=True)[:2000])
    rng = random.Random(5)
    baseline = timed(
        lambda: list(Product.objects.filter(organization=organization, search_text=rng.choice(texts))[:50]),
        repeat * len(SEARCHES),
    )
    return {"search": summary(everything), "per_query": per_query, "baseline_equality": summary(baseline)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_kib(pid: int) -> dict[str, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    return {
        key: int(re.search(rf"^{key}:\s+(\d+) kB", status, re.M).group(1))  # type: ignore[union-attr]
        for key in ("VmRSS", "VmHWM")
    }


def measure_server_memory(email: str, password: str) -> dict[str, Any]:
    """Start ``kasse cloud`` against this database, browse as the owner, read its memory."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "kasse.cli", "cloud", "--port", str(port), "--log-level", "warning"],
        env=dict(os.environ),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the benchmark server did not start") from None
                time.sleep(0.2)
        started = _rss_kib(server.pid)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(f"{base}/login/", timeout=30).read()
        token = next(c.value for c in jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "email": email, "password": password})
        request = urllib.request.Request(f"{base}/login/", data=body.encode(), headers={"Referer": f"{base}/login/"})
        opener.open(request, timeout=30).read()
        pages = [
            "/",
            "/catalog/",
            "/catalog/?q=brotchen",
            "/catalog/?q=kase",
            "/catalog/?page=200",
            "/catalog/?q=dinkel&page=3",
            "/customers/",
            "/api/v1/openapi.json",
            "/api/v1/docs",
        ]
        timings = {}
        for _round in range(3):
            for page in pages:
                began = time.perf_counter()
                try:
                    opener.open(f"{base}{page}", timeout=60).read()
                    status = "ok"
                except urllib.error.HTTPError as exc:
                    status = str(exc.code)
                timings[page] = {"ms": (time.perf_counter() - began) * 1000, "status": status}
        after = _rss_kib(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return {
        "rss_start_mib": started["VmRSS"] / 1024,
        "rss_after_mib": after["VmRSS"] / 1024,
        "rss_peak_mib": after["VmHWM"] / 1024,
        "pages": timings,
    }


def run(
    *, products: int, lookups: int, search_repeat: int, serve: bool = True, copied: float | None = None
) -> dict[str, Any]:
    """Migrate, seed and measure the database Django is configured with; returns the figures. ``copied``: the
    seconds it took to copy the seeded demo shop there instead (a smoke run, ``reuse_seed()``)."""
    from django.conf import settings
    from django.db import connection
    from django_scopes import scope, scopes_disabled

    from benchmarks.database import migrate
    from kasse.demo import shop
    from kasse.demo.seed import seed_demo

    migrate(copied=copied is not None)
    started = time.perf_counter()
    organization: Any
    if copied is None:
        organization = seed_demo(products=products, customers_count=CUSTOMERS).organization
        seed_seconds = time.perf_counter() - started
    else:
        with scopes_disabled():
            organization = shop.find_demo_organization()
        seed_seconds = copied
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0].split(" on ")[0]
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SELECT sqlite_version()")
            version = f"SQLite {cursor.fetchone()[0]}"
    rng = random.Random(42)
    with scope(organization=organization):
        from kasse.catalog.models import Product

        figures: dict[str, Any] = {
            "database": version,
            "vendor": connection.vendor,
            "products": Product.objects.count(),
            "seed_seconds": seed_seconds,
            "seed_copied": copied is not None,
            "engine": settings.DATABASES["default"]["ENGINE"],
        }
        figures.update(measure_lookups(organization, lookups, rng))
        figures.update(measure_searches(organization, search_repeat))
    connection.close()
    if serve:
        figures["server"] = measure_server_memory(shop.OWNER_EMAIL, shop.DEMO_PASSWORD)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--search-repeat", type=int, default=30)
    parser.add_argument("--no-serve", action="store_true")
    parser.add_argument("--json", required=True, help="file to write the figures to")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["KASSE_DATA_DIR"] = args.data_dir
    os.environ["KASSE_ENV"] = "dev"
    os.environ["DJANGO_SETTINGS_MODULE"] = "kasse.settings"
    os.environ.pop("KASSE_DEBUG", None)
    copied = None
    from benchmarks.database import copy_seeded_demo, reuse_seed

    if reuse_seed() and args.database_url == f"sqlite:///{Path(args.data_dir) / 'bench.sqlite3'}":
        started = time.perf_counter()
        copy_seeded_demo(Path(args.data_dir), args.products, CUSTOMERS)
        copied = time.perf_counter() - started
    import django

    django.setup()
    figures = run(
        products=args.products,
        lookups=args.lookups,
        search_repeat=args.search_repeat,
        serve=not args.no_serve,
        copied=copied,
    )
    Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
