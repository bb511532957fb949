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

Rows go out as COPY text, built from integers (cents) and pre-escaped strings, about 20,000 sales (whole
days of all stores) per transaction with the registers' counters, so a run can be stopped and what was
committed stays consistent.
"""

from __future__ import annotations

import datetime
import random
import secrets
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
from kasse.demo.sales_copy import SalesSeedRefused, Writer, check_columns, ts
from kasse.demo.sales_indexes import REBUILD_FROM, drop_secondary_indexes, restore_dropped_indexes
from kasse.demo.sales_sums import SUMS_TABLES, StoreSums, days_left_to_the_live_path
from kasse.sales.models import Payment, RegisterCounter, Sale, SaleLine, SaleVat, Shift
from kasse.sales.models.counters import CounterKind
from kasse.tenancy.models import Employee, Organization, Register, Store
from kasse.tenancy.services import save_register, save_store

OPENING_FLOAT = 15000  # cents
EXTRA_STORES = [
    {"name": "Potsdam Brandenburger Straße", "number": 3, "street": "Brandenburger Straße 12", "postal_code": "14467",
     "city": "Potsdam", "country": "DE", "time_zone": "Europe/Berlin"},
    {"name": "Leipzig Südvorstadt", "number": 4, "street": "Karl-Liebknecht-Straße 80", "postal_code": "04275",
     "city": "Leipzig", "country": "DE", "time_zone": "Europe/Berlin"},
]  # fmt: skip
FLUSH_SALES = 20_000  # sales per transaction (and per COPY of each table)
WEEKDAY_WEIGHT = (0.8, 0.9, 0.95, 1.0, 1.15, 1.4, 0.5)  # Monday … Sunday


@dataclass(frozen=True)
class SalesSeedResult:
    sales: int
    returns: int
    lines: int
    stores: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.sales / self.seconds if self.seconds else 0.0


def _text(value: str) -> str:
    """A string as a COPY text field."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _vat(gross: int, rate: int) -> int:
    """VAT in cents contained in ``gross`` cents at ``rate`` per cent, half up (away from zero)."""
    if rate == 0:
        return 0
    magnitude = (2 * abs(gross) * rate + 100 + rate) // (2 * (100 + rate))
    return magnitude if gross >= 0 else -magnitude


class _Ids:
    """UUIDv7-shaped ids: the row's moment in milliseconds first (so they sort by time like the register's),
    then a counter of this run and a random tag of the run, unique without asking the database."""

    def __init__(self) -> None:
        self.counter = 0
        # not from the seeded generator: a second run with the same seed must not repeat the ids
        self.tag = secrets.randbits(32)

    def __call__(self, moment_ms: int) -> str:
        self.counter += 1
        n = self.counter
        return (
            f"{moment_ms & 0xFFFFFFFFFFFF:012x}7{(n >> 30) & 0xFFF:03x}"
            f"{0x8000 | ((n >> 16) & 0x3FFF):04x}{n & 0xFFFF:04x}{self.tag:08x}"
        )


@dataclass(frozen=True)
class _Item:
    variant_id: str
    product_id: str
    name: str  # escaped
    variant_name: str
    sku: str
    barcode: str
    unit: str
    price: int  # cents
    vat_class: str
    rate: int
    dsfinvk: int
    rate_text: str  # the rate as the reports' sums store it ("7.00")


@dataclass
class _Till:
    store: Store
    register: Register
    zone: zoneinfo.ZoneInfo
    cashiers: list[tuple[str, str]]  # (employee id hex, escaped display name)
    receipt: int
    closing: int
    open_shift: str | None  # id hex of the register's open shift, if any


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


def _tills(organization: Organization, stores: list[Store]) -> list[_Till]:
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
        cashiers = [(p.pk.hex, _text(p.display_name[:120])) for p in people]
        for register in Register.objects.filter(store=store, is_active=True).order_by("number"):
            counters = {c.kind: c.last_value for c in RegisterCounter.objects.filter(register=register)}
            open_shift = Shift.objects.filter(register=register, status="open").first()
            tills.append(
                _Till(
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


def _items(organization: Organization) -> list[_Item]:
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
            _Item(
                pk.hex, product_id.hex, _text(product_name[:200]), _text((variant_name or "")[:120]),
                _text(sku[:64]), "", unit, cents, vat_class, rate, DSFINVK_IDS[vat_class], f"{rate}.00",
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
    plan = _Plan(
        tills, dates, counts, now, items, customers, org, skip_days, say, started, max(1, FLUSH_SALES // len(by_store))
    )
    jobs = [(ix, rng.getrandbits(64)) for ix in by_store.values()]
    if rebuild:
        say(f"Dropped {drop_secondary_indexes()} indexes of the receipt tables for the load.")
    try:
        with ThreadPoolExecutor(max_workers=len(by_store), thread_name_prefix="seed-sales") as pool:
            done = list(pool.map(lambda job: _write_store(plan, *job), jobs))
    finally:
        if rebuild:
            say("Building the receipt tables' indexes again …")
            restore_dropped_indexes()
    made = sum(d[0] for d in done)
    returns = sum(d[1] for d in done)
    lines_made = sum(d[2] for d in done)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        # the sums too: without statistics after a bulk load the planner expects one row and sorts a year of
        # hour sums on disk (the hours report took twice as long at 2 million receipts)
        for model in (Sale, SaleLine, SaleVat, Payment, Shift, *SUMS_TABLES):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608 - our names
    return SalesSeedResult(made, returns, lines_made, len(chosen), seconds)


@dataclass(frozen=True)
class _Plan:
    tills: list[_Till]
    dates: list[datetime.date]
    counts: list[int]
    now: datetime.datetime
    items: list[_Item]
    customers: list[str]
    org: str
    skip_days: dict[str, set[datetime.date]]  # per store: local days the live path computes (sales_sums)
    say: Callable[[str], None]
    started: float
    flush_every: int


def _write_store(plan: _Plan, till_indexes: list[int], rng_seed: int) -> tuple[int, int, int]:
    """Write the sales of one store's registers (in a thread of its own, on its own connection)."""
    from django.db import connections

    rng = random.Random(rng_seed)
    ids = _Ids()
    tills = [plan.tills[i] for i in till_indexes]
    store_id = tills[0].store.pk.hex
    writer = Writer(plan.org, StoreSums(plan.org, store_id, plan.skip_days[store_id]))
    made = returns = lines_made = 0
    report_every = max(1, len(plan.dates) // 10)
    fast = _bulk_load_session()
    try:
        if fast and till_indexes[0] == 0:
            plan.say("Writing with the per-row foreign-key triggers off (only ids read or made here are written).")
        for day_index, day in enumerate(plan.dates):
            for till_index in till_indexes:
                n = plan.counts[day_index * len(plan.tills) + till_index]
                if n:
                    sales, back, lines = _register_day(
                        writer, plan.tills[till_index], day, n, plan.now, plan.items, plan.customers, plan.org, ids, rng
                    )
                    made, returns, lines_made = made + sales, returns + back, lines_made + lines
            if writer.buffered >= plan.flush_every or day_index == len(plan.dates) - 1:
                with transaction.atomic():
                    writer.flush(ts(plan.now))
                    _save_counters(plan.org, tills, ts(plan.now))
            if day_index % report_every == 0:
                elapsed = time.perf_counter() - plan.started
                plan.say(f"{tills[0].store.name}, {day.isoformat()}: {made:,} sales ({made / elapsed:,.0f}/s)")
    finally:
        _end_bulk_load_session(fast)
        connections.close_all()
    return made, returns, lines_made


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


def _save_counters(org: str, tills: list[_Till], now_text: str) -> None:
    """Each register's counters at the last number written, in the transaction of the rows (one statement)."""
    quote = connection.ops.quote_name
    table = quote(RegisterCounter._meta.db_table)
    rows: list[str] = []
    params: list[str | int] = []
    for till in tills:
        for kind, value in ((CounterKind.RECEIPT, till.receipt), (CounterKind.CLOSING, till.closing)):
            rows.append("(%s::uuid, %s::timestamptz, %s::timestamptz, %s::uuid, %s::uuid, %s, %s)")
            params += [uuid7().hex, now_text, now_text, org, till.register.pk.hex, str(kind), value]
    sql = (
        f"INSERT INTO {table} (id, created_at, updated_at, organization_id, register_id, kind, last_value) "  # noqa: S608
        f"VALUES {', '.join(rows)} ON CONFLICT (register_id, kind) "
        "DO UPDATE SET last_value = EXCLUDED.last_value, updated_at = EXCLUDED.updated_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _register_day(
    writer: Writer,
    till: _Till,
    day: datetime.date,
    n: int,
    now: datetime.datetime,
    items: list[_Item],
    customers: list[str],
    org: str,
    ids: _Ids,
    rng: random.Random,
) -> tuple[int, int, int]:
    """One register's sales of one local day and their shift; returns (sales, returns, lines) written."""
    zone = till.zone
    opens = datetime.datetime.combine(day, datetime.time(6, 30), tzinfo=zone)
    first = datetime.datetime.combine(day, datetime.time(7, 0), tzinfo=zone).timestamp()
    last = datetime.datetime.combine(day, datetime.time(19, 30), tzinfo=zone).timestamp()
    is_today = day == now.astimezone(zone).date()
    if is_today:
        last = min(last, now.timestamp() - 1)
        if last <= first:
            return (0, 0, 0)
    moments = sorted(rng.uniform(first, last) for _ in range(n))
    stamp = "\x00NOW\x00"
    tables = writer.tables
    store_id, register_id = till.store.pk.hex, till.register.pk.hex
    sums = None if writer.sums is None or day in writer.sums.skip_days else writer.sums
    day_text = day.isoformat()
    offset = (opens.utcoffset() or datetime.timedelta()).total_seconds()  # clocks change at night: constant by day
    shift_id = till.open_shift if is_today and till.open_shift else ids(int(opens.timestamp() * 1000))
    opener_id, _opener_name = till.cashiers[rng.randrange(len(till.cashiers))]
    cash_total = 0
    sales = refunds = lines_count = 0
    for index, moment in enumerate(moments):
        employee_id, employee_name = till.cashiers[rng.randrange(len(till.cashiers))]
        ms = int(moment * 1000)
        completed = ts(datetime.datetime.fromtimestamp(moment, datetime.UTC))
        started_at = ts(datetime.datetime.fromtimestamp(moment - rng.uniform(20, 180), datetime.UTC))
        sale_id = ids(ms)
        hour = int((moment + offset) // 3600) % 24
        if sums is None:
            writer.hours.add((store_id, int(moment) // 3600 * 3600))
        till.receipt += 1
        customer = customers[rng.randrange(len(customers))] if customers and rng.random() < 0.1 else "\\N"
        per_rate: dict[tuple[int, int], int] = {}
        total = items_count = 0
        sold = []
        for position in range(1, rng.choice((1, 2, 3, 4, 5, 5, 6, 7, 8, 9)) + 1):
            item = items[rng.randrange(len(items))]
            quantity = rng.choice((1, 1, 1, 2, 2, 3))
            gross = item.price * quantity
            total += gross
            key = (item.rate, item.dsfinvk)
            per_rate[key] = per_rate.get(key, 0) + gross
            line_id = ids(ms)
            sold.append((line_id, position, item, quantity, gross))
            items_count += quantity if item.unit == "piece" else 1
            if sums is not None:
                sums.line((day_text, "sale", item.variant_id, item.product_id, item.rate_text), quantity, gross)
            tables["line"].append(
                f"{line_id}\t{stamp}\t{stamp}\t{org}\t{sale_id}\t{position}\t{item.variant_id}\t{item.name}\t"
                f"{item.variant_name}\t{item.sku}\t\t{item.unit}\t{quantity}.000\t{_money(item.price)}\t"
                f"{_money(item.price)}\t0.00\t0.00\t{_money(gross)}\t{item.vat_class}\t{item.rate}.00\t"
                f"{item.dsfinvk}\t\\N\t\\N\t\t0.00\t\\N\t\n"  # ..., note, promotion discount, id, name
            )
        lines_count += len(sold)
        net_total = 0
        for (rate, dsfinvk), gross in per_rate.items():
            vat = _vat(gross, rate)
            net_total += gross - vat
            if sums is not None:
                sums.vat((day_text, "sale", f"{rate}.00"), gross, gross - vat, vat)
            tables["vat"].append(
                f"{ids(ms)}\t{stamp}\t{stamp}\t{org}\t{sale_id}\t{rate}.00\t{dsfinvk}\t{_money(gross)}\t"
                f"{_money(gross - vat)}\t{_money(vat)}\n"
            )
        cash = rng.random() < 0.55
        if cash:
            tendered = total if rng.random() < 0.3 else -(-total // 500) * 500
            if tendered == total and rng.random() < 0.5:
                tendered = -(-total // 1000) * 1000
            payment = f"cash\t{_money(total)}\t{_money(tendered)}\t{_money(tendered - total)}\t"
            cash_total += total
        else:
            payment = f"card\t{_money(total)}\t0.00\t0.00\t"
        if sums is not None:
            sums.receipt((day_text, hour, register_id, employee_id, "sale"), total, net_total, items_count)
            sums.payment((day_text, "sale", "cash" if cash else "card"), total)
        tables["payment"].append(f"{ids(ms)}\t{stamp}\t{stamp}\t{org}\t{sale_id}\t1\t{payment}\n")
        tables["sale"].append(
            f"{sale_id}\t{stamp}\t{stamp}\t{org}\t{store_id}\t{register_id}\t{shift_id}\tsale\t{till.receipt}\t"
            f"{employee_id}\t{employee_name}\t{customer}\t\\N\t{started_at}\t{completed}\tEUR\t{_money(total)}\t0.00\t"
            f"{_money(total)}\t\t0.00\tf\n"  # note, loyalty_discount, is_training
        )
        sales += 1
        if rng.random() < 0.01:
            # returned whole, before the register's next sale
            later = moments[index + 1] if index + 1 < len(moments) else min(moment + 300, last + 1800)
            back = (moment + later) / 2
            back_ms = int(back * 1000)
            refund_id = ids(back_ms)
            back_hour = int((back + offset) // 3600) % 24
            if sums is None:
                writer.hours.add((store_id, int(back) // 3600 * 3600))
            till.receipt += 1
            back_text = ts(datetime.datetime.fromtimestamp(back, datetime.UTC))
            refund_items = 0
            for line_id, position, item, quantity, gross in sold:
                refund_items += -quantity if item.unit == "piece" else 1
                if sums is not None:
                    sums.line((day_text, "refund", item.variant_id, item.product_id, item.rate_text), -quantity, -gross)
                tables["line"].append(
                    f"{ids(back_ms)}\t{stamp}\t{stamp}\t{org}\t{refund_id}\t{position}\t{item.variant_id}\t"
                    f"{item.name}\t{item.variant_name}\t{item.sku}\t\t{item.unit}\t-{quantity}.000\t"
                    f"{_money(item.price)}\t{_money(item.price)}\t0.00\t0.00\t{_money(-gross)}\t{item.vat_class}\t"
                    f"{item.rate}.00\t{item.dsfinvk}\t\\N\t{line_id}\t\t0.00\t\\N\t\n"
                )
            lines_count += len(sold)
            for (rate, dsfinvk), gross in per_rate.items():
                vat = _vat(-gross, rate)
                if sums is not None:
                    sums.vat((day_text, "refund", f"{rate}.00"), -gross, -gross - vat, vat)
                tables["vat"].append(
                    f"{ids(back_ms)}\t{stamp}\t{stamp}\t{org}\t{refund_id}\t{rate}.00\t{dsfinvk}\t{_money(-gross)}\t"
                    f"{_money(-gross - vat)}\t{_money(vat)}\n"
                )
            method = "cash" if cash else "card"
            tables["payment"].append(
                f"{ids(back_ms)}\t{stamp}\t{stamp}\t{org}\t{refund_id}\t1\t{method}\t{_money(-total)}\t0.00\t0.00\t\n"
            )
            if cash:
                cash_total -= total
            if sums is not None:
                back_key = (day_text, back_hour, register_id, employee_id, "refund")
                sums.receipt(back_key, -total, -net_total, refund_items)
                sums.payment((day_text, "refund", method), -total)
            tables["sale"].append(
                f"{refund_id}\t{stamp}\t{stamp}\t{org}\t{store_id}\t{register_id}\t{shift_id}\trefund\t{till.receipt}\t"
                f"{employee_id}\t{employee_name}\t{customer}\t{sale_id}\t{back_text}\t{back_text}\tEUR\t"
                f"{_money(-total)}\t0.00\t{_money(-total)}\t\t0.00\tf\n"
            )
            refunds += 1
    if not (is_today and till.open_shift):
        opened = ts(opens)
        if is_today:
            till.open_shift = shift_id
            tables["shift"].append(
                f"{shift_id}\t{stamp}\t{stamp}\t{org}\t{store_id}\t{register_id}\topen\t{opened}\t{opener_id}\t"
                f"{_money(OPENING_FLOAT)}\t{{}}\t\\N\t\\N\t{{}}\t\\N\t\\N\t\\N\t\\N\t{{}}\t{{}}\n"
            )
        else:
            till.closing += 1
            closes = ts(datetime.datetime.combine(day, datetime.time(20, 0), tzinfo=zone))
            expected = _money(OPENING_FLOAT + cash_total)
            tables["shift"].append(
                f"{shift_id}\t{stamp}\t{stamp}\t{org}\t{store_id}\t{register_id}\tclosed\t{opened}\t{opener_id}\t"
                f"{_money(OPENING_FLOAT)}\t{{}}\t{closes}\t{opener_id}\t{{}}\t{expected}\t{expected}\t0.00\t"
                f"{till.closing}\t{{}}\t{{}}\n"
            )
    return sales, refunds, lines_count
