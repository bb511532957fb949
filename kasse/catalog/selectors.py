"""Read queries on the catalog: barcode lookup, search, effective prices."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.db.models import Case, DecimalField, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When

from kasse.catalog.models import Barcode, Product, StorePrice, Variant
from kasse.core.money import round_money
from kasse.core.text import fold
from kasse.tenancy.models import Organization, Store


def variant_by_barcode(organization: Organization, code: str) -> Variant | None:
    """The variant a scanned code belongs to (one indexed query), or ``None``."""
    barcode = (
        Barcode.objects.filter(organization=organization, code=code.strip()).select_related("variant__product").first()
    )
    return barcode.variant if barcode else None


def search_products(
    organization: Organization,
    query: str = "",
    *,
    category_id: str | None = None,
    active: bool | None = None,
) -> QuerySet[Product]:
    """Products whose name, variants or SKU contain every word of ``query``.

    Case-, accent- and umlaut-insensitive (``brotchen`` finds ``Brötchen``).
    Ranked: the product named exactly so first ("Schrippe"), then names that start
    with the query ("Schrippe mit Mohn"), then the rest ("Käse-Schrippe"),
    alphabetically within each group. An exact barcode or SKU finds its product too.
    """
    qs = Product.objects.filter(organization=organization).select_related("category")
    if category_id:
        qs = qs.filter(category_id=category_id)
    if active is not None:
        qs = qs.filter(is_active=active)
    words = fold(query).split()
    if not words:
        return qs.order_by("name")
    text_match = Q()
    for word in words:
        text_match &= Q(search_text__contains=word)
    raw = query.strip()
    code_ids: list[object] = []
    if " " not in raw and any(ch.isdigit() for ch in raw):
        # Barcodes and SKUs carry digits (SKUs are in search_text as well). Two unique-index
        # lookups first keep the text filter a plain LIKE that the PostgreSQL trigram index
        # can serve; an OR with a join subquery made every search scan all rows.
        code_ids = [
            *Variant.objects.filter(organization=organization, sku=raw).values_list("product_id", flat=True),
            *Barcode.objects.filter(organization=organization, code=raw).values_list("variant__product_id", flat=True),
        ]
    qs = qs.filter(text_match | Q(pk__in=code_ids)) if code_ids else qs.filter(text_match)
    folded = " ".join(words)
    rank = Case(
        When(Q(name__iexact=raw) | Q(search_text=folded), then=Value(0)),
        When(Q(name__istartswith=raw) | Q(search_text__startswith=folded), then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return qs.alias(search_rank=rank).order_by("search_rank", *_search_order())


def _search_order() -> tuple[str, ...]:
    """Alphabetical order of search results, in the form each database serves fastest.

    SQLite has no trigram index and scans anyway; ordering by the indexed, folded
    ``search_text`` (which starts with the name) lets it stop after the first page.
    PostgreSQL finds matches through the pg_trgm index and sorts them; ordering by
    ``name`` keeps its planner from walking the ``search_text`` B-tree instead, which
    is slow when many matches sit late in the alphabet (see docs/benchmarks.md).
    """
    if connection.vendor == "postgresql":
        return ("name", "id")
    return ("search_text",)  # unique in practice: it carries the variants' SKUs


def selling_price(variant: Variant, store_price: Decimal | None) -> Decimal:
    """The price ``variant`` sells at: the store's own price if it has one, else the variant's, else the
    product's. The one rule; ``store_price`` comes from :func:`store_prices` or :func:`with_store_price`."""
    # round_money: SQLite hands an annotated decimal back as a float-born Decimal (3.10000000000000)
    return round_money(store_price) if store_price is not None else variant.effective_price


def store_prices(store_id: uuid.UUID | None, variant_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Decimal]:
    """The own prices of store ``store_id`` for these variants (one query), by variant id."""
    ids = list(variant_ids)
    if store_id is None or not ids:
        return {}
    return dict(StorePrice.objects.filter(store_id=store_id, variant_id__in=ids).values_list("variant_id", "price"))


def with_store_price(variants: QuerySet[Variant], store_id: uuid.UUID | None) -> QuerySet[Variant]:
    """``variants`` with ``store_price`` (the own price of store ``store_id`` or ``None``) in the same query."""
    if store_id is None:
        return variants.annotate(store_price=Value(None, output_field=DecimalField()))
    own = StorePrice.objects.filter(store_id=store_id, variant=OuterRef("pk")).values("price")[:1]
    return variants.annotate(store_price=Subquery(own, output_field=DecimalField()))


def price_for_store(variant: Variant, store: Store | None) -> Decimal:
    """The selling price of ``variant`` in ``store`` (one query for the store's own price)."""
    return selling_price(variant, store_prices(store.pk if store else None, [variant.pk]).get(variant.pk))


def stock_of_products(product_ids: Iterable[uuid.UUID], store_ids: set[uuid.UUID] | None) -> dict[uuid.UUID, Decimal]:
    """Each product's stock from the stock ledger, summed over its variants in the stores ``store_ids``
    (``None``: every store), in one query (through the variants' ``stock_movements`` relation, so the
    catalog does not import the inventory). A product never moved has 0."""
    movements = Q(stock_movements__store_id__in=store_ids) if store_ids is not None else Q()
    rows = (
        Variant.objects.filter(product_id__in=list(product_ids))
        .values("product_id")
        .annotate(quantity=Sum("stock_movements__delta", filter=movements))
        .order_by()
    )
    return {row["product_id"]: row["quantity"] or Decimal("0") for row in rows}
