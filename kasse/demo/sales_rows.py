"""The rows of ``kasse seed --sales`` (:mod:`kasse.demo.sales`): one register's sales of one day.

Built for speed, since the seeder's Python side is half of what a seed costs. The receipts, lines, VAT rows
and payments are PostgreSQL's binary COPY rows (:mod:`kasse.demo.sales_binary`: PostgreSQL reads them without
parsing text, and they are built from integers); everything that does not change from row to row is made
once per run (:class:`Templates`: the fields of a line for each product and quantity, the encoding of each
amount); a receipt takes one id from :class:`Ids` and its lines, VAT rows and payment use that id with another
last byte; the random numbers are plain ``random()`` calls; the report sums are added up per register-day in
lists and small dicts and handed to :class:`~kasse.demo.sales_sums.StoreSums` once per register-day. The
shifts (one row per register-day) stay COPY text.
"""

from __future__ import annotations

import datetime
import secrets
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kasse.demo import sales_binary as binary

if TYPE_CHECKING:
    from kasse.demo.sales_copy import Writer
    from kasse.tenancy.models import Register, Store

OPENING_FLOAT = 15000  # cents
LINE_COUNTS = (1, 2, 3, 4, 5, 5, 6, 7, 8, 9)  # lines per receipt, drawn evenly
QUANTITIES = (1, 1, 1, 2, 2, 3)
SLOT = [bytes([n]) for n in range(256)]  # last byte of a receipt's row ids: 00 the receipt, 01-09 its lines
VAT_SLOT, PAYMENT_SLOT = 0x10, 0x20
POSITION = [binary.int4(n) for n in range(256)]
SALE_FIELDS, LINE_FIELDS, VAT_FIELDS, PAYMENT_FIELDS = (binary.count(n) for n in (22, 27, 10, 11))
HourKey = tuple[int, int, str]  # local hour, cashier index, kind


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


class Ids:
    """UUIDv7-shaped ids: the row's moment in milliseconds first (so they sort by time like the register's),
    then a counter of this run and a random tag of the run, unique without asking the database. One id per
    receipt; the receipt's rows take it with another last byte (:data:`SLOT`)."""

    def __init__(self) -> None:
        self.counter = 0
        # not from the seeded generator: a second run with the same seed must not repeat the ids
        self.tag = secrets.randbits(32)

    def base(self, moment_ms: int) -> bytes:
        """A uuid field's length and the id's first 15 bytes; add a :data:`SLOT` for the field."""
        self.counter = n = self.counter + 1
        value = (
            (moment_ms & 0xFFFFFFFFFFFF) << 72
            | 0x7 << 68
            | ((n >> 20) & 0xFFF) << 56
            | 0x8 << 52
            | (n & 0xFFFFF) << 32
            | self.tag
        )
        return binary.UUID_LENGTH + value.to_bytes(15, "big")


@dataclass(frozen=True)
class Item:
    variant_id: str  # hex
    product_id: str
    name: str
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
    cashiers: list[tuple[str, str]]  # (employee id hex, display name)
    receipt: int
    closing: int
    open_shift: str | None  # id hex of the register's open shift, if any


class Templates:
    """What does not change from row to row, as COPY text (the shifts) and binary fields, for one run."""

    def __init__(self, org: str, now: datetime.datetime, items: list[Item], customers: list[str]) -> None:
        self.org = org
        self.now_text = now.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")
        self.head = f"\t{self.now_text}\t{self.now_text}\t{org}\t"  # a shift's created, updated, organization
        now_field = binary.stamp(round(now.timestamp() * 1_000_000))
        self.head_fields = now_field + now_field + binary.uuid_hex(org)  # after a row's id, likewise
        self.items = items
        self.customers = [binary.uuid_hex(customer) for customer in customers]
        self.cents = binary.Cents()
        # the VAT keys (rate, DSFinV-K id) in use, numbered; per key the VAT row's rate and DSFinV-K id fields
        keys = sorted({(item.rate, item.dsfinvk) for item in items})
        self.vat_keys = keys
        self.vat_fields = [binary.numeric(rate * 100, 2) + binary.int2(dsfinvk) for rate, dsfinvk in keys]
        self.rate_text = [f"{rate}.00" for rate, _dsfinvk in keys]
        # per item and quantity: (the sale line's fields after the position, gross cents, VAT key index,
        # items counted); and the return line's fields up to its original line's id
        self.sold: list[list[tuple[bytes, int, int, int]]] = []
        self.returned: list[list[bytes]] = []
        cents, empty, null = self.cents, binary.text(""), binary.NULL
        self.line_tail = empty + cents[0] + null + empty  # note, promotion discount, promotion id and name
        for item in items:
            key = keys.index((item.rate, item.dsfinvk))
            sold: list[tuple[bytes, int, int, int]] = [(b"", 0, 0, 0)]
            returned = [b""]
            head = (
                binary.uuid_hex(item.variant_id) + binary.text(item.name) + binary.text(item.variant_name)
                + binary.text(item.sku) + empty + binary.text(item.unit)
            )  # fmt: skip
            prices = cents[item.price] + cents[item.price] + cents[0] + cents[0]
            vat = binary.text(item.vat_class) + binary.numeric(item.rate * 100, 2) + binary.int2(item.dsfinvk) + null
            for quantity in range(1, max(QUANTITIES) + 1):
                gross = item.price * quantity
                counted = quantity if item.unit == "piece" else 1
                sold_fields = head + binary.numeric(quantity * 1000, 3) + prices + cents[gross] + vat
                sold.append((sold_fields + null + self.line_tail, gross, key, counted))
                returned.append(head + binary.numeric(-quantity * 1000, 3) + prices + cents[-gross] + vat)
            self.sold.append(sold)
            self.returned.append(returned)


def register_day(
    writer: Writer,
    templates: Templates,
    till: Till,
    day: datetime.date,
    n: int,
    now: datetime.datetime,
    ids: Ids,
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
    head, sold_table, returned_table, cents = t.head_fields, t.sold, t.returned, t.cents
    line_tail, zero, empty = t.line_tail, cents[0], binary.text("")
    stamp, int8, join, vat_fields = binary.stamp, binary.int8, b"".join, t.vat_fields
    customers = t.customers
    customer_count = len(customers)
    item_count = len(t.items)
    lines_out, vat_out = writer.tables["line"], writer.tables["vat"]
    sales_out, payments_out = writer.tables["sale"], writer.tables["payment"]
    store_id, register_id = till.store.pk.hex, till.register.pk.hex
    sums = None if writer.sums is None or day in writer.sums.skip_days else writer.sums
    offset = (opens.utcoffset() or datetime.timedelta()).total_seconds()  # clocks change at night: constant by day
    if is_today and till.open_shift:
        shift_id = till.open_shift
    else:
        shift_id = (ids.base(int(opens.timestamp() * 1000))[4:] + SLOT[0]).hex()
    where = binary.uuid_hex(store_id) + binary.uuid_hex(register_id) + binary.uuid_hex(shift_id)
    sale_kind, refund_kind, euro = binary.text("sale"), binary.text("refund"), binary.text("EUR")
    cashiers = [binary.uuid_hex(employee) + binary.text(name) for employee, name in till.cashiers]
    cashier_count = len(cashiers)
    opener = till.cashiers[int(rand() * cashier_count)][0]
    card, cash_method = binary.text("card"), binary.text("cash")
    not_training = empty + zero + binary.boolean(False)  # note, loyalty discount, training
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
    null = binary.NULL
    for index, moment in enumerate(moments):
        cashier = int(rand() * cashier_count)
        micros = int(moment * 1_000_000)
        base = ids.base(micros // 1000)
        sale_id = base + SLOT[0]
        row_head = join((head, sale_id))
        if marked is not None:
            marked.add((store_id, int(moment) // 3600 * 3600))
        receipt += 1
        customer = customers[int(rand() * customer_count)] if customer_count and rand() < 0.1 else null
        returned = rand() < 0.01
        per_key: dict[int, int] = {}
        total = items = 0
        sold = []
        line_total = LINE_COUNTS[int(rand() * 10)]
        for position in range(1, line_total + 1):
            item = int(rand() * item_count)
            quantity = QUANTITIES[int(rand() * 6)]
            fields, gross, key, counted = sold_table[item][quantity]
            lines_out.append(join((LINE_FIELDS, base, SLOT[position], row_head, POSITION[position], fields)))
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
                join((VAT_FIELDS, base, SLOT[slot], row_head, vat_fields[key], cents[gross], cents[gross - vat],
                      cents[vat]))
            )  # fmt: skip
            slot += 1
            entry = vats.get((key, "sale"))
            if entry is None:
                vats[(key, "sale")] = [gross, gross - vat, vat]
            else:
                entry[0] += gross
                entry[1] += gross - vat
                entry[2] += vat
        cash = rand() < 0.55
        amount = cents[total]
        if cash:
            tendered = total if rand() < 0.3 else -(-total // 500) * 500
            if tendered == total and rand() < 0.5:
                tendered = -(-total // 1000) * 1000
            payment = join((cash_method, amount, cents[tendered], cents[tendered - total]))
            cash_total += total
        else:
            payment = join((card, amount, zero, zero))
        hour = int((moment + offset) // 3600) % 24
        _add(hours, (hour, cashier, "sale"), total, net_total, items)
        _add_payment(payments, ("sale", "cash" if cash else "card"), total)
        payments_out.append(join((PAYMENT_FIELDS, base, SLOT[PAYMENT_SLOT], row_head, POSITION[1], payment, empty)))
        started = stamp(micros - 20_000_000 - int(160_000_000 * rand()))
        sales_out.append(
            join((SALE_FIELDS, sale_id, head, where, sale_kind, int8(receipt), cashiers[cashier], customer, null,
                  started, stamp(micros), euro, amount, zero, amount, not_training))
        )  # fmt: skip
        sales += 1
        if returned:
            # returned whole, before the register's next sale
            later = moments[index + 1] if index + 1 < len(moments) else min(moment + 300, last + 1800)
            back = (moment + later) / 2
            back_micros = int(back * 1_000_000)
            refund_base = ids.base(back_micros // 1000)
            refund_id = refund_base + SLOT[0]
            refund_head = head + refund_id
            if marked is not None:
                marked.add((store_id, int(back) // 3600 * 3600))
            receipt += 1
            refund_items = 0
            for position, (item, quantity, gross) in enumerate(sold, start=1):
                refund_items += -quantity if t.items[item].unit == "piece" else 1
                lines_out.append(
                    join((LINE_FIELDS, refund_base, SLOT[position], refund_head, POSITION[position],
                          returned_table[item][quantity], base, SLOT[position], line_tail))
                )  # fmt: skip
                entry = returned_items.setdefault(item, [0, 0, 0])
                entry[0] -= quantity
                entry[1] -= gross
                entry[2] += 1
            lines_count += len(sold)
            slot = VAT_SLOT
            for key, gross in per_key.items():
                vat = vat_of(-gross, t.vat_keys[key][0])
                vat_out.append(
                    join((VAT_FIELDS, refund_base, SLOT[slot], refund_head, vat_fields[key], cents[-gross],
                          cents[-gross - vat], cents[vat]))
                )  # fmt: skip
                slot += 1
                entry = vats.setdefault((key, "refund"), [0, 0, 0])
                entry[0] -= gross
                entry[1] += -gross - vat
                entry[2] += vat
            method = "cash" if cash else "card"
            back_amount = cents[-total]
            payments_out.append(
                join((PAYMENT_FIELDS, refund_base, SLOT[PAYMENT_SLOT], refund_head, POSITION[1],
                      cash_method if cash else card, back_amount, zero, zero, empty))
            )  # fmt: skip
            if cash:
                cash_total -= total
            _add(hours, (int((back + offset) // 3600) % 24, cashier, "refund"), -total, -net_total, refund_items)
            _add_payment(payments, ("refund", method), -total)
            back_stamp = stamp(back_micros)
            sales_out.append(
                join((SALE_FIELDS, refund_id, head, where, refund_kind, int8(receipt), cashiers[cashier], customer,
                      sale_id, back_stamp, back_stamp, euro, back_amount, zero, back_amount, not_training))
            )  # fmt: skip
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
