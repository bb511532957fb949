"""Reads for the register: settings, the product grid, parked carts."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from kasse.catalog.models import Category, Product, Variant
from kasse.catalog.selectors import search_products
from kasse.register.models import Cart, CartStatus, RegisterSettings
from kasse.tenancy.models import Organization, Store


def register_settings(store: Store) -> RegisterSettings:
    """The store's register settings, or the defaults (unsaved) if none were saved yet."""
    found = RegisterSettings.objects.filter(store=store).first()
    return found or RegisterSettings(organization_id=store.organization_id, store=store)


def grid_categories(organization: Organization) -> QuerySet[Category]:
    return Category.objects.filter(organization=organization, is_active=True, parent__isnull=True)


GRID_SIZE = 48


def grid_products(organization: Organization, *, category_id: str | None = None, query: str = "",
                  favourites: bool = False) -> list[Product]:
    """Active products for the touch grid: favourites, a category, or a search."""
    if query:
        qs = search_products(organization, query, active=True)
    else:
        qs = Product.objects.filter(organization=organization, is_active=True)
        if category_id:
            qs = qs.filter(category_id=category_id)
        elif favourites:
            qs = qs.filter(is_favourite=True)
        qs = qs.order_by("name")
    return list(qs.select_related("category").prefetch_related(
        Prefetch("variants", queryset=Variant.objects.filter(is_active=True), to_attr="active_variants")
    )[:GRID_SIZE])


def parked_carts(store: Store) -> QuerySet[Cart]:
    return (Cart.objects.filter(store=store, status=CartStatus.PARKED)
            .select_related("employee", "customer").prefetch_related("lines").order_by("parked_at"))
