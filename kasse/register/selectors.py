"""Reads for the register: settings, the product grid, parked carts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from kasse.catalog.models import Category, Product, Variant
from kasse.catalog.selectors import search_products, selling_price, with_store_price
from kasse.register.models import Cart, CartStatus, RegisterSettings
from kasse.tenancy.models import Organization, Store


def register_settings(store: Store) -> RegisterSettings:
    """The store's register settings, or the defaults (unsaved) if none were saved yet."""
    found = RegisterSettings.objects.filter(store=store).first()
    return found or RegisterSettings(organization_id=store.organization_id, store=store)


def grid_categories(organization: Organization) -> QuerySet[Category]:
    return Category.objects.filter(organization=organization, is_active=True, parent__isnull=True)


GRID_SIZE = 48


@dataclass(frozen=True)
class Tile:
    """A product on the touch grid with the price it sells at in this store.

    ``price`` is the lowest of its active variants' selling prices (store price → variant price →
    product price, :func:`kasse.catalog.selectors.selling_price`); ``price_varies`` says the variants
    differ ("from 2,50 €"). Tapping a single-variant tile adds it at exactly this price.
    """

    product: Product
    variants: Sequence[Variant]
    price: Decimal
    price_varies: bool


def tile(product: Product, variants: Sequence[Variant]) -> Tile:
    """``product``'s tile; ``variants`` were read with their ``store_price`` (``with_store_price``)."""
    prices = [selling_price(v, getattr(v, "store_price", None)) for v in variants] or [product.price]
    return Tile(product=product, variants=variants, price=min(prices), price_varies=len(set(prices)) > 1)


@dataclass(frozen=True)
class GridPage:
    """One page of the touch grid: its tiles and where it sits in the whole list ("1–48 of 87")."""

    tiles: Sequence[Tile]
    total: int
    offset: int
    category_id: str
    query: str
    favourites: bool

    @property
    def products(self) -> list[Product]:
        return [t.product for t in self.tiles]

    @property
    def first(self) -> int:
        return self.offset + 1 if self.tiles else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.tiles)

    @property
    def previous_offset(self) -> int | None:
        return max(self.offset - GRID_SIZE, 0) if self.offset > 0 else None

    @property
    def next_offset(self) -> int | None:
        return self.last if self.last < self.total else None


def grid_products(
    organization: Organization,
    *,
    store_id: uuid.UUID | None,
    category_id: str | None = None,
    query: str = "",
    favourites: bool = False,
    offset: int = 0,
) -> GridPage:
    """Active products for the touch grid: favourites, a category, or a search, GRID_SIZE at a time,
    each with its price in store ``store_id`` (read with the variants: no extra query)."""
    if query:
        qs = search_products(organization, query, active=True)
    else:
        qs = Product.objects.filter(organization=organization, is_active=True)
        if category_id:
            qs = qs.filter(category_id=category_id)
        elif favourites:
            qs = qs.filter(is_favourite=True)
        qs = qs.order_by("name")
    total = qs.count()
    offset = min(offset, max(total - 1, 0)) // GRID_SIZE * GRID_SIZE  # a page boundary inside the list
    variants = with_store_price(Variant.objects.filter(is_active=True), store_id)
    products = list(
        qs.select_related("category").prefetch_related(
            Prefetch("variants", queryset=variants, to_attr="active_variants")
        )[offset : offset + GRID_SIZE]
    )
    return GridPage(
        tiles=[tile(p, p.active_variants) for p in products],
        total=total,
        offset=offset,
        category_id=str(category_id or ""),
        query=query,
        favourites=favourites and not category_id and not query,
    )


def parked_carts(store: Store) -> QuerySet[Cart]:
    return (
        Cart.objects.filter(store=store, status=CartStatus.PARKED)
        .select_related("employee", "customer")
        .prefetch_related("lines")
        .order_by("parked_at")
    )


PIN_LOCKOUT_DAYS = 7


def recent_pin_lockouts(
    organization: Organization, viewer: object, *, days: int = PIN_LOCKOUT_DAYS, limit: int = 20
) -> list[dict[str, object]]:
    """PIN lockouts of the last ``days`` (audit ``register.pin.locked_out``) in stores the viewer manages.

    Shown on the back office's start page, so an owner notices somebody guessing PINs.
    Entries written on a store node arrive with its audit log.
    """
    from datetime import timedelta

    from django.utils import timezone

    from kasse.core.models import AuditEntry
    from kasse.register.services.pin_guard import LOCKED_OUT_ACTION
    from kasse.tenancy.models import Register
    from kasse.tenancy.permissions import Capability
    from kasse.tenancy.selectors import has_capability

    since = timezone.now() - timedelta(days=days)
    entries = list(
        AuditEntry.objects.filter(organization=organization, action=LOCKED_OUT_ACTION, created_at__gte=since).order_by(
            "-created_at"
        )[:200]
    )
    if not entries:
        return []
    stores = {str(s.pk): s for s in Store.objects.filter(organization=organization)}
    registers = {str(r.pk): r for r in Register.objects.filter(organization=organization)}
    rows: list[dict[str, object]] = []
    for entry in entries:
        store = stores.get(str(entry.data.get("store", "")))
        if store is None or not has_capability(viewer, Capability.MANAGE_EMPLOYEES, store):  # type: ignore[arg-type]
            continue
        register = registers.get(entry.object_id)
        rows.append(
            {
                "at": entry.created_at,
                "store": store,
                "register": register.name if register else "",
                "employee_name": str(entry.data.get("employee_name", "")),
                "whole_organization": entry.data.get("scope") == "organization",
                "minutes": max(1, int(entry.data.get("seconds", 60)) // 60),
                "purpose": entry.data.get("purpose", ""),
            }
        )
        if len(rows) >= limit:
            break
    return rows
