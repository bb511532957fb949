"""What needs the owner, on the Übersicht: store nodes not heard from or stuck, printers out of paper or
offline, sync anomalies and customer conflicts, cash differences at a Z report, TSE outages, stock below
its reorder level.

Each alert names its store, says what is wrong in words an owner reads (no protocol terms) and links to
the page where it is dealt with when the user may open that page. Only the given stores are read; the
organization-wide sync review (anomalies, conflicts) only for who manages settings.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kasse.backoffice.overview import ALERT_DAYS
from kasse.fiscal.models import TseOutage
from kasse.inventory.selectors import LowStock, low_stock
from kasse.printing.models import Printer
from kasse.printing.selectors import states_by_printer
from kasse.sales.models import Shift, ShiftStatus
from kasse.sales.receipt import euro
from kasse.sync.backoffice.selectors import anomalies, conflicts, node_problems
from kasse.sync.models import StoreNode
from kasse.tenancy.models import Store


@dataclass(frozen=True)
class Alert:
    kind: str  # node | printer | anomalies | conflicts | cash | tse | stock
    level: str  # fault | warning
    store: str
    text: str
    url: str = ""


def _url(name: str, may: bool, *args: object) -> str:
    if not may:
        return ""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


NODE_TEXTS = {
    "offline": lambda: _("The store server has not been heard from."),
    "failing": lambda: _("The store server cannot send its sales."),
    "set_aside": lambda: _("The store server set records aside that need a look."),
    "waiting_too_long": lambda: _("Sales of the store server have been waiting too long to arrive."),
}


def alerts(
    stores: list[Store],
    now: datetime.datetime,
    *,
    manages_settings: bool,
    views_reports: bool,
    stock_stores: set | frozenset | None = frozenset(),
) -> list[Alert]:
    """The alerts of ``stores``; ``stock_stores``: the ids of the stores whose stock page the user may open
    (``None``: all), where a low-stock alert links to it."""
    found: list[Alert] = []
    names = {s.pk: s.name for s in stores}
    for node in StoreNode.objects.filter(revoked_at__isnull=True, store__in=stores).order_by("name"):
        for problem in node_problems(node, now):
            if manages_settings and problem != "offline":
                continue  # shown above the figures, in detail, by {% sync_node_alerts %}
            found.append(
                Alert(
                    "node",
                    "fault",
                    names[node.store_id],
                    NODE_TEXTS[problem](),
                    _url("sync-backoffice:node-list", manages_settings),
                )
            )
    printers = list(Printer.objects.filter(is_active=True, store__in=stores).order_by("name"))
    states = states_by_printer(printers)
    for printer in printers:
        status = states[printer.pk]
        if status.level in {"fault", "warning"}:
            found.append(
                Alert(
                    "printer",
                    status.level,
                    names[printer.store_id],
                    _("Printer %(name)s: %(status)s") % {"name": printer.name, "status": status.label},
                    _url("printing:printer-list", manages_settings),
                )
            )
    if manages_settings:
        open_anomalies, open_conflicts = anomalies().count(), conflicts().count()
        if open_anomalies:
            text = ngettext(
                "%(n)s sale from a store server needs checking.",
                "%(n)s sales from store servers need checking.",
                open_anomalies,
            ) % {"n": open_anomalies}
            found.append(Alert("anomalies", "warning", "", text, _url("sync-backoffice:anomaly-list", True)))
        if open_conflicts:
            text = ngettext(
                "%(n)s customer was changed in two places at once.",
                "%(n)s customers were changed in two places at once.",
                open_conflicts,
            ) % {"n": open_conflicts}
            found.append(Alert("conflicts", "warning", "", text, _url("sync-backoffice:conflict-list", True)))
    since = now - datetime.timedelta(days=ALERT_DAYS)
    differences = (
        Shift.objects.filter(status=ShiftStatus.CLOSED, store__in=stores, closed_at__gte=since)
        .exclude(difference=Decimal(0))
        .exclude(difference__isnull=True)
        .select_related("register")
        .order_by("-closed_at")
    )
    for shift in differences:
        text = _("Z report %(number)s of %(register)s: counted cash differs by %(amount)s") % {
            "number": shift.closing_number,
            "register": shift.register.name,
            "amount": ("+" if shift.difference > 0 else "") + euro(shift.difference),
        }
        found.append(
            Alert(
                "cash",
                "warning",
                names[shift.store_id],
                text,
                _url("bookkeeping:z-report-detail", views_reports, shift.pk),
            )
        )
    outages = TseOutage.objects.filter(register__store__in=stores).filter(
        Q(ended_at__isnull=True) | Q(started_at__gte=since)
    )
    for outage in outages.select_related("register").order_by("-started_at")[:20]:
        if outage.ended_at is None:
            text = _("%(register)s: the security device (TSE) is failing since %(since)s.")
        else:
            text = _("%(register)s: the security device (TSE) failed on %(since)s.")
        found.append(
            Alert(
                "tse",
                "fault" if outage.ended_at is None else "warning",
                names.get(outage.register.store_id, ""),
                text % {"register": outage.register.name, "since": _local(outage.started_at, stores)},
            )
        )
    found.extend(_low_stock_alerts(stores, stock_stores))
    return found


SHOWN_BY_NAME = 3


def _low_stock_alerts(stores: list[Store], stock_stores: set | frozenset | None) -> list[Alert]:
    """One alert per store with stock below its reorder level, naming the first few products."""
    if not stores:
        return []
    per_store: dict[object, list[LowStock]] = {}
    for item in low_stock(stores[0].organization, stores):
        per_store.setdefault(item.store.pk, []).append(item)
    found = []
    for store in stores:
        items = per_store.get(store.pk)
        if not items:
            continue
        names = ", ".join(str(item.variant) for item in items[:SHOWN_BY_NAME])
        if len(items) > SHOWN_BY_NAME:
            names += " …"
        text = ngettext(
            "%(n)s product is below its reorder level: %(names)s",
            "%(n)s products are below their reorder level: %(names)s",
            len(items),
        ) % {"n": len(items), "names": names}
        url = ""
        if stock_stores is None or store.pk in stock_stores:
            url = _url("inventory:stock-store", True, store.pk) + "?low=1"
        found.append(Alert("stock", "warning", store.name, text, url))
    return found


def _local(moment: datetime.datetime, stores: list[Store]) -> str:
    from django.utils import formats

    from kasse.backoffice.overview import zone_of

    zone = zone_of(stores[0])
    return formats.date_format(moment.astimezone(zone), "SHORT_DATETIME_FORMAT")
