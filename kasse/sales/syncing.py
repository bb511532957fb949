"""How sales, shifts and cash movements sync: born on a store node, they go up; the cloud stores them by id.

- A sale's lines, VAT rows and payments travel in the record of their sale; a receipt the cloud holds
  never gains a row.
- A sale whose receipt number is already used on its register is quarantined whole (kept for the owner's
  review, never dropped); the owner releases it under the register's next free number. A sale that does
  not add up (lines, VAT rows, payments), a negative sale that is not a return, and one dated far from the
  cloud's clock are stored as they happened and flagged; a node whose clock runs ahead is told so. So is a
  sale that used a coupon beyond its limit (two nodes offline both took the last use).
- A closed shift never reopens when an older state of it arrives late.
- A node hands out receipt and Z numbers per register; they continue after the cloud's after a restore
  (``Numbering``: the cloud's positions, the node's counters raised to them).
- A pairing node gets the sales of the shifts still open (its X and Z reports need them); receipt and Z
  counters are copied when it pairs and are its own from then on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from kasse.notifications.events import publishing_batch
from kasse.sales.events import aborted_uploaded, sale_uploaded, shift_uploaded
from kasse.sales.models import CounterKind, RegisterCounter, Sale, Shift
from kasse.sales.services.coupons import overused_coupons
from kasse.sync.engine.registry import (
    Direction,
    Numbering,
    PartOf,
    Quarantined,
    Released,
    Scope,
    SyncSpec,
    Upload,
    UpRow,
    register,
)
from kasse.sync.models import AnomalyKind
from kasse.tenancy.models import Register

SALE = "sales.Sale"
SALE_PARTS = ("sales.SaleLine", "sales.SaleVat", "sales.Payment")
CLOCK_TOLERANCE = timedelta(minutes=5)
# A sale completed this long before it reaches the cloud is flagged: longer than any outage a node is built
# for (30 days), so it points at a wrong clock (a dead CMOS battery), not at a late line.
DATED_TOLERANCE = timedelta(days=62)


# --- in the cloud: a node's upload ----------------------------------------------------------------------


def receipt_number_clashes(sales: Sequence[UpRow]) -> dict[str, Quarantined]:
    """Sales whose receipt number another sale of their register holds already."""
    numbers = {(row.values["register_id"], row.values["receipt_number"]): row for row in sales}
    # A register's numbers in a batch are nearly consecutive: ask for each register's range (two
    # parameters) rather than for hundreds of numbers, unless the numbers are spread far apart.
    by_register: dict[str, list[int]] = defaultdict(list)
    for register_id, number in numbers:
        by_register[register_id].append(number)
    within = Q()
    for register_id, wanted in by_register.items():
        low, high = min(wanted), max(wanted)
        if high - low < 2 * len(wanted) + 10:
            within |= Q(register_id=register_id, receipt_number__range=(low, high))
        else:
            within |= Q(register_id=register_id, receipt_number__in=wanted)
    clashes: dict[str, Quarantined] = {}
    for register_id, number, sale_id in Sale.objects.filter(within).values_list("register_id", "receipt_number", "id"):
        incoming = numbers.get((str(register_id), number))
        if incoming is not None and incoming.values["id"] != str(sale_id):
            clashes[incoming.values["id"]] = Quarantined(
                AnomalyKind.NUMBER_CLASH,
                {"register_id": incoming.values["register_id"], "receipt_number": incoming.values["receipt_number"]},
                "receipt number already used; kept for review",
            )
    return clashes


def sale_anomalies(
    sale: dict[str, Any],
    lines: list[dict[str, Any]],
    vats: list[dict[str, Any]],
    payments: list[dict[str, Any]],
    received_at: Any,
) -> list[tuple[str, dict[str, str]]]:
    """What does not add up in a sale as received (recomputed from its lines)."""
    found: list[tuple[str, dict[str, str]]] = []
    total = Decimal(sale["total"])
    line_sum = sum((Decimal(line["total"]) for line in lines), Decimal("0"))
    if line_sum != total:
        found.append((AnomalyKind.TOTALS, {"total": str(total), "lines": str(line_sum)}))
    vat_sum = sum((Decimal(v["gross"]) for v in vats), Decimal("0"))
    if vats and vat_sum != total:
        found.append((AnomalyKind.VAT, {"total": str(total), "vat_gross": str(vat_sum)}))
    paid = sum((Decimal(p["amount"]) for p in payments), Decimal("0"))
    if paid != total:
        found.append((AnomalyKind.PAYMENTS, {"total": str(total), "paid": str(paid)}))
    if total < 0 and sale.get("kind") != "refund":
        found.append((AnomalyKind.NEGATIVE, {"total": str(total), "kind": str(sale.get("kind", ""))}))
    completed = sale.get("completed_at")
    if completed is not None and completed > received_at + CLOCK_TOLERANCE:
        found.append(
            (AnomalyKind.CLOCK, {"completed_at": completed.isoformat(), "received_at": received_at.isoformat()})
        )
    elif completed is not None and completed < received_at - DATED_TOLERANCE:
        found.append(
            (AnomalyKind.DATED, {"completed_at": completed.isoformat(), "received_at": received_at.isoformat()})
        )
    return found


def sale_arrived(sale: UpRow, record: Sequence[UpRow], upload: Upload) -> None:
    """A new sale from a node: recomputed from the lines, VAT rows and payments of its record; what does
    not add up is flagged (the sale is kept)."""
    sale_id = sale.values["id"]
    parts: dict[str, list[dict[str, Any]]] = {label: [] for label in SALE_PARTS}
    for row in record:
        of_label = parts.get(row.key[0])
        if of_label is not None and row.values["sale_id"] == sale_id:
            of_label.append(row.values)
    completed = sale.values.get("completed_at")
    if completed is not None and completed > upload.received_at + CLOCK_TOLERANCE:
        upload.note_clock_ahead(int((completed - upload.received_at).total_seconds()))
    lines, vats, payments = (parts[label] for label in SALE_PARTS)
    for kind, detail in sale_anomalies(sale.values, lines, vats, payments, upload.received_at):
        upload.flag(sale, kind, detail)
    promotion_ids = {line["promotion_id"] for line in lines if line.get("promotion_id")}
    if promotion_ids and sale.values.get("kind") == "sale":
        for code, uses, limit in overused_coupons(promotion_ids):
            upload.flag(sale, AnomalyKind.COUPON, {"coupon": code, "uses": uses, "max_uses": limit})


def release_sale(record: dict[str, Any], sale_id: str) -> Released:
    """Book a sale quarantined for a receipt number already used on its register, after the owner's review.

    The sale happened (it was paid and printed), so it belongs in the books; its printed number belongs to
    another sale there. GoBD asks for complete, unaltered and traceable records, and a register's numbers
    must stay unique: the sale is booked with every row as received under the register's next free number,
    and the link between the printed and the booked number is kept for ever (the anomaly keeps the record
    as received, with ``printed_number`` and ``booked_number``; the audit log says who released it when).
    The store node is told to continue its numbering after the booked number.
    """
    sale_row = next(
        (values for table, values, *_meta in record.get("rows", []) if table == SALE and values.get("id") == sale_id),
        None,
    )
    if sale_row is None:
        raise ValidationError(_("The kept record holds no sale; it cannot be released."))
    register = Register.objects.select_for_update().filter(pk=sale_row.get("register_id")).first()
    if register is None:
        raise ValidationError(_("The sale's register no longer exists; it cannot be released."))
    printed = sale_row.get("receipt_number")
    booked = (Sale.objects.filter(register=register).aggregate(n=Max("receipt_number"))["n"] or 0) + 1
    sale_row["receipt_number"] = booked
    return Released(
        record=record,
        detail={"printed_number": printed, "booked_number": booked},
        audit={"sale": sale_id, "register": str(register.pk), "printed_number": printed, "booked_number": booked},
        store_id=register.store_id,
        booked=booked,
    )


def live_sale(sale: Any) -> dict[str, Any] | None:
    """A completed sale or refund on the owner's live feed; a training receipt is not news there."""
    if getattr(sale, "is_training", False):
        return None
    return {
        "type": "live.sale",
        "sale": {
            "id": str(sale.pk),
            "kind": sale.kind,
            "store_id": str(sale.store_id),
            "register_id": str(sale.register_id),
            "receipt_number": sale.receipt_number,
            "total": str(sale.total),
            "employee": sale.employee_name,
            "completed_at": sale.completed_at.isoformat(),
        },
    }


def _closed_shift(current: dict[str, Any], values: dict[str, Any]) -> bool:
    """An older state of a shift arrived late: a closed shift never reopens."""
    return current.get("status") == "closed" and values.get("status") != "closed"


# --- positions: receipt and Z numbers continue after the cloud's ----------------------------------------


def register_positions(store_id: Any) -> dict[str, dict[str, int]]:
    """``{register id: {"receipt": n, "closing": n}}`` for every register of the store (in the cloud)."""
    with scopes_disabled():
        positions: dict[str, dict[str, int]] = {}
        for register_id in Register.objects.filter(store_id=store_id).values_list("pk", flat=True):
            counters = dict(RegisterCounter.objects.filter(register_id=register_id).values_list("kind", "last_value"))
            receipt = Sale.objects.filter(register_id=register_id).aggregate(n=Max("receipt_number"))["n"] or 0
            closing = Shift.objects.filter(register_id=register_id).aggregate(n=Max("closing_number"))["n"] or 0
            positions[str(register_id)] = {
                "receipt": max(receipt, counters.get(CounterKind.RECEIPT, 0)),
                "closing": max(closing, counters.get(CounterKind.CLOSING, 0)),
            }
    return positions


def _number(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise ValueError(f"not a position: {value!r}")
    return value


def raise_counters(registers: dict[str, Any]) -> dict[str, int]:
    """On a node: raise the registers' receipt and Z counters to the cloud's positions (never lower them);
    returns ``{register id: receipt number moved to}`` for the registers that moved."""
    moved: dict[str, int] = {}
    known = {
        str(pk): organization
        for pk, organization in Register.objects.filter(
            pk__in=[pk for pk in registers if isinstance(pk, str)][:1000]
        ).values_list("pk", "organization_id")
    }
    for register_id, stands in registers.items():
        if register_id not in known or not isinstance(stands, dict):
            continue
        for kind, key in ((CounterKind.RECEIPT, "receipt"), (CounterKind.CLOSING, "closing")):
            value = _number(stands.get(key, 0))
            counter, _created = RegisterCounter.objects.get_or_create(
                register_id=register_id, kind=kind, defaults={"organization_id": known[register_id]}
            )
            if counter.last_value < value:
                RegisterCounter.objects.filter(pk=counter.pk).update(last_value=value, updated_at=timezone.now())
                if kind == CounterKind.RECEIPT:
                    moved[register_id] = value
    return moved


def _part(label: str) -> SyncSpec:
    return SyncSpec(
        label,
        Direction.UP,
        Scope.STORE,
        "sale.store_id",
        immutable=True,
        snapshot_filter={"sale__shift__status": "open"},
        part_of=PartOf(
            "sale_id",
            apart="a sale's lines, VAT rows and payments travel in the record of their sale",
            sealed="the sale is stored already; a finished receipt never changes",
        ),
    )


register(
    SyncSpec(
        "sales.Shift",
        Direction.UP,
        Scope.STORE,
        snapshot_filter={"status": "open"},
        keeps_stored=_closed_shift,
        published=shift_uploaded,
    ),
    SyncSpec(
        "sales.CashMovement",
        Direction.UP,
        Scope.STORE,
        "shift.store_id",
        immutable=True,
        snapshot_filter={"shift__status": "open"},
    ),
    # How a receipt was handed over (printed, digital, declined): up, after its sale; the cloud serves
    # the digital receipt's link.
    SyncSpec("sales.ReceiptIssue", Direction.UP, Scope.STORE, "sale.store_id", immutable=True),
    # The items of a cart given up (AVBelegabbruch, for the DSFinV-K export): up, never changed.
    SyncSpec(
        "sales.AbortedCart",
        Direction.UP,
        Scope.STORE,
        immutable=True,
        snapshot_filter={"shift__status": "open"},
        published=aborted_uploaded,
    ),
    SyncSpec("sales.RegisterCounter", Direction.LOCAL, Scope.STORE, "register.store_id"),
    # Of the sales, a pairing node gets those of open shifts (its X and Z reports need them).
    SyncSpec(
        SALE,
        Direction.UP,
        Scope.STORE,
        immutable=True,
        snapshot_filter={"shift__status": "open"},
        quarantine=receipt_number_clashes,
        release=release_sale,
        arrived=sale_arrived,
        live=live_sale,
        published=sale_uploaded,
    ),
    *(_part(label) for label in SALE_PARTS),
    numbering=Numbering(positions=register_positions, catch_up=raise_counters),
    around_upload=publishing_batch,
)
