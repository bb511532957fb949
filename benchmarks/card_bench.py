"""Card terminal benchmark (issue 16): from the terminal's final status to the sale committed and shown paid.

Runs like the register benchmark (the demo shop seeded into a SQLite file database, WAL, a paired and
unlocked register with an open shift), with the register's card terminal pointing at a
``VirtualZvtTerminal`` on 127.0.0.1 (no intermediate status, no delay). Each round puts one product in the
cart, starts the card payment (``POST /register/cart/pay/card/start/``), lets the terminal's worker run the
ZVT dialog in this process, and then does what the register page does once the terminal answered: reads the
status partial (``GET /register/cart/pay/card/<id>/``) and pays with the payment's reference
(``POST /register/cart/pay/``), which commits the sale and returns the done partial ("paid").

* **final status → paid**: from the moment the ZVT dialog returned (the terminal's 06 0F was read) until the
  pay response is read: recording the terminal's answer (row lock, audit), publishing it, the status
  partial, and the sale's commit with the card payment bound to it. The target is p95 ≤ 50 ms.
* **baselines**, same run, interleaved: ``GET /health`` and the same sale paid in cash (no terminal). The
  demo shop signs every sale with its development TSE; ``--without-tse`` retires it first, so the card
  path's own share shows against a cash sale without signing.

Everything is in process through Django's test client (no network between register and node; the
WebSocket push is a channel-layer send). Run: ``python -m benchmarks.card_bench [--sales N]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.register_bench import _prepare, _setup_django, summary

TARGET_MS = 50.0


def run(sales: int = 200, products: int = 2000, without_tse: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="kasse-bench-card-") as tmp:
        _setup_django(Path(tmp), products=products)
        ctx = _prepare(products, without_tse)
        from django_scopes import scopes_disabled

        from kasse.core.actors import Actor
        from kasse.hardware.terminals.zvt.terminal import ZvtTerminal, tcp_link
        from kasse.hardware.virtual.zvt_terminal import VirtualZvtTerminal
        from kasse.payments.models import CardPayment
        from kasse.payments.runner import TerminalWorker
        from kasse.payments.services import save_card_terminal

        client, register, codes = ctx["client"], ctx["register"], ctx["codes"]
        terminal_server = VirtualZvtTerminal(password="000000")  # noqa: S106 - the virtual terminal's
        terminal_server.scenario.step_delay = 0.0
        terminal_server.scenario.intermediate = ()
        terminal_server.start()
        returned_at: list[float] = []

        class TimedTerminal(ZvtTerminal):
            def pay(self, cents: int, on_event: Any = None) -> Any:
                result = super().pay(cents, on_event)
                returned_at.append(time.perf_counter())
                return result

        def driver(terminal: Any) -> ZvtTerminal:
            return TimedTerminal(lambda: tcp_link("127.0.0.1", terminal_server.port), "000000")

        try:
            terminal = save_card_terminal(
                actor=Actor.system("bench"),
                store=register.store,
                data={
                    "name": "bench",
                    "register": register,
                    "connection": "tcp",
                    "host": "127.0.0.1",
                    "port": terminal_server.port,
                    "password": "000000",
                },
            )
            worker = TerminalWorker(terminal.pk, terminal.organization_id, driver=driver, idle_seconds=0.0)
            card_ms: list[float] = []
            cash_ms: list[float] = []
            health_ms: list[float] = []
            for n in range(sales):
                code = codes[n % len(codes)]
                client.post("/register/cart/scan/", {"code": code})
                if n % 2:  # the cash baseline, interleaved
                    total = _cart_total(register)
                    started = time.perf_counter()
                    response = client.post(
                        "/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": str(total)}])}
                    )
                    cash_ms.append((time.perf_counter() - started) * 1000)
                    _check(response)
                    started = time.perf_counter()
                    _check(client.get("/health"))
                    health_ms.append((time.perf_counter() - started) * 1000)
                    continue
                total = _cart_total(register)
                _check(client.post("/register/cart/pay/card/start/", {"amount": str(total)}))
                worker._step()  # noqa: SLF001 - one step of the node's worker, in this thread
                with scopes_disabled():
                    payment = CardPayment.objects.order_by("-created_at").first()
                if payment is None or payment.status != "approved":
                    raise RuntimeError(f"the terminal did not approve: {payment}")
                status = client.get(f"/register/cart/pay/card/{payment.pk}/")
                _check(status)
                response = client.post(
                    "/register/cart/pay/",
                    {
                        "payments": json.dumps(
                            [{"method": "card", "amount": str(total), "reference": payment.reference}]
                        )
                    },
                )
                _check(response)
                card_ms.append((time.perf_counter() - returned_at[-1]) * 1000)
        finally:
            terminal_server.stop()
        card = summary(card_ms)
        return {
            "sales": sales,
            "final_status_to_paid": card,
            "cash_sale": summary(cash_ms),
            "health": summary(health_ms),
            "target_ms": TARGET_MS,
            "met": card["p95_ms"] <= TARGET_MS,
        }


def _cart_total(register: Any) -> Any:
    from django_scopes import scopes_disabled

    from kasse.register.models import Cart, CartStatus
    from kasse.register.services.cart import cart_view

    with scopes_disabled():
        cart = Cart.objects.filter(register=register, status=CartStatus.ACTIVE).first()
        assert cart is not None
        return cart_view(cart).total


def _check(response: Any) -> None:
    if response.status_code >= 400:
        raise RuntimeError(f"request failed with {response.status_code}: {response.content[:300]!r}")


def markdown(results: dict[str, Any]) -> str:
    rows = [
        "| measurement | n | median ms | p95 ms |",
        "| --- | --- | --- | --- |",
    ]
    for label, key in (
        ("terminal final status → sale committed, shown paid", "final_status_to_paid"),
        ("baseline: the same sale paid in cash", "cash_sale"),
        ("baseline: GET /health", "health"),
    ):
        s = results[key]
        rows.append(f"| {label} | {s['n']} | {s['median_ms']:.1f} | {s['p95_ms']:.1f} |")
    verdict = "met" if results["met"] else "NOT met"
    rows += ["", f"Target p95 ≤ {results['target_ms']:.0f} ms: **{verdict}**."]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sales", type=int, default=200)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--without-tse", action="store_true", help="retire the demo shop's development TSE first")
    args = parser.parse_args()
    print(markdown(run(args.sales, args.products, args.without_tse)))


if __name__ == "__main__":
    main()
