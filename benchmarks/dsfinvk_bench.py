"""DSFinV-K benchmark (issue 14): a busy register's year exported, time and memory.

One register, 365 daily closings (Z reports) with 274 receipts a day: 100,010 receipts, each with three
lines (19 % and 7 %), its VAT rows, a cash or card payment and its TSE start and finish records, plus a
cash movement a day. The rows are bulk-inserted on SQLite in WAL mode (the journal as the sale flow
writes it, without signing each receipt: the export reads the stored records, it never signs). Then
the export of the first month and of the whole year is written to a ZIP file, as ``kasse
dsfinvk_export`` does, timed, and the process's resident memory sampled every 20 ms: the growth over
the resident size before the export shows whether memory stays flat as the receipts grow tenfold.

Target (issue 14): the year in at most 60 s with flat memory.

Run: ``python -m benchmarks.dsfinvk_bench [--days 365 --per-day 274]`` (``make bench`` runs it).
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.register_bench import _setup_django

BERLIN = ZoneInfo("Europe/Berlin")
D = Decimal


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PeakSampler:
    """The highest resident size while the block runs (sampled every 20 ms)."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mib())
            time.sleep(0.02)

    def __enter__(self) -> PeakSampler:
        self.peak = rss_mib()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib())


def seed(days: int, per_day: int) -> dict[str, Any]:
    """A register's year of closings, bulk-inserted."""
    from django.db import connection
    from django_scopes import scopes_disabled

    from kasse.core.ids import uuid7
    from kasse.fiscal.dsfinvk.master_data import snapshot
    from kasse.fiscal.models import TseTransactionRecord
    from kasse.sales.models import CashMovement, Payment, Sale, SaleLine, SaleVat, Shift
    from kasse.testing.factories import EmployeeFactory, ProductFactory, RegisterFactory

    with scopes_disabled():
        register: Any = RegisterFactory(serial_number="BENCH-KASSE-1")
        organization = register.organization
        employee: Any = EmployeeFactory(organization=organization, display_name="Clara")
        coffee: Any = ProductFactory(organization=organization, name="Kaffee", price="2.80", vat_class="standard")
        rolls: Any = ProductFactory(organization=organization, name="Brötchen", price="0.45", vat_class="reduced")
        variants = [coffee.variants.get(), rolls.variants.get()]
        master = snapshot(register)
        master["tse"] = [
            {
                "TSE_ID": 1,
                "TSE_SERIAL": "ab" * 32,
                "TSE_SIG_ALGO": "ecdsa-plain-SHA384",
                "TSE_ZEITFORMAT": "unixTime",
                "TSE_PD_ENCODING": "UTF-8",
                "TSE_PUBLIC_KEY": "B" * 132,
                "TSE_ZERTIFIKAT_I": "M" * 1000,
                "TSE_ZERTIFIKAT_II": "M" * 200,
                "TSE_ZERTIFIKAT_III": "",
                "TSE_ZERTIFIKAT_IV": "",
                "TSE_ZERTIFIKAT_V": "",
            }
        ]
        common = {"organization_id": organization.pk}
        number = 0
        counter = 0
        start = date(2025, 1, 1)
        for day in range(days):
            opened = datetime.combine(start + timedelta(days=day), datetime.min.time(), tzinfo=BERLIN) + timedelta(
                hours=7
            )
            shift = Shift(
                **common,
                store=register.store,
                register=register,
                status="open",
                opened_at=opened,
                opened_by=employee,
                opening_float=D("150.00"),
            )
            sales: list[Any] = []
            lines: list[Any] = []
            vats: list[Any] = []
            payments: list[Any] = []
            records: list[Any] = []
            cash_total = D("0")
            for n in range(per_day):
                number += 1
                at = opened + timedelta(seconds=60 + n * 120)
                sale = Sale(
                    **common,
                    id=uuid7(),
                    store=register.store,
                    register=register,
                    shift=shift,
                    receipt_number=number,
                    employee=employee,
                    employee_name="Clara",
                    started_at=at - timedelta(seconds=40),
                    completed_at=at,
                    subtotal=D("6.50"),
                    total=D("6.50"),
                )
                sales.append(sale)
                for position, (variant, qty, total, rate, key) in enumerate(
                    (
                        (variants[0], D("1"), D("2.80"), D("19.00"), 1),
                        (variants[1], D("4"), D("1.80"), D("7.00"), 2),
                        (variants[0], D("0.5"), D("1.90"), D("19.00"), 1),
                    ),
                    start=1,
                ):
                    lines.append(
                        SaleLine(
                            **common,
                            sale=sale,
                            position=position,
                            variant=variant,
                            product_name=variant.product.name,
                            sku=variant.sku,
                            unit="pc",
                            quantity=qty,
                            list_price=total / qty,
                            unit_price=(total / qty).quantize(D("0.01")),
                            line_discount=D("0.10") if position == 3 else D("0"),
                            total=total,
                            vat_class="standard" if key == 1 else "reduced",
                            vat_rate=rate,
                            vat_dsfinvk_id=key,
                        )
                    )
                vats += [
                    SaleVat(
                        **common,
                        sale=sale,
                        vat_rate=D("19.00"),
                        vat_dsfinvk_id=1,
                        gross=D("4.70"),
                        net=D("3.95"),
                        vat=D("0.75"),
                    ),
                    SaleVat(
                        **common,
                        sale=sale,
                        vat_rate=D("7.00"),
                        vat_dsfinvk_id=2,
                        gross=D("1.80"),
                        net=D("1.68"),
                        vat=D("0.12"),
                    ),
                ]
                method = "cash" if n % 3 else "card"
                if method == "cash":
                    cash_total += D("6.50")
                payments.append(Payment(**common, sale=sale, position=1, method=method, amount=D("6.50")))
                for revision, operation in ((1, "start"), (2, "finish")):
                    counter += 1
                    records.append(
                        TseTransactionRecord(
                            **common,
                            register=register,
                            tx_id=sale.id,
                            revision=revision,
                            operation=operation,
                            outcome="signed",
                            process_type="Kassenbeleg-V1" if operation == "finish" else "",
                            process_data=f"Beleg^4.70_1.80_0.00_0.00_0.00^6.50:{'Bar' if method == 'cash' else 'Unbar'}"
                            if operation == "finish"
                            else "",
                            transaction_number=number,
                            signature_counter=counter,
                            signature="S" * 128,
                            signature_algorithm="ecdsa-plain-SHA384",
                            tse_serial="ab" * 32,
                            time_start=at - timedelta(seconds=40),
                            time_end=at if operation == "finish" else None,
                            log_time=at,
                            log_time_format="unixTime",
                        )
                    )
            closed = opened + timedelta(hours=11)
            shift.status = "closed"
            shift.closed_at = closed
            shift.closed_by = employee
            shift.closing_number = day + 1
            shift.expected_cash = shift.counted_cash = D("150.00") + cash_total - D("20.00")
            shift.difference = D("0")
            shift.master_data = master
            shift.save()
            Sale.objects.bulk_create(sales, batch_size=2000)
            SaleLine.objects.bulk_create(lines, batch_size=2000)
            SaleVat.objects.bulk_create(vats, batch_size=2000)
            Payment.objects.bulk_create(payments, batch_size=2000)
            TseTransactionRecord.objects.bulk_create(records, batch_size=2000)
            CashMovement.objects.create(
                **common, shift=shift, kind="pay_out", amount=D("-20.00"), reason="Bank", employee=employee
            )
    # Planner statistics, as `kasse seed` gathers them and PostgreSQL's autovacuum keeps them: without them
    # SQLite reads the journal through the organization index (one organization owns every row).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"organization": organization, "register": register, "first": start, "days": days, "receipts": number}


def export(ctx: dict[str, Any], last: date, target: Path) -> dict[str, Any]:
    from kasse.core.actors import Actor  # noqa: F401 (the command's imports, loaded before timing)
    from kasse.sales.dsfinvk.request import DsfinvkRequest, prepare, write_zip

    gc.collect()
    before = rss_mib()
    request = DsfinvkRequest(
        organization=ctx["organization"], registers=[ctx["register"]], date_from=ctx["first"], date_to=last
    )
    with PeakSampler() as sampler:
        started, cpu = time.perf_counter(), time.process_time()
        shifts = prepare(request)
        with target.open("wb") as out:
            counts = write_zip(request, shifts, out)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return {
        "closings": len(shifts),
        "receipts": counts["transactions.csv"],
        "rows": sum(counts.values()),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "zip_mib": round(target.stat().st_size / 1024 / 1024, 1),
        "rss_growth_mib": round(sampler.peak - before, 1),
    }


def run(days: int = 365, per_day: int = 274) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="kasse-bench-dsfinvk-") as tmp:
        _setup_django(Path(tmp))
        started = time.perf_counter()
        ctx = seed(days, per_day)
        results: dict[str, Any] = {"seed_seconds": round(time.perf_counter() - started, 1), "days": days}
        month = export(ctx, ctx["first"] + timedelta(days=min(days, 30) - 1), Path(tmp) / "month.zip")
        year = export(ctx, ctx["first"] + timedelta(days=days - 1), Path(tmp) / "year.zip")
        results["month"], results["year"] = month, year
        return results


def render_markdown(results: dict[str, Any]) -> str:
    def row(name: str, values: dict[str, Any]) -> str:
        return (
            f"| {name} | {values['closings']} | {values['receipts']:,} | {values['rows']:,} | "
            f"{values['seconds']:.1f} s | {values['cpu_seconds']:.1f} s | {values['zip_mib']:.1f} MiB | "
            f"{values['rss_growth_mib']:.1f} MiB |"
        )

    return "\n".join(
        [
            "| export (one register, SQLite) | closings | Vorgänge | CSV rows | time | CPU time | ZIP "
            "| peak memory growth |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
            row("first month", results["month"]),
            row(f"the year (target ≤ 60 s, flat memory); seeded in {results['seed_seconds']:.0f} s", results["year"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=274)
    parser.add_argument("--json-out", help="also write the raw results as JSON to this file")
    args = parser.parse_args()
    results = run(args.days, args.per_day)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))
    print(render_markdown(results))


if __name__ == "__main__":
    main()
