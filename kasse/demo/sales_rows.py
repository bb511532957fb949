"""The rows of ``kasse seed --sales`` (:mod:`kasse.demo.sales`) as COPY text: one register's sales of one day.

Built for speed, since the seeder's Python side is half of what a seed costs: everything that does not
change from row to row is COPY text made once per run (:class:`Templates`: the columns of a line for each
product and quantity, the money of each amount); a receipt takes one id from :class:`Ids` and its lines, VAT
rows and payment use that id with another last byte; timestamps are formatted from integer microseconds; the
random numbers are plain ``random()`` calls; the report sums are added up per register-day in lists and small
dicts and handed to :class:`~kasse.demo.sales_sums.StoreSums` once per register-day.
"""

from __future__ import annotations

import datetime
import secrets
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kasse.demo.sales_copy import Writer
    from kasse.tenancy.models import Register, Store

OPENING_FLOAT = 15000  # cents
LINE_COUNTS = (1, 2, 3, 4, 5, 5, 6, 7, 8, 9)  # lines per receipt, drawn evenly
QUANTITIES = (1, 1, 1, 2, 2, 3)
SLOT = [f"{n:02x}" for n in range(256)]  # last byte of a receipt's row ids: 00 the receipt, 01-09 its lines
VAT_SLOT, PAYMENT_SLOT = 0x10, 0x20
HourKey = tuple[int, int, str]  # local hour, cashier index, kind


def text(value: str) -> str:
    """A string as a COPY text field."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def vat_of(gross: int, rate: int) -> int:
    """VAT in cents contained in ``gross`` cents at ``rate`` per cent, half up (away from zero), as
    ``kasse.core.money.vat_from_gross``."""
    if rate == 0:
        return 0
    magnitude = (2 * abs(gross) * rate + 100 + rate) // (2 * (100 + rate))
    return magnitude if gross >= 0 else -magnitude


class Money(dict[int, str]):
    """Cents → COPY text, each amount formatted once."""

    def __missing__(self, cents: int) -> str:
        value = self[cents] = money(cents)
        return value


class Ids:
    """UUIDv7-shaped ids: the row's moment in milliseconds first (so they sort by time like the register's),
    then a counter of this run and a random tag of the run, unique without asking the database. One id per
    receipt; the receipt's rows take it with another last byte (:data:`SLOT`)."""

    def __init__(self) -> None:
        self.counter = 0
        # not from the seeded generator: a second run with the same seed must not repeat the ids
        self.tag = f"{secrets.randbits(32):08x}"

    def base(self, moment_ms: int) -> str:
        """30 hex digits; add a :data:`SLOT` for an id."""
        self.counter = n = self.counter + 1
        return f"{moment_ms & 0xFFFFFFFFFFFF:012x}7{(n >> 20) & 0xFFF:03x}8{n & 0xFFFFF:05x}{self.tag}"


@dataclass(frozen=True)
class Item:
    variant_id: str
    product_id: str
    name: str  # escaped
    variant_name: str
    sku: str
    unit: str
    price: int  # cents
    vat_class: str
    rate: int
    dsfinvk: int


@dataclass
class Till:
    store: Store
    register: Register
    zone: zoneinfo.ZoneInfo
    cashiers: list[tuple[str, str]]  # (employee id hex, escaped display name)
    receipt: int
    closing: int
    open_shift: str | None  # id hex of the register's open shift, if any


class Templates:
    """What does not change from row to row, as COPY text, for one run."""

    def __init__(self, org: str, now_text: str, items: list[Item], customers: list[str]) -> None:
        self.org = org
        self.now_text = now_text
        self.head = f"\t{now_text}\t{now_text}\t{org}\t"  # after a row's id: created, updated, organization
        self.items = items
        self.customers = customers
        self.money = Money()
        # the VAT keys (rate, DSFinV-K id) in use, numbered; per key the VAT row's columns after the receipt id
        keys = sorted({(item.rate, item.dsfinvk) for item in items})
        self.vat_keys = keys
        self.vat_text = [f"\t{rate}.00\t{dsfinvk}\t" for rate, dsfinvk in keys]
        self.rate_text = [f"{rate}.00" for rate, _dsfinvk in keys]
        # per item and quantity: (the sale line's columns after the position, gross cents, VAT key index,
        # items counted); and the return line's columns up to its original line's id
        self.sold: list[list[tuple[str, int, int, int]]] = []
        self.returned: list[list[str]] = []
        for item in items:
            key = keys.index((item.rate, item.dsfinvk))
            sold: list[tuple[str, int, int, int]] = [("", 0, 0, 0)]
            returned = [""]
            for quantity in range(1, max(QUANTITIES) + 1):
                gross = item.price * quantity
                head = f"\t{item.variant_id}\t{item.name}\t{item.variant_name}\t{item.sku}\t\t{item.unit}\t"
                prices = f"\t{money(item.price)}\t{money(item.price)}\t0.00\t0.00\t"
                tail = f"\t{item.vat_class}\t{item.rate}.00\t{item.dsfinvk}\t\\N\t"
                # ..., approved by, original line, note, promotion discount, promotion id, promotion name
                sold.append(
                    (
                        f"{head}{quantity}.000{prices}{money(gross)}{tail}\\N\t\t0.00\t\\N\t\n",
                        gross,
                        key,
                        quantity if item.unit == "piece" else 1,
                    )
                )
                returned.append(f"{head}-{quantity}.000{prices}{money(-gross)}{tail}")
            self.sold.append(sold)
            self.returned.append(returned)


class Stamps:
    """``timestamptz`` COPY text from integer microseconds since the epoch (UTC), the date part cached."""

    def __init__(self) -> None:
        self.dates: dict[int, str] = {}

    def __call__(self, micros: int) -> str:
        day, rest = divmod(micros, 86_400_000_000)
        date = self.dates.get(day)
        if date is None:
            date = self.dates[day] = (datetime.date(1970, 1, 1) + datetime.timedelta(days=day)).isoformat()
        seconds, fraction = divmod(rest, 1_000_000)
        return f"{date} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{fraction:06d}+00"


def register_day(
    writer: Writer,
    templates: Templates,
    till: Till,
    day: datetime.date,
    n: int,
    now: datetime.datetime,
    ids: Ids,
    stamps: Stamps,
    rand: Any,
) -> tuple[int, int, int]:
    """One register's ``n`` sales of one local day and their shift; returns (sales, returns, lines) written.
    ``rand`` is the seeded generator's ``random``."""
    zone = till.zone
    opens = datetime.datetime.combine(day, datetime.time(6, 30), tzinfo=zone)
    first = datetime.datetime.combine(day, datetime.time(7, 0), tzinfo=zone).timestamp()
    last = datetime.datetime.combine(day, datetime.time(19, 30), tzinfo=zone).timestamp()
    is_today = day == now.astimezone(zone).date()
    if is_today:
        last = min(last, now.timestamp() - 1)
        if last <= first:
            return (0, 0, 0)
    span = last - first
    moments = sorted([first + span * rand() for _ in range(n)])
    t = templates
    head, sold_table, returned_table, cash_money = t.head, t.sold, t.returned, t.money
    customers = t.customers
    customer_count = len(customers)
    item_count = len(t.items)
    lines_out, vat_out = writer.tables["line"], writer.tables["vat"]
    sales_out, payments_out = writer.tables["sale"], writer.tables["payment"]
    store_id, register_id = till.store.pk.hex, till.register.pk.hex
    sums = None if writer.sums is None or day in writer.sums.skip_days else writer.sums
    offset = (opens.utcoffset() or datetime.timedelta()).total_seconds()  # clocks change at night: constant by day
    shift_id = till.open_shift if is_today and till.open_shift else ids.base(int(opens.timestamp() * 1000)) + "00"
    where = f"{store_id}\t{register_id}\t{shift_id}"
    cashiers = [f"{employee}\t{name}" for employee, name in till.cashiers]
    cashier_count = len(cashiers)
    opener = till.cashiers[int(rand() * cashier_count)][0]
    # the register-day's sums: per item (sales), per (hour, cashier, kind), per VAT key and kind, per method
    quantities, grosses, line_counts = [0] * item_count, [0] * item_count, [0] * item_count
    returned_items: dict[int, list[int]] = {}
    hours: dict[HourKey, list[int]] = {}
    vats: dict[tuple[int, str], list[int]] = {}
    payments: dict[tuple[str, str], list[int]] = {}
    marked = writer.hours if sums is None else None
    cash_total = 0
    sales = refunds = lines_count = 0
    receipt = till.receipt
    for index, moment in enumerate(moments):
        cashier = int(rand() * cashier_count)
        micros = int(moment * 1_000_000)
        base = ids.base(micros // 1000)
        sale_id = base + "00"
        if marked is not None:
            marked.add((store_id, int(moment) // 3600 * 3600))
        receipt += 1
        customer = customers[int(rand() * customer_count)] if customer_count and rand() < 0.1 else "\\N"
        returned = rand() < 0.01
        per_key: dict[int, int] = {}
        total = items = 0
        sold = []
        line_total = LINE_COUNTS[int(rand() * 10)]
        for position in range(1, line_total + 1):
            item = int(rand() * item_count)
            quantity = QUANTITIES[int(rand() * 6)]
            columns, gross, key, counted = sold_table[item][quantity]
            lines_out.append(f"{base}{SLOT[position]}{head}{sale_id}\t{position}{columns}")
            total += gross
            items += counted
            per_key[key] = per_key.get(key, 0) + gross
            quantities[item] += quantity
            grosses[item] += gross
            line_counts[item] += 1
            if returned:
                sold.append((item, quantity, gross))
        lines_count += line_total
        net_total = 0
        slot = VAT_SLOT
        for key, gross in per_key.items():
            vat = vat_of(gross, t.vat_keys[key][0])
            net_total += gross - vat
            vat_out.append(
                f"{base}{SLOT[slot]}{head}{sale_id}{t.vat_text[key]}{cash_money[gross]}\t{cash_money[gross - vat]}\t"
                f"{cash_money[vat]}\n"
            )
            slot += 1
            entry = vats.get((key, "sale"))
            if entry is None:
                vats[(key, "sale")] = [gross, gross - vat, vat]
            else:
                entry[0] += gross
                entry[1] += gross - vat
                entry[2] += vat
        cash = rand() < 0.55
        amount = cash_money[total]
        if cash:
            tendered = total if rand() < 0.3 else -(-total // 500) * 500
            if tendered == total and rand() < 0.5:
                tendered = -(-total // 1000) * 1000
            payment = f"cash\t{amount}\t{cash_money[tendered]}\t{cash_money[tendered - total]}\t"
            cash_total += total
        else:
            payment = f"card\t{amount}\t0.00\t0.00\t"
        hour = int((moment + offset) // 3600) % 24
        _add(hours, (hour, cashier, "sale"), total, net_total, items)
        _add_payment(payments, ("sale", "cash" if cash else "card"), total)
        payments_out.append(f"{base}{SLOT[PAYMENT_SLOT]}{head}{sale_id}\t1\t{payment}\n")
        started = stamps(micros - 20_000_000 - int(160_000_000 * rand()))
        sales_out.append(
            f"{sale_id}{head}{where}\tsale\t{receipt}\t{cashiers[cashier]}\t{customer}\t\\N\t{started}\t"
            f"{stamps(micros)}\tEUR\t{amount}\t0.00\t{amount}\t\t0.00\tf\n"  # note, loyalty discount, training
        )
        sales += 1
        if returned:
            # returned whole, before the register's next sale
            later = moments[index + 1] if index + 1 < len(moments) else min(moment + 300, last + 1800)
            back = (moment + later) / 2
            back_micros = int(back * 1_000_000)
            refund_base = ids.base(back_micros // 1000)
            refund_id = refund_base + "00"
            if marked is not None:
                marked.add((store_id, int(back) // 3600 * 3600))
            receipt += 1
            refund_items = 0
            for position, (item, quantity, gross) in enumerate(sold, start=1):
                refund_items += -quantity if t.items[item].unit == "piece" else 1
                lines_out.append(
                    f"{refund_base}{SLOT[position]}{head}{refund_id}\t{position}{returned_table[item][quantity]}"
                    f"{base}{SLOT[position]}\t\t0.00\t\\N\t\n"
                )
                entry = returned_items.setdefault(item, [0, 0, 0])
                entry[0] -= quantity
                entry[1] -= gross
                entry[2] += 1
            lines_count += len(sold)
            slot = VAT_SLOT
            for key, gross in per_key.items():
                vat = vat_of(-gross, t.vat_keys[key][0])
                vat_out.append(
                    f"{refund_base}{SLOT[slot]}{head}{refund_id}{t.vat_text[key]}{cash_money[-gross]}\t"
                    f"{cash_money[-gross - vat]}\t{cash_money[vat]}\n"
                )
                slot += 1
                entry = vats.setdefault((key, "refund"), [0, 0, 0])
                entry[0] -= gross
                entry[1] += -gross - vat
                entry[2] += vat
            method = "cash" if cash else "card"
            back_amount = cash_money[-total]
            payments_out.append(
                f"{refund_base}{SLOT[PAYMENT_SLOT]}{head}{refund_id}\t1\t{method}\t{back_amount}\t0.00\t0.00\t\n"
            )
            if cash:
                cash_total -= total
            _add(hours, (int((back + offset) // 3600) % 24, cashier, "refund"), -total, -net_total, refund_items)
            _add_payment(payments, ("refund", method), -total)
            back_text = stamps(back_micros)
            sales_out.append(
                f"{refund_id}{head}{where}\trefund\t{receipt}\t{cashiers[cashier]}\t{customer}\t{sale_id}\t"
                f"{back_text}\t{back_text}\tEUR\t{back_amount}\t0.00\t{back_amount}\t\t0.00\tf\n"
            )
            refunds += 1
    till.receipt = receipt
    if sums is not None:
        day_text = day.isoformat()
        _hand_over(sums, t, day_text, (quantities, grosses, line_counts), returned_items)
        for (hour, cashier, kind), (count, gross, net, items) in hours.items():
            sums.receipt((day_text, hour, register_id, till.cashiers[cashier][0], kind), gross, net, items, count)
        for (key, kind), (gross, net, vat) in vats.items():
            sums.vat((day_text, kind, t.rate_text[key]), gross, net, vat)
        for (kind, method), (paid, count) in payments.items():
            sums.payment((day_text, kind, method), paid, count)
    if not (is_today and till.open_shift):
        _shift_row(writer, templates, till, day, opens, shift_id, opener, cash_total, is_today)
    return sales, refunds, lines_count


def _add(hours: dict[HourKey, list[int]], key: HourKey, gross: int, net: int, items: int) -> None:
    entry = hours.get(key)
    if entry is None:
        hours[key] = [1, gross, net, items]
    else:
        entry[0] += 1
        entry[1] += gross
        entry[2] += net
        entry[3] += items


def _add_payment(payments: dict[tuple[str, str], list[int]], key: tuple[str, str], amount: int) -> None:
    entry = payments.get(key)
    if entry is None:
        payments[key] = [amount, 1]
    else:
        entry[0] += amount
        entry[1] += 1


def _hand_over(
    sums: Any,
    t: Templates,
    day_text: str,
    sold: tuple[list[int], list[int], list[int]],
    returned: dict[int, list[int]],
) -> None:
    """The register-day's product sums to the store's sums."""
    quantities, grosses, line_counts = sold
    items = t.items
    for index, lines in enumerate(line_counts):
        if lines:
            item = items[index]
            key = (day_text, "sale", item.variant_id, item.product_id, f"{item.rate}.00")
            sums.line(key, quantities[index], grosses[index], lines)
    for index, (quantity, gross, lines) in returned.items():
        item = items[index]
        sums.line((day_text, "refund", item.variant_id, item.product_id, f"{item.rate}.00"), quantity, gross, lines)


def _shift_row(
    writer: Writer,
    t: Templates,
    till: Till,
    day: datetime.date,
    opens: datetime.datetime,
    shift_id: str,
    opener: str,
    cash_total: int,
    is_today: bool,
) -> None:
    store_id, register_id = till.store.pk.hex, till.register.pk.hex
    opened = opens.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")
    start = f"{shift_id}{t.head}{store_id}\t{register_id}"
    if is_today:
        till.open_shift = shift_id
        writer.tables["shift"].append(
            f"{start}\topen\t{opened}\t{opener}\t{money(OPENING_FLOAT)}\t{{}}\t\\N\t\\N\t{{}}\t\\N\t\\N\t\\N\t\\N\t"
            "{}\t{}\n"
        )
        return
    till.closing += 1
    closes = datetime.datetime.combine(day, datetime.time(20, 0), tzinfo=till.zone)
    closed = closes.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")
    expected = money(OPENING_FLOAT + cash_total)
    writer.tables["shift"].append(
        f"{start}\tclosed\t{opened}\t{opener}\t{money(OPENING_FLOAT)}\t{{}}\t{closed}\t{opener}\t{{}}\t{expected}\t"
        f"{expected}\t0.00\t{till.closing}\t{{}}\t{{}}\n"
    )
