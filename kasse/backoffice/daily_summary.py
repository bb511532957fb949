"""The daily summary per store, published as the event ``summary.daily`` after closing time.

A periodic task (``tasks.send_daily_summaries``, every 10 minutes) looks at every active store whose local
time (its own time zone) has passed its summary time: the closing time set in the back office's store
settings (``Store.summary_time``, 12:00 to 23:59), else ``KASSE_DAILY_SUMMARY_TIME`` (22:00 unless set). If
the store sold or took something back that day and its summary was not published, the day's figures go out
as one event, once per store and day. From there the notification machinery carries it (docs/notifications.md):
e-mail (HTML and plain text with the whole summary; on by default for this event only), the app and push
(a one-line summary), to who may see the store's reports, respecting quiet hours.

The figures are the Übersicht's (``overview.figures``): revenue, net, receipts, average basket, items,
returns, the top products, plus the day's cash differences at Z reports; each against the same weekday
last week.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kasse.backoffice.models import DailySummarySent
from kasse.backoffice.overview import figures, top_products, window, zone_of
from kasse.notifications.events import publish
from kasse.sales.journal import day_bounds
from kasse.sales.models import Shift
from kasse.tenancy.models import Store

log = logging.getLogger(__name__)
FIGURES = ("gross", "net", "receipts", "average_basket", "items", "returns", "returns_amount")
MONEY = {"gross", "net", "average_basket", "returns_amount"}
CENT = Decimal("0.01")
CATCH_UP_UNTIL = datetime.time(12, 0)  # until noon a summary of yesterday that did not go out is sent late
LAST_MOMENT = datetime.timedelta(microseconds=1)  # yesterday's last moment: a microsecond before midnight


def summary_time() -> datetime.time:
    hours, _sep, minutes = str(getattr(settings, "KASSE_DAILY_SUMMARY_TIME", "22:00")).partition(":")
    return datetime.time(int(hours), int(minutes or 0))


def _cash(store: Store, day: datetime.date) -> dict[str, Any]:
    start, end = day_bounds(store.time_zone, day, day)
    row = (
        Shift.objects.filter(store=store, closed_at__gte=start, closed_at__lt=end, difference__isnull=False)
        .exclude(difference=0)
        .aggregate(n=Count("id"), total=Sum("difference"))
    )
    return {"count": row["n"] or 0, "total": row["total"] or Decimal("0.00")}


def _change(now: Decimal, before: Decimal) -> str | None:
    if not before:
        return None
    return str(((now - before) / abs(before) * 100).quantize(Decimal("1")))


def store_summary(store: Store, now: datetime.datetime) -> dict[str, Any] | None:
    """The payload of ``summary.daily`` for the store's local day of ``now`` (None: nothing happened)."""
    today = figures(window([store], now))[store.pk]
    if not today.receipts and not today.returns:
        return None
    before = figures(window([store], now, 7))[store.pk]
    day = now.astimezone(zone_of(store)).date()
    result: dict[str, Any] = {"day": day.isoformat(), "store": store.name, "currency": store.currency}
    for name in FIGURES:
        value, last = Decimal(getattr(today, name)), Decimal(getattr(before, name))
        if name in MONEY:
            value, last = value.quantize(CENT), last.quantize(CENT)
        else:
            value, last = value.normalize() + 0, last.normalize() + 0
        result[name] = str(value)
        result[f"{name}_last_week"] = str(last)
        result[f"{name}_change"] = _change(value, last)
    cash = _cash(store, day)
    result["cash_differences"] = cash["count"]
    result["cash_difference_total"] = str(Decimal(cash["total"]).quantize(CENT))
    result["top_products"] = [
        {
            "name": p.name,
            "quantity": str(Decimal(p.quantity).normalize() + 0),
            "revenue": str(Decimal(p.revenue).quantize(CENT)),
        }
        for p in top_products([store], now)
    ]
    return result


def send_due(now: datetime.datetime | None = None) -> int:
    """Publish the summary of every store whose day has passed its summary time; how many were published."""
    now = now or timezone.now()
    with scopes_disabled():
        stores = list(Store.objects.filter(is_active=True, organization__is_active=True).order_by("pk"))
    published = 0
    for store in stores:
        zone = zone_of(store)
        local = now.astimezone(zone)
        if local.time() >= (store.summary_time or summary_time()):
            day, as_of = local.date(), now
        elif local.time() < CATCH_UP_UNTIL:
            # Yesterday's summary, if the evening's runs missed it (the worker was down, or a time close to
            # midnight fell between two runs): the whole of yesterday, sent this morning.
            day = local.date() - datetime.timedelta(days=1)
            as_of = datetime.datetime.combine(local.date(), datetime.time(0), tzinfo=zone) - LAST_MOMENT
        else:
            continue
        try:
            published += _publish(store, day, as_of)
        except Exception:
            log.exception("the daily summary of store %s could not be published", store.pk)
    return published


def _publish(store: Store, day: datetime.date, as_of: datetime.datetime) -> int:
    """The summary of the store's ``day`` with the figures up to ``as_of``, once."""
    with scope(organization=store.organization_id):
        if DailySummarySent.objects.filter(store=store, day=day).exists():
            return 0
        payload = store_summary(store, as_of)
        if payload is None:
            return 0
        try:
            with transaction.atomic():
                DailySummarySent.objects.create(organization_id=store.organization_id, store=store, day=day)
                publish("summary.daily", store.organization_id, store, payload)
        except IntegrityError:  # another worker published it first
            return 0
    return 1
