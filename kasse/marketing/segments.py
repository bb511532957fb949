"""Segments: which customers a campaign is for, as one query each (benchmarks/segments_bench.py measures them).

Each segment is a filter on the organization's customers: the existence checks as correlated ``EXISTS`` on
each customer's sales (``Sale.customer``), the three that sum as one grouped query over the organization's
sales or loyalty entries (``GROUP BY customer_id HAVING …``). All five meet the 2 s target at 100,000
customers and 2 million sales (docs/benchmarks.md, "Campaign segments": 0.3-1.4 s p50 under load).
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.customers.models import Customer
from kasse.loyalty.models import EntryKind, LoyaltyEntry, LoyaltyTier, StampCard
from kasse.marketing.models import SegmentKind
from kasse.sales.models import Sale, SaleKind

DAY = datetime.timedelta(days=1)


def _number(value: str, what: str) -> Decimal:
    try:
        number = Decimal((value or "").strip().replace(",", "."))
    except InvalidOperation:
        number = Decimal(-1)
    if not number.is_finite() or number < 0 or number > 1_000_000:
        raise ValidationError({"segment_value": _("Please enter %(what)s.") % {"what": what}})
    return number


def segment(
    organization_id: Any, kind: str, value: str = "", now: datetime.datetime | None = None
) -> QuerySet[Customer]:
    """The active customers of ``organization_id`` in the segment ``kind`` with its parameter ``value``."""
    now = now or timezone.now()
    customers = Customer.objects.filter(organization_id=organization_id, is_active=True)
    sales = Sale.objects.filter(customer_id=OuterRef("pk"), kind=SaleKind.SALE)
    if kind == SegmentKind.ALL:
        return customers
    if kind == SegmentKind.BOUGHT_RECENTLY:
        days = _number(value, _("a number of days"))
        return customers.filter(Exists(sales.filter(completed_at__gte=now - int(days) * DAY)))
    if kind == SegmentKind.NOT_VISITED:
        days = _number(value, _("a number of days"))
        return customers.filter(Exists(sales)).exclude(Exists(sales.filter(completed_at__gte=now - int(days) * DAY)))
    # The summing segments: one grouped query over the organization's rows with the condition on the sum
    # (HAVING), not a sum per customer (at 100,000 customers and 2 million receipts that took 5-12 s).
    if kind == SegmentKind.REVENUE_THIS_YEAR:
        amount = _number(value, _("an amount in euros"))
        start = timezone.localtime(now).replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        sums = (
            Sale.objects.filter(
                organization_id=organization_id, customer__isnull=False, completed_at__gte=start, is_training=False
            )
            .order_by()
            .values("customer_id")
            .annotate(s=Sum("total"))
        )
        if amount < 0:  # a customer without a receipt this year has 0, which is over a negative amount
            return customers.exclude(pk__in=sums.filter(s__lte=amount).values("customer_id"))
        return customers.filter(pk__in=sums.filter(s__gt=amount).values("customer_id"))
    if kind == SegmentKind.TIER:
        tier = LoyaltyTier.objects.filter(organization_id=organization_id, name__iexact=(value or "").strip()).first()
        if tier is None:
            raise ValidationError({"segment_value": _("There is no tier of this name.")})
        if tier.threshold <= 0:
            return customers  # every customer has earned at least nothing
        reached = (
            LoyaltyEntry.objects.filter(organization_id=organization_id, created_at__gte=now - 365 * DAY)
            .filter(Q(kind=EntryKind.EARNED) | Q(kind=EntryKind.REVERSED, points__lt=0))
            .order_by()
            .values("customer_id")
            .annotate(p=Sum("points"))
            .filter(p__gte=tier.threshold)
            .values("customer_id")
        )
        return customers.filter(pk__in=reached)
    if kind == SegmentKind.STAMPS_ALMOST_FULL:
        missing = int(_number(value, _("a number of stamps")))
        match = Q()
        for card in StampCard.objects.filter(organization_id=organization_id, is_active=True):
            collected = (
                LoyaltyEntry.objects.filter(organization_id=organization_id, stamp_card=card)
                .order_by()
                .values("customer_id")
                .annotate(s=Sum("stamps"))
            )
            lowest = card.stamps_needed - missing
            match |= Q(pk__in=collected.filter(s__gte=lowest, s__lt=card.stamps_needed).values("customer_id"))
            if lowest <= 0 < card.stamps_needed:  # no stamp yet counts as 0 collected
                match |= ~Q(pk__in=collected.values("customer_id"))
        return customers.filter(match) if match else customers.none()
    raise ValidationError({"segment": _("Unknown segment.")})


def consenting(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """Of ``customers``, those who may get marketing e-mail: consent confirmed and an address."""
    return customers.filter(marketing_consent=True).exclude(email="")
