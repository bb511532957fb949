"""Reads of the stock ledger: stock levels, goods receipts, what a scanned code finds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from kasse.catalog.models import Variant
from kasse.catalog.selectors import search_products, variant_by_barcode
from kasse.inventory.models import GoodsReceipt, StockMovement
from kasse.tenancy.models import Employee, Organization, Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import has_capability, stores_with_capability


def stock_level(store: Store, variant: Variant) -> Decimal:
    total = StockMovement.objects.filter(store=store, variant=variant).aggregate(total=Sum("delta"))["total"]
    return total if total is not None else Decimal("0.000")


def stores_for_goods_receipts(employee: Employee | None) -> list[Store]:
    """Active stores in which ``employee`` may book goods receipts."""
    stores = Store.objects.filter(is_active=True).order_by("number", "name")
    return [s for s in stores if has_capability(employee, Capability.RECEIVE_GOODS, s)]


def recent_goods_receipts(store: Store, limit: int = 20) -> list[GoodsReceipt]:
    """The store's latest goods receipts, newest first, each with its ``line_count``."""
    return list(
        GoodsReceipt.objects.filter(store=store)
        .select_related("booked_by")
        .annotate(line_count=Count("movements"))
        .order_by("-number")[:limit]
    )


def goods_receipt_lines(receipt: GoodsReceipt) -> list[StockMovement]:
    """The movements booked with ``receipt``, in the order they were entered (UUIDv7 ids are time-ordered)."""
    return list(receipt.movements.select_related("variant__product").order_by("id"))


def label_counts(receipt: GoodsReceipt, max_copies: int) -> list[tuple[Variant, int]]:
    """Shelf labels for a goods receipt: one per received piece, one per line of goods sold by measure.

    A countable line of 12 pieces gives 12 labels (at most ``max_copies``); a line of 3.5 kg of
    cheese gives one label, since its pieces are cut and weighed at the counter.
    """
    from kasse.inventory.services import is_countable

    counts = []
    for movement in goods_receipt_lines(receipt):
        copies = int(movement.delta) if is_countable(movement.variant) else 1
        counts.append((movement.variant, max(1, min(copies, max_copies))))
    return counts


def variants_for_code(organization: Organization, code: str, limit: int = 10) -> list[Variant]:
    """What a typed or scanned entry finds: the variant of a barcode or SKU, else active variants whose
    product matches by name (at most ``limit``)."""
    code = code.strip()
    if not code:
        return []
    variant = variant_by_barcode(organization, code)
    if variant is None:
        variant = Variant.objects.filter(organization=organization, sku=code).select_related("product").first()
    if variant is not None:
        return [variant]
    products = search_products(organization, code, active=True)[:limit]
    return list(
        Variant.objects.filter(product__in=list(products), is_active=True)
        .select_related("product")
        .order_by("product__name", "position", "name")[:limit]
    )


def stock_stores(employee: Employee | None) -> list[Store]:
    """The stores whose stock ``employee`` may see (those where they may book goods receipts), by name."""
    allowed = stores_with_capability(employee, Capability.RECEIVE_GOODS)
    stores = Store.objects.order_by("name")
    if allowed is not None:
        stores = stores.filter(pk__in=allowed)
    return list(stores)


def stock_levels(
    organization: Organization,
    stores: list[Store],
    *,
    query: str = "",
    category_id: str | None = None,
    out_of_stock: bool = False,
) -> QuerySet[StockMovement, dict[str, Any]]:
    """Stock per variant and store of ``stores``: the sum of the ledger's movements, one row each
    (``store_id``, ``store__name``, ``variant_id``, product and variant names, SKU, category, ``quantity``),
    by product, variant and store. ``out_of_stock``: only rows at zero or below."""
    rows = StockMovement.objects.filter(organization=organization, store__in=stores)
    if query.strip() or category_id:
        products = search_products(organization, query, category_id=category_id).order_by().values("pk")
        rows = rows.filter(variant__product__in=products)
    grouped = (
        rows.values(
            "store_id",
            "store__name",
            "variant_id",
            "variant__name",
            "variant__sku",
            "variant__product_id",
            "variant__product__name",
            "variant__product__category__name",
        )
        .annotate(quantity=Sum("delta"))
        .order_by("variant__product__name", "variant__name", "variant_id", "store__name", "store_id")
    )
    if out_of_stock:
        grouped = grouped.filter(quantity__lte=0)
    return grouped
