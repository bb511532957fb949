"""The Übersicht's alerts as events: what needs the owner reaches their phone and integrators, once.

:func:`sweep` runs every minute in the task worker (``kasse.backoffice.tasks.publish_alerts``). Per organization
it finds what is wrong now, each with a stable key: a store node not heard from for
``KASSE_NODE_SILENT_MINUTES`` (or failing, or with records set aside or waiting too long), a printer out of
paper, offline or in error, an open TSE outage, sync anomalies and customer conflicts not dealt with yet, and
every product below its reorder level in a store. What is new since the last sweep is published
(``alert.node_silent``, ``alert.printer``, ``alert.tse_outage``, ``alert.sync_anomaly``,
``alert.customer_conflict``, ``stock.low``) and remembered (:class:`~kasse.backoffice.models.PublishedAlert`);
what has gone is forgotten, so it is published again if it comes back. A sweep that fails for one
organization is logged and the others go on. Payloads carry facts, not sentences: the centre words them
in the reader's language (``kasse.notifications.centre.describe``).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import override
from django_scopes import scope, scopes_disabled

from kasse.backoffice.models import PublishedAlert
from kasse.fiscal.models import TseOutage
from kasse.inventory.selectors import low_stock
from kasse.notifications.events import publish
from kasse.printing.models import Printer
from kasse.printing.selectors import states_by_printer
from kasse.sync.backoffice.selectors import anomalies, conflicts, node_problems
from kasse.sync.models import StoreNode
from kasse.tenancy.models import Organization, Register, Store

log = logging.getLogger(__name__)
GROUPED = {"alert.sync_anomaly", "alert.customer_conflict"}  # one event per sweep for all new ones


@dataclass(frozen=True)
class Found:
    """One thing wrong now: its key (stable while it lasts), the event, its store and the payload."""

    key: str
    event: str
    store_id: Any
    payload: dict[str, Any] = field(default_factory=dict)


def _nodes(stores: list[Store], now: datetime.datetime) -> Iterator[Found]:
    silent_after = datetime.timedelta(minutes=settings.KASSE_NODE_SILENT_MINUTES)
    for node in StoreNode.objects.filter(revoked_at__isnull=True, store__in=stores).order_by("name"):
        for problem in node_problems(node, now):
            if problem == "offline":
                heard = node.last_contact_at or node.paired_at
                if heard is None or now - heard <= silent_after:
                    continue  # a restart or a short outage: the Übersicht shows it, the phone stays quiet
            yield Found(
                f"node:{node.pk}:{problem}",
                "alert.node_silent",
                node.store_id,
                {"node_id": node.pk, "node": node.name, "problem": problem, "last_contact_at": node.last_contact_at},
            )


def _printers(stores: list[Store], language: str) -> Iterator[Found]:
    printers = list(Printer.objects.filter(is_active=True, store__in=stores).order_by("name"))
    with override(language):
        states = states_by_printer(printers)
    for printer in printers:
        status = states[printer.pk]
        if status.level in {"fault", "warning"}:
            yield Found(
                f"printer:{printer.pk}:{status.code}",
                "alert.printer",
                printer.store_id,
                {"printer_id": printer.pk, "printer": printer.name, "status": status.code, "status_text": status.label},
            )


def _outages(stores: list[Store]) -> Iterator[Found]:
    registers = {r.pk: r for r in Register.objects.filter(store__in=stores)}
    for outage in TseOutage.objects.filter(register_id__in=list(registers), ended_at__isnull=True):
        register = registers[outage.register_id]
        yield Found(
            f"tse:{outage.pk}",
            "alert.tse_outage",
            register.store_id,
            {"register_id": register.pk, "register": register.name, "started_at": outage.started_at},
        )


def _sync_review() -> Iterator[Found]:
    for anomaly_id in anomalies().values_list("pk", flat=True):
        yield Found(f"anomaly:{anomaly_id}", "alert.sync_anomaly", None)
    for conflict_id in conflicts().values_list("pk", flat=True):
        yield Found(f"conflict:{conflict_id}", "alert.customer_conflict", None)


def _stock(organization: Organization, stores: list[Store]) -> Iterator[Found]:
    for item in low_stock(organization, stores):
        variant = item.variant
        yield Found(
            f"stock:{item.store.pk}:{variant.pk}",
            "stock.low",
            item.store.pk,
            {
                "variant_id": variant.pk,
                "product_id": variant.product_id,
                "product_name": str(variant),
                "sku": variant.sku,
                "quantity": item.quantity,
                "threshold": item.minimum,
            },
        )


def current(organization: Organization, now: datetime.datetime) -> list[Found]:
    """Everything wrong in ``organization`` now (inside its scope)."""
    stores = list(Store.objects.filter(organization=organization, is_active=True))
    return [
        *_nodes(stores, now),
        *_printers(stores, organization.language),
        *_outages(stores),
        *_sync_review(),
        *_stock(organization, stores),
    ]


def sweep_organization(organization: Organization, now: datetime.datetime | None = None) -> list[str]:
    """Publish what is newly wrong in ``organization``, forget what was put right; the events published."""
    now = now or timezone.now()
    published: list[str] = []
    with scope(organization=organization), transaction.atomic():
        found = {item.key: item for item in current(organization, now)}
        known = dict(PublishedAlert.objects.select_for_update().values_list("key", "pk"))
        gone = [pk for key, pk in known.items() if key not in found]
        if gone:
            PublishedAlert.objects.filter(pk__in=gone).delete()
        new = [item for key, item in found.items() if key not in known]
        if not new:
            return published
        PublishedAlert.objects.bulk_create(
            [PublishedAlert(organization=organization, key=item.key, event=item.event) for item in new],
            ignore_conflicts=True,
        )
        grouped: dict[str, int] = {}
        for item in new:
            if item.event in GROUPED:
                grouped[item.event] = grouped.get(item.event, 0) + 1
                continue
            publish(item.event, organization, item.store_id, item.payload)
            published.append(item.event)
        for event, count in sorted(grouped.items()):
            publish(event, organization, None, {"count": count})
            published.append(event)
    return published


def sweep(now: datetime.datetime | None = None) -> int:
    """:func:`sweep_organization` for every active organization; how many events it published."""
    total = 0
    with scopes_disabled():
        organizations = list(Organization.objects.filter(is_active=True).order_by("pk"))
    for organization in organizations:
        try:
            total += len(sweep_organization(organization, now))
        except Exception:
            log.exception("the alerts of organization %s could not be swept", organization.pk)
    return total
