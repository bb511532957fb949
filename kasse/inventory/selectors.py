"""Stock levels, summed from the movement ledger."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from kasse.catalog.models import Variant
from kasse.inventory.models import StockMovement
from kasse.tenancy.models import Store


def stock_level(store: Store, variant: Variant) -> Decimal:
    total = StockMovement.objects.filter(store=store, variant=variant).aggregate(total=Sum("delta"))["total"]
    return total if total is not None else Decimal("0.000")
