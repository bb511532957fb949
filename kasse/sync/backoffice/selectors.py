"""Read queries for the back office's sync pages: nodes, anomalies, conflicts, the live feed.

Every query runs in the request's organization scope (scoped managers), so a
foreign id is the same 404 as a missing one.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from kasse.sync.engine import hlc
from kasse.sync.models import StoreNode, SyncAnomaly, SyncConflict
from kasse.tenancy.models import Register, Store

ONLINE_WITHIN = timedelta(minutes=2)
LIVE_FEED_SIZE = 20
DEFAULT_TIME_ZONE = "Europe/Berlin"


def node_is_online(node: StoreNode, now: datetime | None = None) -> bool:
    """A node counts as online when it talked to the cloud within the last two minutes (it polls every few seconds)."""
    if node.revoked_at is not None or node.last_contact_at is None:
        return False
    return (now or timezone.now()) - node.last_contact_at <= ONLINE_WITHIN


def serving_nodes(stores: list[Store]) -> dict[Any, StoreNode]:
    """The paired store node serving each of ``stores`` (it drives their devices); stores without one are missing."""
    nodes = StoreNode.objects.filter(store__in=stores, revoked_at__isnull=True).order_by("paired_at")
    return {node.store_id: node for node in nodes}


@dataclass
class StoreNodes:
    store: Store
    nodes: list[StoreNode]


def node_problems(node: StoreNode, now: datetime | None = None) -> list[str]:
    """Why a (not revoked) node needs the owner: ``offline``, ``failing`` (its sync reports an error),
    ``set_aside`` (records or feed changes set aside), ``waiting_too_long`` (a record waits longer than
    ``KASSE_SYNC_ALERT_MINUTES``)."""
    from django.conf import settings

    if node.revoked_at is not None:
        return []
    now = now or timezone.now()
    alert_after = timedelta(minutes=settings.KASSE_SYNC_ALERT_MINUTES)
    return [
        name
        for name, present in (
            ("offline", not node_is_online(node, now)),
            ("failing", node.failing),
            ("set_aside", node.set_aside > 0),
            ("waiting_too_long", node.oldest_waiting_at is not None and now - node.oldest_waiting_at > alert_after),
        )
        if present
    ]


@dataclass
class NodeAlert:
    node: StoreNode
    problems: list[str]
    waiting_minutes: int | None


def node_alerts() -> list[NodeAlert]:
    """The organization's nodes whose sync needs the owner: records waiting too long, errors, set-aside
    records (shown on the store nodes page and the back office's start page)."""
    now = timezone.now()
    alerts = []
    for node in StoreNode.objects.filter(revoked_at__isnull=True).select_related("store").order_by("store__name"):
        problems = [p for p in node_problems(node, now) if p != "offline"]
        if "waiting_too_long" in problems or "failing" in problems or "set_aside" in problems:
            minutes = int((now - node.oldest_waiting_at).total_seconds() // 60) if node.oldest_waiting_at else None
            alerts.append(NodeAlert(node, problems, minutes))
    return alerts


def nodes_by_store() -> list[StoreNodes]:
    """Every store of the organization with its nodes (active first, then revoked)."""
    now = timezone.now()
    nodes = list(StoreNode.objects.select_related("store").order_by("revoked_at", "-paired_at"))
    for node in nodes:
        node.is_online = node_is_online(node, now)  # type: ignore[attr-defined]
        node.problems = node_problems(node, now)  # type: ignore[attr-defined]
    by_store: dict[Any, list[StoreNode]] = {}
    for node in nodes:
        by_store.setdefault(node.store_id, []).append(node)
    return [StoreNodes(store, by_store.get(store.pk, [])) for store in Store.objects.order_by("number", "name")]


# --- anomalies -------------------------------------------------------------------

DETAIL_LABELS = {
    "total": _("Total of the sale"),
    "lines": _("Sum of the lines"),
    "vat_gross": _("Sum of the VAT rows"),
    "paid": _("Paid"),
    "completed_at": _("Completed (register clock)"),
    "received_at": _("Received by the cloud"),
    "receipt_number": _("Receipt number"),
    "printed_number": _("Printed receipt number"),
    "booked_number": _("Booked under receipt number"),
    "kind": _("Receipt kind"),
}
MONEY_KEYS = {"total", "lines", "vat_gross", "paid"}
TIME_KEYS = {"completed_at", "received_at"}


@dataclass
class AnomalyRow:
    anomaly: SyncAnomaly
    receipt_number: Any = None
    register: Register | None = None
    store: Store | None = None
    facts: list[tuple[Any, Any, str]] = field(default_factory=list)  # (label, value, "money"|"time"|"text")

    @property
    def time_zone(self) -> str:
        return self.store.time_zone if self.store is not None else DEFAULT_TIME_ZONE


def _fact(key: str, value: Any) -> tuple[Any, Any, str]:
    label = DETAIL_LABELS.get(key, key)
    if key in MONEY_KEYS:
        try:
            return label, Decimal(str(value)), "money"
        except InvalidOperation:
            return label, value, "text"
    if key == "kind":
        from kasse.sales.models import SaleKind

        return label, dict(SaleKind.choices).get(value, value), "text"
    if key in TIME_KEYS and isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            return label, parsed, "time"
    return label, value, "text"


def _fact_order(key: str) -> tuple[int, str]:
    order = list(DETAIL_LABELS)
    return (order.index(key) if key in order else len(order), key)


def anomalies(*, resolved: bool = False) -> QuerySet[SyncAnomaly]:
    return SyncAnomaly.objects.select_related("node").filter(resolved_at__isnull=not resolved)


def anomaly_rows(items: list[SyncAnomaly]) -> list[AnomalyRow]:
    """Anomalies with the sale's receipt number, register and store (two queries for the page)."""
    from kasse.sales.models import Sale

    sale_ids = [a.object_id for a in items if a.model == "sales.Sale"]
    sales = {str(s.pk): s for s in Sale.objects.select_related("register", "store").filter(pk__in=sale_ids)}
    register_ids = {a.detail.get("register_id") for a in items if isinstance(a.detail, dict)} - {None}
    registers = {str(r.pk): r for r in Register.objects.select_related("store").filter(pk__in=register_ids)}
    rows = []
    for anomaly in items:
        detail = anomaly.detail if isinstance(anomaly.detail, dict) else {}
        row = AnomalyRow(anomaly)
        sale = sales.get(anomaly.object_id)
        if sale is not None:
            row.receipt_number, row.register, row.store = sale.receipt_number, sale.register, sale.store
        else:  # a quarantined sale is not stored: what we know is in the detail
            row.register = registers.get(str(detail.get("register_id")))
            row.store = row.register.store if row.register is not None else None
            row.receipt_number = detail.get("receipt_number")
        # jsonb keeps no key order: show the facts in one fixed order
        keys = sorted((k for k in detail if k not in {"register_id", "receipt_number"}), key=_fact_order)
        row.facts = [_fact(k, detail[k]) for k in keys]
        rows.append(row)
    return rows


# --- conflicts -------------------------------------------------------------------


@dataclass
class ConflictRow:
    conflict: SyncConflict
    customer: Any
    field_label: Any
    kept_at: datetime | None
    kept_where: str
    lost_at: datetime | None
    lost_where: str


def clock_time(stamp: str) -> datetime | None:
    """The wall-clock time inside a hybrid-clock stamp (UTC)."""
    try:
        ms, _counter, _origin = hlc.parse(stamp)
    except ValueError:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def clock_origin(stamp: str, nodes: dict[str, StoreNode]) -> str:
    """Where a stamp was made: the cloud (back office, API) or a store node by name."""
    try:
        _ms, _counter, origin = hlc.parse(stamp)
    except ValueError:
        return ""
    if origin == "cloud":
        return str(_("cloud"))
    if origin.startswith("n") and origin[1:] in nodes:
        return nodes[origin[1:]].name
    return str(_("store node"))


def conflicts(*, seen: bool = False) -> QuerySet[SyncConflict]:
    return SyncConflict.objects.select_related("node").filter(seen_at__isnull=not seen)


def conflict_rows(items: list[SyncConflict]) -> list[ConflictRow]:
    from kasse.customers.models import Customer

    ids = [c.object_id for c in items if c.model == "customers.Customer"]
    customers = {str(c.pk): c for c in Customer.objects.filter(pk__in=ids)}
    nodes = {n.pk.hex[:12]: n for n in StoreNode.objects.all()}
    rows = []
    for conflict in items:
        try:
            label = getattr(Customer._meta.get_field(conflict.field), "verbose_name", conflict.field)
        except FieldDoesNotExist:
            label = conflict.field
        rows.append(
            ConflictRow(
                conflict=conflict,
                customer=customers.get(conflict.object_id),
                field_label=label,
                kept_at=clock_time(conflict.kept_clock),
                kept_where=clock_origin(conflict.kept_clock, nodes),
                lost_at=clock_time(conflict.lost_clock),
                lost_where=clock_origin(conflict.lost_clock, nodes),
            )
        )
    return rows


def organization_time_zone() -> str:
    """The time zone the organization-wide lists show times in (its first store's)."""
    store = Store.objects.order_by("number").only("time_zone").first()
    zone = store.time_zone if store is not None else DEFAULT_TIME_ZONE
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return DEFAULT_TIME_ZONE
    return zone


def open_counts() -> dict[str, int]:
    return {"anomalies": anomalies().count(), "conflicts": conflicts().count()}


# --- live feed -------------------------------------------------------------------


def recent_sales(limit: int = LIVE_FEED_SIZE, store_ids: set | None = None) -> list[Any]:
    """The newest sales (not training receipts), of the stores ``store_ids`` (``None``: every store)."""
    from kasse.sales.models import Sale

    sales = Sale.objects.select_related("store", "register").filter(is_training=False)
    if store_ids is not None:
        sales = sales.filter(store_id__in=store_ids)
    return list(sales.order_by("-completed_at")[:limit])


def live_directory(store_ids: set | None = None) -> dict[str, Any]:
    """Names and time zones the live page's script needs to show a sale that arrives as ids."""
    stores = Store.objects.all() if store_ids is None else Store.objects.filter(pk__in=store_ids)
    registers = Register.objects.all() if store_ids is None else Register.objects.filter(store_id__in=store_ids)
    return {
        "stores": {str(s.pk): {"name": s.name, "tz": s.time_zone} for s in stores},
        "registers": {str(r.pk): r.name for r in registers},
    }
