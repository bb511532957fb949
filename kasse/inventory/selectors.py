"""Reads of the stock ledger: stock levels, goods receipts, what a scanned code finds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from kasse.catalog.models import Variant
from kasse.catalog.selectors import search_products, variant_by_barcode
from kasse.inventory.models import GoodsReceipt, StockMovement, StockThreshold
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
    low_only: bool = False,
) -> QuerySet[StockMovement, dict[str, Any]]:
    """Stock per variant and store of ``stores``: the sum of the ledger's movements, one row each
    (``store_id``, ``store__name``, ``variant_id``, product and variant names, SKU, category, ``quantity``,
    ``minimum``: the reorder level in force there or ``None``), by product, variant and store.
    ``out_of_stock``: only rows at zero or below; ``low_only``: only rows below their reorder level."""
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
        .annotate(quantity=Sum("delta"), minimum=threshold_in_force(OuterRef("store_id"), OuterRef("variant_id")))
        .order_by("variant__product__name", "variant__name", "variant_id", "store__name", "store_id")
    )
    if out_of_stock:
        grouped = grouped.filter(quantity__lte=0)
    if low_only:
        grouped = grouped.filter(minimum__isnull=False, quantity__lt=F("minimum"))
    return grouped


def threshold_in_force(store_id: Any, variant_id: Any) -> Coalesce:
    """The reorder level of a variant in a store as an SQL expression: the store's own, else the one for
    every store, else NULL (``store_id`` and ``variant_id`` are expressions such as ``OuterRef``)."""
    own = StockThreshold.objects.filter(store_id=store_id, variant_id=variant_id).values("minimum")[:1]
    every = StockThreshold.objects.filter(store__isnull=True, variant_id=variant_id).values("minimum")[:1]
    field: DecimalField = DecimalField(max_digits=12, decimal_places=3)
    return Coalesce(Subquery(own, output_field=field), Subquery(every, output_field=field), output_field=field)


@dataclass(frozen=True)
class LowStock:
    """A variant whose stock in a store is below its reorder level."""

    store: Store
    variant: Variant  # with its product
    quantity: Decimal
    minimum: Decimal


def low_stock(
    organization: Organization,
    stores: Iterable[Store] | None = None,
    *,
    product_ids: Iterable[Any] | None = None,
) -> list[LowStock]:
    """Which stock is below its reorder level: every (store, variant) of ``stores`` (default: the
    organization's active stores) whose reorder level in force (:class:`StockThreshold`, the store's own
    else the one for every store) is above the ledger's sum, ordered by store name, product and variant
    name. A variant never moved in the store counts as 0. Inactive products and variants are left out.
    ``product_ids`` narrows to those products.

    Three queries whatever the number of stores and levels: the levels, the sums of their variants, the
    variants. This is what the Übersicht's alert and the notifications (issue 17) read.
    """
    if stores is None:
        stores = Store.objects.filter(organization=organization, is_active=True)
    by_id = {store.pk: store for store in stores}
    if not by_id:
        return []
    levels = StockThreshold.objects.filter(
        Q(store__isnull=True) | Q(store_id__in=list(by_id)),
        organization=organization,
        variant__is_active=True,
        variant__product__is_active=True,
    )
    if product_ids is not None:
        levels = levels.filter(variant__product_id__in=list(product_ids))
    every: dict[Any, Decimal] = {}
    own: dict[tuple[Any, Any], Decimal] = {}
    for variant_id, store_id, minimum in levels.values_list("variant_id", "store_id", "minimum"):
        if store_id is None:
            every[variant_id] = minimum
        else:
            own[(store_id, variant_id)] = minimum
    in_force = {(store_id, variant_id): minimum for store_id in by_id for variant_id, minimum in every.items()}
    in_force.update(own)
    if not in_force:
        return []
    variant_ids = {variant_id for _store_id, variant_id in in_force}
    sums = {
        (row["store_id"], row["variant_id"]): row["quantity"]
        for row in StockMovement.objects.filter(
            organization=organization, store_id__in=list(by_id), variant_id__in=list(variant_ids)
        )
        .values("store_id", "variant_id")
        .annotate(quantity=Sum("delta"))
        .order_by()
    }
    below = {key: (sums.get(key) or Decimal("0.000"), minimum) for key, minimum in in_force.items()}
    below = {key: pair for key, pair in below.items() if pair[0] < pair[1]}
    variants = Variant.objects.filter(pk__in={variant_id for _s, variant_id in below}).select_related("product")
    by_variant = {variant.pk: variant for variant in variants}
    found = [
        LowStock(by_id[store_id], by_variant[variant_id], quantity, minimum)
        for (store_id, variant_id), (quantity, minimum) in below.items()
    ]
    found.sort(key=lambda item: (item.store.name, item.variant.product.name, item.variant.name, str(item.variant.pk)))
    return found
