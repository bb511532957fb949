"""Fiscal benchmark (issue 14): completing a sale with a TSE.

The register's ``POST /register/cart/pay/`` for a 5-line cart paid in cash, server time measured in
process around the Django test client (as ``register_bench``), on SQLite in WAL mode:

* **development TSE**: the demo's TSE (real ECDSA signatures and counters in the database);
* **fiskaly, 80 ms**: the fiskaly SIGN DE v2 backend against the local fiskaly server
  (``kasse/testing/fiskaly_server.py``) answering every request after 80 ms, a realistic round trip.
  The server runs in a process of its own, as the real fiskaly is a remote service: its signing and
  JSON are not the register's work (they still count: the answer comes after them, 80 ms plus its
  work). The client keeps its connection alive, as against fiskaly;
* each with the transaction **started at the first item** (in the background, as kasse does) and,
  in the same run and alternating blocks, **started at pay** (the background start switched off),
  so the difference is what the early start saves; and the same register **without a TSE** (the
  gate answering no), the baseline of the same run: the difference to it is what signing costs.

Between the first item and "pay" the benchmark scans the other four items as fast as the server
answers, and then, for the target row of fiskaly, waits until ``--till-gap`` seconds (default 0.5) have
passed since the first item: the least a cashier needs to put four more items on the scanner and say the
total (a person takes seconds). The same mode without that wait (no think time at all, the least time the
background start can get) is measured beside it, so both figures come from one run. The receipt is
queued after the TSE answered, inside the measured request.

Run: ``python -m benchmarks.fiscal_bench [--sales N]`` (``make bench`` runs it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.register_bench import _prepare, _setup_django, _time_request, summary


def _sell(ctx: dict[str, Any], rng: random.Random, till_gap: float = 0.0) -> float:
    """One 5-line cash sale; the server time of its "pay". ``till_gap``: the least seconds from the first
    item's scan to "pay" (the benchmark sleeps what the other scans left of it)."""
    from kasse.sales.fiscal_start import wait_idle

    client, codes = ctx["client"], ctx["codes"]
    payment = json.dumps([{"method": "cash", "amount": "1000.00"}])
    first_scanned = 0.0
    for position, code in enumerate(rng.sample(codes, 5)):
        client.post("/register/cart/scan/", {"code": code})
        if position == 0:
            first_scanned = time.perf_counter()
    remaining = till_gap - (time.perf_counter() - first_scanned)
    if remaining > 0:
        time.sleep(remaining)
    took = _time_request(lambda: client.post("/register/cart/pay/", {"payments": payment}))
    wait_idle()  # nothing of this sale runs into the next one's measurement
    return took


def measure(
    ctx: dict[str, Any],
    count: int,
    blocks: int = 4,
    modes: tuple[str, ...] = ("first_item", "at_pay"),
    till_gap: float = 0.0,
) -> dict[str, list[float]]:
    """Sales with the start at the first item, at pay, and (mode ``none``) the same register as if it
    had no TSE, in alternating blocks of the same run. Mode ``first_item_at_till_pace`` starts at the
    first item and pays ``till_gap`` seconds after it at the earliest; ``none_at_till_pace`` is the register
    without a TSE paying at that pace (the pause alone makes the sale's own commit slower: its baseline)."""
    import kasse.register.services.cart as cart_services
    from kasse.sales.fiscal_signing import tse_in_use
    from kasse.sales.fiscal_start import start_in_background

    rng = random.Random(11)
    timings: dict[str, list[float]] = {mode: [] for mode in modes}
    for _ in range(blocks):
        for mode in modes:
            early = mode.startswith("first_item")
            cart_services.start_in_background = (  # type: ignore[assignment]
                start_in_background if early else (lambda **_kwargs: None)
            )
            no_tse = mode.startswith("none")
            cart_services.tse_in_use = (lambda _register: False) if no_tse else tse_in_use  # type: ignore[assignment]
            gap = till_gap if mode.endswith("at_till_pace") else 0.0
            timings[mode] += [_sell(ctx, rng, gap) for _ in range(max(1, count // blocks))]
    cart_services.start_in_background = start_in_background
    cart_services.tse_in_use = tse_in_use
    return timings


def _use_fiskaly(ctx: dict[str, Any], url: str) -> None:
    """A fiskaly TSS for the register's store, in place of the demo's development TSE of that store."""
    from django.conf import settings
    from django_scopes import scope

    from kasse.core.actors import Actor
    from kasse.fiscal.fiskaly_setup import create_fiskaly_tse, register_fiskaly_client, set_up_fiskaly_tse
    from kasse.fiscal.services import device_for_store, retire_tse

    settings.KASSE_FISKALY_BASE_URL = url
    register = ctx["register"]
    with scope(organization=register.organization_id):
        own = device_for_store(register.store)
    if own is not None and own.store_id == register.store_id:
        retire_tse(device=own, actor=Actor.system("bench"))  # the demo's development TSE of this store
    device = create_fiskaly_tse(
        organization=ctx["organization"],
        actor=Actor.system("bench"),
        store=register.store,
        api_key="key",
        api_secret="secret",  # noqa: S106 - the local fiskaly server's test credentials
    )
    set_up_fiskaly_tse(device=device, actor=Actor.system("bench"))
    register_fiskaly_client(register=register, actor=Actor.system("bench"))


@contextlib.contextmanager
def fiskaly_process(latency: float) -> Iterator[tuple[str, dict[str, Any]]]:
    """The local fiskaly server in a process of its own: its URL, and (after the block) its counts of
    requests and connections."""
    child = subprocess.Popen(  # noqa: S603 - this interpreter, a module of ours
        [sys.executable, "-m", "kasse.testing.fiskaly_server", "--latency", str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    counts: dict[str, Any] = {}
    try:
        yield child.stdout.readline().strip(), counts
    finally:
        child.stdin.close()
        with contextlib.suppress(json.JSONDecodeError):
            counts.update(json.loads(child.stdout.readline() or "{}"))
        child.wait(timeout=10)


def run(
    products: int = 2000, sales: int = 200, latency: float = 0.08, till_gap: float = 0.5, warmup: int = 10
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="kasse-bench-fiscal-") as tmp:
        _setup_django(Path(tmp), products=products)
        ctx = _prepare(products)
        from kasse.sales.fiscal_signing import tse_in_use

        if not tse_in_use(ctx["register"]):
            raise RuntimeError("the demo register has no development TSE")
        rng = random.Random(3)
        for _ in range(warmup):  # warm-up: templates, caches, the TSE's key
            _sell(ctx, rng)
        results: dict[str, Any] = {"products": products, "latency_ms": latency * 1000, "till_gap_s": till_gap}
        development = measure(ctx, sales, modes=("first_item", "at_pay", "none"))
        results["development"] = {mode: summary(values) for mode, values in development.items()}
        with fiskaly_process(latency) as (url, counts):
            _use_fiskaly(ctx, url)
            for _ in range(max(1, warmup // 2)):
                _sell(ctx, rng)
            fiskaly = measure(
                ctx,
                sales,
                modes=("first_item_at_till_pace", "none_at_till_pace", "first_item", "at_pay"),
                till_gap=till_gap,
            )
            results["fiskaly"] = {mode: summary(values) for mode, values in fiskaly.items()}
        results["fiskaly_requests"] = counts.get("requests")
        results["fiskaly_connections"] = counts.get("connections")
        return results


def render_markdown(results: dict[str, Any]) -> str:
    dev, fisk = results["development"], results["fiskaly"]
    latency = f"{results['latency_ms']:.0f} ms"
    gap = f"{results['till_gap_s']:g} s"

    def row(name: str, target: str, values: dict[str, float]) -> str:
        return f"| {name} | {target} | {values['median_ms']:.1f} ms | {values['p95_ms']:.1f} ms | {values['n']} |"

    return "\n".join(
        [
            "| complete a 5-line sale (server) | target | median | p95 | sales |",
            "| --- | --- | --- | --- | --- |",
            row("development TSE, started at the first item", "p95 ≤ 50 ms", dev["first_item"]),
            row("development TSE, started at pay (for comparison)", "–", dev["at_pay"]),
            row("the same register without a TSE (baseline of this run)", "–", dev["none"]),
            row(
                f"fiskaly answering after {latency}, started at the first item, pay {gap} after it",
                "p95 ≤ 150 ms",
                fisk["first_item_at_till_pace"],
            ),
            row(
                f"the same register without a TSE, pay {gap} after the first item (its baseline)",
                "–",
                fisk["none_at_till_pace"],
            ),
            row(
                f"fiskaly answering after {latency}, started at the first item, no think time", "–", fisk["first_item"]
            ),
            row(f"fiskaly answering after {latency}, started at pay (for comparison)", "–", fisk["at_pay"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--sales", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.08, help="seconds the local fiskaly takes to answer")
    parser.add_argument(
        "--till-gap",
        type=float,
        default=0.5,
        help="least seconds from the first item to pay in the fiskaly target row (a cashier's pace)",
    )
    parser.add_argument(
        "--warmup", type=int, default=10, help="sales before the timed ones (half as many again with fiskaly)"
    )
    parser.add_argument("--json-out", help="also write the raw results as JSON to this file")
    args = parser.parse_args()
    started = time.perf_counter()
    results = run(args.products, args.sales, args.latency, args.till_gap, max(1, args.warmup))
    results["seconds"] = round(time.perf_counter() - started, 1)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))
    print(render_markdown(results))


if __name__ == "__main__":
    main()
