"""Read queries on customers: search, and a customer's purchases."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum

from kasse.core.text import fold
from kasse.customers.models import Customer
from kasse.tenancy.models import Organization

RECENT_RECEIPTS = 20


def search_customers(organization: Organization, query: str = "") -> QuerySet[Customer]:
    """Customers matching every word (name, company, e-mail, phone, number, card)."""
    qs = Customer.objects.filter(organization=organization)
    words = fold(query).split()
    match = Q()
    for word in words:
        match &= Q(search_text__contains=word)
    raw = query.strip()
    if raw:
        match |= Q(loyalty_card_code=raw)
    return qs.filter(match)


@dataclass(frozen=True)
class Purchases:
    """A customer's purchases in some stores: revenue (sales minus returns, gross), visits (receipts of
    kind sale), the last visit, and the latest receipts (``Sale`` rows, newest first)."""

    revenue: Decimal
    visits: int
    returns: int
    last_visit: datetime.datetime | None
    receipts: list[Any]


def purchases(customer: Customer, store_ids: set[uuid.UUID] | None, limit: int = RECENT_RECEIPTS) -> Purchases:
    """``customer``'s receipts in the stores ``store_ids`` (``None``: every store), in two queries.

    Read through the customer's ``sales`` relation (the receipts point to the customer; the customers
    app does not import the sales app). A return's total is negative, so the sum is the net revenue."""
    sales = customer.sales.all()
    if store_ids is not None:
        sales = sales.filter(store_id__in=store_ids)
    totals = sales.filter(is_training=False).aggregate(  # a training receipt is no purchase
        revenue=Sum("total"),
        visits=Count("id", filter=Q(kind="sale")),
        returns=Count("id", filter=~Q(kind="sale")),
        last_visit=Max("completed_at", filter=Q(kind="sale")),
    )
    receipts = list(sales.select_related("store", "register").order_by("-completed_at", "-id")[:limit])
    return Purchases(
        revenue=totals["revenue"] or Decimal("0.00"),
        visits=totals["visits"],
        returns=totals["returns"],
        last_visit=totals["last_visit"],
        receipts=receipts,
    )
