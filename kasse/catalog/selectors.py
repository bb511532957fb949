"""Read queries on the catalog: barcode lookup, search, effective prices."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from kasse.catalog.models import Barcode, Product, StorePrice, Variant
from kasse.core.text import fold
from kasse.tenancy.models import Organization, Store


def variant_by_barcode(organization: Organization, code: str) -> Variant | None:
    """The variant a scanned code belongs to (one indexed query), or ``None``."""
    barcode = (
        Barcode.objects.filter(organization=organization, code=code.strip())
        .select_related("variant__product")
        .first()
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
            *Barcode.objects.filter(organization=organization, code=raw)
            .values_list("variant__product_id", flat=True),
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


def price_for_store(variant: Variant, store: Store | None) -> Decimal:
    """The selling price of ``variant`` in ``store``: store override, variant, product."""
    if store is not None:
        override = (
            StorePrice.objects.filter(store=store, variant=variant).values_list("price", flat=True).first()
        )
        if override is not None:
            return override
    return variant.effective_price
