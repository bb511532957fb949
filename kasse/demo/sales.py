"""``kasse seed --sales N``: N completed sales over two years and three stores, written with PostgreSQL's COPY.

For the back office's benchmarks (the Übersicht, the receipt journal, reports), not for the fiscal record:
the sales are not signed by a TSE and move no stock. Everything else is as the register writes it:

* each register's receipt numbers continue its counter, gapless and in the order of time; the counter is
  left at the last number, so the register sells on from there;
* every receipt has about five lines (1–9) of the organization's products at their price and VAT rate,
  VAT rows per rate (gross = net + VAT, VAT from the gross half up as ``kasse.core.money.vat_from_gross``),
  and a payment (cash with the amount handed over and the change, or card) that equals its total;
* about one sale in a hundred is returned whole a little later on the same register (a return receipt
  with negative lines that point to the original's, negative VAT rows and the money paid back);
* every register-day is one shift, opened at 06:30 and closed at 20:00 local time with its Z number, the
  float of 150 € and the counted cash equal to the expected; today's shift stays open;
* a day is the store's local day (``Store.time_zone``), sales fall between 07:00 and 19:30 local time,
  more on Saturdays, fewer on Mondays, none after the moment of seeding.

Rows go out as binary COPY built by :mod:`kasse.demo.sales_rows` (templates made once per run, integers for
cents and microseconds), about 60,000 sales (whole days of all stores) per transaction with the registers'
counters, so a run can be stopped and what was committed stays consistent.
"""

from __future__ import annotations

import datetime
import gc
import queue
import random
import threading
import time
import zoneinfo
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from kasse.catalog.models import Variant
from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.core.vat import DSFINVK_IDS, VAT_RATES
from kasse.customers.models import Customer
from kasse.demo.sales_copy import SalesSeedRefused, Writer, check_columns
from kasse.demo.sales_indexes import REBUILD_FROM, drop_secondary_indexes, restore_dropped_indexes
from kasse.demo.sales_rows import Ids, Item, Templates, Till, register_day
from kasse.demo.sales_sums import SUMS_TABLES, StoreSums, days_left_to_the_live_path
from kasse.sales.models import Payment, RegisterCounter, Sale, SaleLine, SaleVat, Shift
from kasse.sales.models.counters import CounterKind
from kasse.tenancy.models import Employee, Organization, Register, Store
from kasse.tenancy.services import save_register, save_store

EXTRA_STORES = [
    {"name": "Potsdam Brandenburger Straße", "number": 3, "street": "Brandenburger Straße 12", "postal_code": "14467",
     "city": "Potsdam", "country": "DE", "time_zone": "Europe/Berlin"},
    {"name": "Leipzig Südvorstadt", "number": 4, "street": "Karl-Liebknecht-Straße 80", "postal_code": "04275",
     "city": "Leipzig", "country": "DE", "time_zone": "Europe/Berlin"},
]  # fmt: skip
# sales per transaction (and per COPY of each table); each also sums the touched months again from their days
FLUSH_SALES = 60_000
WEEKDAY_WEIGHT = (0.8, 0.9, 0.95, 1.0, 1.15, 1.4, 0.5)  # Monday … Sunday


@dataclass(frozen=True)
class SalesSeedResult:
    sales: int
    returns: int
    lines: int
    stores: int
    seconds: float  # all of it, until the tables are indexed and analysed
    load_seconds: float = 0.0  # writing the rows and their sums
    index_seconds: float = 0.0  # building the dropped indexes again

    @property
    def per_second(self) -> float:
        return self.sales / self.seconds if self.seconds else 0.0


def _ensure_stores(organization: Organization, count: int) -> list[Store]:
    actor = Actor.system("seed")
    stores = list(Store.objects.filter(organization=organization).order_by("number", "name"))
    extra = iter(EXTRA_STORES)
    while len(stores) < count:
        data = next(extra, None)
        number = max([s.number or 0 for s in stores] + [0]) + 1
        data = {
            **(data or {"name": f"Filiale {number}", "country": "DE", "time_zone": "Europe/Berlin"}),
            "number": number,
        }
        stores.append(save_store(actor=actor, organization=organization, data=data))
    for store in stores[:count]:
        have = Register.objects.filter(store=store).count()
        for n in range(have + 1, 3):
            save_register(actor=actor, organization=organization, store=store, data={"number": n, "name": f"Kasse {n}"})
    return stores[:count]


def _tills(organization: Organization, stores: list[Store]) -> list[Till]:
    tills = []
    for store in stores:
        people = list(
            Employee.objects.filter(organization=organization, is_active=True)
            .filter(Q(roles__store=store) | Q(roles__store__isnull=True))
            .distinct()
            .order_by("display_name")
        )
        if not people:
            raise SalesSeedRefused(f"Nobody works in {store.name}: add an employee first.")
        cashiers = [(p.pk.hex, p.display_name[:120]) for p in people]
        for register in Register.objects.filter(store=store, is_active=True).order_by("number"):
            counters = {c.kind: c.last_value for c in RegisterCounter.objects.filter(register=register)}
            open_shift = Shift.objects.filter(register=register, status="open").first()
            tills.append(
                Till(
                    store,
                    register,
                    zoneinfo.ZoneInfo(store.time_zone or "Europe/Berlin"),
                    cashiers,
                    counters.get(CounterKind.RECEIPT, 0),
                    counters.get(CounterKind.CLOSING, 0),
                    open_shift.pk.hex if open_shift else None,
                )
            )
    return tills


def _items(organization: Organization) -> list[Item]:
    rows = (
        Variant.objects.filter(organization=organization, is_active=True, product__is_active=True)
        .values_list(
            "pk",
            "name",
            "sku",
            "price",
            "product__name",
            "product__price",
            "product__unit",
            "product__vat_class",
            "product_id",
        )
        .order_by("pk")[:3000]
    )
    items = []
    for pk, variant_name, sku, price, product_name, product_price, unit, vat_class, product_id in rows:
        cents = int((price if price is not None else product_price) * 100)
        if cents <= 0:
            continue
        rate = int(VAT_RATES[vat_class])
        items.append(
            Item(
                pk.hex, product_id.hex, product_name[:200], (variant_name or "")[:120], sku[:64], unit, cents,
                vat_class, rate, DSFINVK_IDS[vat_class],
            )
        )  # fmt: skip
    if not items:
        raise SalesSeedRefused("The organization has no active products to sell; seed products first.")
    return items


def _day_counts(
    total: int, slots: int, dates: list[datetime.date], today_share: float, rng: random.Random
) -> list[int]:
    """How many sales each (day, register) slot gets: weighted by weekday, a little noise, summing to ``total``;
    today only by the share of its opening hours gone by."""
    weights = [
        WEEKDAY_WEIGHT[d.weekday()] * rng.uniform(0.8, 1.2) * (today_share if d == dates[-1] else 1.0)
        for d in dates
        for _slot in range(slots)
    ]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    short = total - sum(counts)
    open_slots = [i for i, w in enumerate(weights) if w > 0]
    rng.shuffle(open_slots)
    for k in range(short):
        counts[open_slots[rng.randrange(len(open_slots))] if short > len(open_slots) else open_slots[k]] += 1
    return counts


def seed_sales(
    organization: Organization,
    count: int,
    *,
    years: int = 2,
    stores: int = 3,
    seed: int | None = None,
    progress: Callable[[str], None] | None = None,
    rebuild_indexes: bool | None = None,
) -> SalesSeedResult:
    """Seed ``count`` sales in ``organization`` (see the module's docstring). PostgreSQL only.

    ``rebuild_indexes``: drop the receipt tables' secondary indexes for the load and build them afterwards
    (:mod:`kasse.demo.sales_indexes`); by default from :data:`~kasse.demo.sales_indexes.REBUILD_FROM` sales."""
    say = progress or (lambda _message: None)
    if connection.vendor != "postgresql":
        raise SalesSeedRefused(
            "Seeding sales writes with PostgreSQL's COPY; set DATABASE_URL to a PostgreSQL database."
        )
    if count < 0:
        raise SalesSeedRefused("The number of sales must be 0 or more.")
    check_columns()
    started = time.perf_counter()
    if restore_dropped_indexes():
        say("Built the indexes an interrupted seed had dropped.")
    rebuild = count >= REBUILD_FROM if rebuild_indexes is None else rebuild_indexes
    rng = random.Random(seed)
    with transaction.atomic():
        chosen = _ensure_stores(organization, stores)
    items = _items(organization)
    tills = _tills(organization, chosen)
    customers = [c.hex for c in Customer.objects.filter(organization=organization).values_list("pk", flat=True)[:5000]]
    org = organization.pk.hex
    now = timezone.now()
    today = now.astimezone(tills[0].zone).date()
    dates = [today - datetime.timedelta(days=d) for d in range(years * 365 - 1, -1, -1)]
    opening = datetime.datetime.combine(today, datetime.time(7, 0), tzinfo=tills[0].zone)
    today_share = min(1.0, max(0.0, (now - opening).total_seconds() / (12.5 * 3600)))
    counts = _day_counts(count, len(tills), dates, today_share, rng)
    # One writer per store, each on its own connection: registers number independently, so the stores'
    # COPY streams can run side by side.
    by_store: dict[Any, list[int]] = {}
    for index, till in enumerate(tills):
        by_store.setdefault(till.store.pk, []).append(index)
    skip_days = {store.pk.hex: days_left_to_the_live_path(organization.pk, store) for store in chosen}
    templates = Templates(org, now, items, customers)
    plan = _Plan(tills, dates, counts, now, templates, skip_days, say, started, max(1, FLUSH_SALES // len(by_store)))
    jobs = [(ix, rng.getrandbits(64)) for ix in by_store.values()]
    if rebuild:
        dropped = drop_secondary_indexes(load=True)
        say(f"Dropped {dropped} indexes and keys of the receipt and report sums tables for the load.")
    collecting = gc.isenabled()
    # the rows are strings, which the cycle collector does not track, but each full collection walks every
    # container of the process; off for the load, a fifth less CPU (50,000 sales: 1.48 -> 1.18 s)
    gc.disable()
    try:
        with ThreadPoolExecutor(max_workers=len(by_store), thread_name_prefix="seed-sales") as pool:
            done = list(pool.map(lambda job: _write_store(plan, *job), jobs))
    finally:
        if collecting:
            gc.enable()
        loaded = time.perf_counter()
        # statistics after the bulk load, the sums too: without them the planner expects one row and sorts a
        # year of hour sums on disk (the hours report took twice as long at 2 million receipts)
        analyze = tuple(model._meta.db_table for model in (Sale, SaleLine, SaleVat, Payment, Shift, *SUMS_TABLES))
        if rebuild:
            say("Building the receipt tables' indexes and keys again …")
            # each table analysed once its indexes are back, beside the other tables' builds
            restore_dropped_indexes(analyze=analyze)
    indexed = time.perf_counter()
    made = sum(d[0] for d in done)
    returns = sum(d[1] for d in done)
    lines_made = sum(d[2] for d in done)
    if not rebuild:
        with connection.cursor() as cursor:
            for table in analyze:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    seconds = time.perf_counter() - started
    return SalesSeedResult(made, returns, lines_made, len(chosen), seconds, loaded - started, indexed - loaded)


@dataclass(frozen=True)
class _Plan:
    tills: list[Till]
    dates: list[datetime.date]
    counts: list[int]
    now: datetime.datetime
    templates: Templates
    skip_days: dict[str, set[datetime.date]]  # per store: local days the live path computes (sales_sums)
    say: Callable[[str], None]
    started: float
    flush_every: int


Counters = list[tuple[str, int, int]]  # per register: id hex, last receipt number, last closing number
Batch = tuple[Writer, Counters]


def _write_store(plan: _Plan, till_indexes: list[int], rng_seed: int) -> tuple[int, int, int]:
    """Write the sales of one store's registers (in a thread of its own): this thread builds the rows, a
    second one (:func:`_copy_batches`, on its own connection) COPYs each finished batch while the next is built."""
    rand = random.Random(rng_seed).random
    ids, org = Ids(), plan.templates.org
    tills = [plan.tills[i] for i in till_indexes]
    store_id = tills[0].store.pk.hex
    writer = Writer(org, StoreSums(org, store_id, plan.skip_days[store_id]))
    made = returns = lines_made = 0
    report_every = max(1, len(plan.dates) // 10)
    batches: queue.Queue[Batch | None] = queue.Queue(maxsize=1)  # one batch copied, one built
    failed: list[BaseException] = []
    copier = threading.Thread(
        target=_copy_batches, args=(plan, batches, failed, till_indexes[0] == 0), name="seed-sales-copy", daemon=True
    )
    copier.start()
    try:
        for day_index, day in enumerate(plan.dates):
            for till_index in till_indexes:
                n = plan.counts[day_index * len(plan.tills) + till_index]
                if n:
                    sales, back, lines = register_day(
                        writer, plan.templates, plan.tills[till_index], day, n, plan.now, ids, rand
                    )
                    made, returns, lines_made = made + sales, returns + back, lines_made + lines
            if writer.buffered >= plan.flush_every or day_index == len(plan.dates) - 1:
                counters = [(till.register.pk.hex, till.receipt, till.closing) for till in tills]
                _hand_over(batches, (writer.take(), counters), copier, failed)
            if day_index % report_every == 0:
                elapsed = time.perf_counter() - plan.started
                plan.say(f"{tills[0].store.name}, {day.isoformat()}: {made:,} sales ({made / elapsed:,.0f}/s)")
    finally:
        if copier.is_alive():
            _hand_over(batches, None, copier, failed)
        copier.join()
    if failed:
        raise failed[0]
    return made, returns, lines_made


def _hand_over(batches: queue.Queue[Batch | None], batch: Batch | None, copier: threading.Thread, failed: list) -> None:
    """Queue ``batch`` (None: the end) for the copying thread, waiting while it copies the one before; if that
    thread has stopped, its error."""
    while copier.is_alive():
        try:
            batches.put(batch, timeout=0.5)
            return
        except queue.Full:
            continue
    raise failed[0] if failed else SalesSeedRefused("The thread writing the sales stopped.")


def _copy_batches(plan: _Plan, batches: queue.Queue[Batch | None], failed: list[BaseException], first: bool) -> None:
    """COPY each batch with its registers' counters in a transaction of its own, until the end is queued."""
    from django.db import connections

    fast = False
    try:
        fast = _bulk_load_session()
        if fast and first:
            plan.say("Writing with the per-row foreign-key triggers off (only ids read or made here are written).")
        while (batch := batches.get()) is not None:
            writer, counters = batch
            with transaction.atomic():
                writer.flush()
                _save_counters(plan.templates.org, counters, plan.templates.now_text)
    except BaseException as exc:  # handed to the building thread, which raises it
        failed.append(exc)
    finally:
        try:
            _end_bulk_load_session(fast)
        finally:
            connections.close_all()


def _bulk_load_session() -> bool:
    """Make this session's bulk load cheaper: no waiting for the WAL flush at each commit, and, where the
    database user may (a superuser, as in development and on a benchmark machine), no per-row foreign-key
    triggers (``session_replication_role = replica``): every id written was read from the database or made
    here, and the test checks the rows. Returns whether the triggers are off."""
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not (row and row[0]):
            return False
        cursor.execute("SET session_replication_role = replica")
    return True


def _end_bulk_load_session(fast: bool) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = on")
        if fast:
            cursor.execute("SET session_replication_role = origin")


def _save_counters(org: str, counters: Counters, now_text: str) -> None:
    """Each register's counters at the last number written, in the transaction of the rows (one statement)."""
    quote = connection.ops.quote_name
    table = quote(RegisterCounter._meta.db_table)
    rows: list[str] = []
    params: list[str | int] = []
    for register_id, receipt, closing in counters:
        for kind, value in ((CounterKind.RECEIPT, receipt), (CounterKind.CLOSING, closing)):
            rows.append("(%s::uuid, %s::timestamptz, %s::timestamptz, %s::uuid, %s::uuid, %s, %s)")
            params += [uuid7().hex, now_text, now_text, org, register_id, str(kind), value]
    sql = (
        f"INSERT INTO {table} (id, created_at, updated_at, organization_id, register_id, kind, last_value) "  # noqa: S608
        f"VALUES {', '.join(rows)} ON CONFLICT (register_id, kind) "
        "DO UPDATE SET last_value = EXCLUDED.last_value, updated_at = EXCLUDED.updated_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
