"""The reorder levels ("Meldebestand") of a product, at /stock/reorder-levels/<product id>/: one row per
variant, a column for every store (the level for all stores, if the user may set it, and each store's own),
beside the stock there. An empty field means no level."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kasse.backoffice.access import backoffice_view
from kasse.catalog.models import Product
from kasse.core.actors import Actor
from kasse.inventory import selectors
from kasse.inventory.models import StockMovement, StockThreshold
from kasse.inventory.services import InventoryError, LevelEntry, parse_quantity, set_reorder_levels
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest
from kasse.tenancy.selectors import has_capability_everywhere


def _field(variant_id: uuid.UUID, store_id: uuid.UUID | None) -> str:
    return f"level-{variant_id}-{store_id or 'all'}"


@backoffice_view(Capability.RECEIVE_GOODS)
def reorder_levels(request: BackofficeRequest, product_id: uuid.UUID) -> HttpResponse:
    """Show and set a product's reorder levels in the stores whose stock the user sees."""
    product: Product = get_object_or_404(Product, pk=product_id)
    stores = [store for store in selectors.stock_stores(request.employee) if store.is_active]
    if not stores:
        raise Http404
    everywhere = has_capability_everywhere(request.employee, Capability.RECEIVE_GOODS)
    variants = list(product.variants.filter(is_active=True).order_by("position", "name"))
    columns: list[Any] = ([None] if everywhere else []) + stores
    levels = {
        (level.variant_id, level.store_id): level.minimum
        for level in StockThreshold.objects.filter(variant__in=variants)
    }
    stock = {
        (row["variant_id"], row["store_id"]): row["quantity"]
        for row in StockMovement.objects.filter(variant__in=variants, store__in=stores)
        .values("variant_id", "store_id")
        .annotate(quantity=Sum("delta"))
        .order_by()
    }
    error = ""
    typed: dict[str, str] = {}
    if request.method == "POST":
        entries = []
        try:
            for variant in variants:
                for store in columns:
                    name = _field(variant.pk, store.pk if store else None)
                    raw = request.POST.get(name, "").strip()[:20]
                    typed[name] = raw
                    entries.append(
                        LevelEntry(variant.pk, store.pk if store else None, parse_quantity(raw) if raw else None)
                    )
            changed = set_reorder_levels(
                actor=Actor.for_user(request.user),
                organization=request.organization,
                employee=request.employee,
                entries=entries,
            )
        except InventoryError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Reorder levels saved (%(n)s changed).") % {"n": changed})
            return redirect("inventory:reorder-levels", product_id=product.pk)
    rows = []
    for variant in variants:
        cells = []
        for store in columns:
            store_id = store.pk if store else None
            name = _field(variant.pk, store_id)
            level = levels.get((variant.pk, store_id))
            value = typed.get(name, "" if level is None else _plain(level))
            in_force = levels.get((variant.pk, store_id), levels.get((variant.pk, None))) if store else None
            quantity = stock.get((variant.pk, store_id), Decimal("0.000")) if store else None
            low = store is not None and in_force is not None and quantity is not None and quantity < in_force
            cells.append({"store": store, "name": name, "value": value, "quantity": quantity, "low": low})
        rows.append({"variant": variant, "cells": cells})
    context = {"product": product, "columns": columns, "rows": rows, "error": error}
    return render(request, "inventory/backoffice/reorder_levels.html", context, status=422 if error else 200)


def _plain(value: Decimal) -> str:
    """``5.000`` → ``5``, ``1.250`` → ``1.25``: the level as a person would type it."""
    return str(value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize())
