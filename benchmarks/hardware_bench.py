"""Receipt printing benchmark (issue 5): a 30-line receipt to ESC/POS bytes.

* **build**: ``kasse.sales.printout.receipt_document`` for a completed 30-line sale
  (reads the sale's lines, VAT rows and payments from SQLite) — what the print
  queue will do per receipt;
* **render**: that document to ESC/POS bytes for the Epson TM-T20 profile
  (``kasse.hardware.printers.escpos_render.render``), the target of issue 5;
* **baseline**: rendering a document of 30 plain text lines in the same run.

Run: ``python -m benchmarks.hardware_bench`` (``make bench`` runs it).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.register_bench import _setup_django, demo_organization, summary


def _thirty_line_sale() -> Any:
    from django_scopes import scopes_disabled

    from kasse.catalog.models import Variant
    from kasse.core.actors import Actor
    from kasse.core.ids import uuid7
    from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
    from kasse.sales.services.shifts import open_shift
    from kasse.tenancy.models import Employee, Register

    organization = demo_organization()
    with scopes_disabled():
        register = Register.objects.filter(organization=organization).order_by("store__number", "number").first()
        owner = Employee.objects.filter(organization=organization, user__isnull=False).first()
        variants = list(
            Variant.objects.filter(organization=organization, is_active=True, product__is_measured=False).order_by(
                "sku"
            )[:30]
        )
    actor = Actor.system("bench")
    open_shift(actor=actor, register=register, employee=owner, count={})
    return complete_sale(
        actor=actor,
        register=register,
        employee=owner,
        cart=SaleInput(
            id=uuid7(),
            lines=[LineInput(v.pk, Decimal(1 + i % 3)) for i, v in enumerate(variants)],
            payments=[PaymentInput("cash", Decimal("1000.00"))],
        ),
    )


def _time(call: Any, runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def run(runs: int = 500) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="kasse-bench-hw-") as tmp:
        _setup_django(Path(tmp), demo=True)
        from django_scopes import scope

        from kasse.hardware.printers.base import ReceiptDocument
        from kasse.hardware.printers.escpos_render import render
        from kasse.hardware.printers.profiles import get_profile
        from kasse.sales.printout import receipt_document

        sale = _thirty_line_sale()
        profile = get_profile("epson-tm-t20")
        plain = ReceiptDocument()
        for index in range(30):
            plain.text(f"Zeile {index:02d} Brötchen 0,45 €")
        with scope(organization=sale.organization):
            document = receipt_document(sale, language="de")
            size = len(render(document, profile))
            _time(lambda: render(receipt_document(sale, language="de"), profile), 20)  # warm-up
            return {
                "lines": sale.lines.count(),
                "bytes": size,
                "render": summary(_time(lambda: render(document, profile), runs)),
                "build_and_render": summary(
                    _time(lambda: render(receipt_document(sale, language="de"), profile), runs)
                ),
                "baseline": summary(_time(lambda: render(plain, profile), runs)),
            }


def render_markdown(results: dict[str, Any]) -> str:
    render_, both, base = results["render"], results["build_and_render"], results["baseline"]
    ok = "✅" if render_["p95_ms"] <= 5 else "❌"
    return "\n".join(
        [
            f"A {results['lines']}-line sale on the Epson TM-T20 profile ({results['bytes']:,} bytes of ESC/POS).",
            "",
            "| measurement | target | median | p95 | median vs. baseline |",
            "| --- | --- | --- | --- | --- |",
            f"| baseline: render 30 plain text lines | – | {base['median_ms']:.3f} ms | {base['p95_ms']:.3f} ms | 1× |",
            f"| render the receipt document to ESC/POS | p95 ≤ 5 ms {ok} | {render_['median_ms']:.3f} ms "
            f"| {render_['p95_ms']:.3f} ms | {render_['median_ms'] / base['median_ms']:.1f}× |",
            f"| build it from the sale (SQLite) and render | – | {both['median_ms']:.3f} ms | {both['p95_ms']:.3f} ms "
            f"| {both['median_ms'] / base['median_ms']:.1f}× |",
            "",
            'From a completed sale to the last byte on the virtual printer\'s socket: see "Print queue".',
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="receipt printing benchmark")
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()
    print(render_markdown(run(args.runs)))


if __name__ == "__main__":
    main()
