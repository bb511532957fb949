"""Read endpoints of where the organization sells and what it has: stores, registers, stock levels."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Max, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kasse.api.cursor import CursorParams, cursor_page
from kasse.api.errors import RequestError
from kasse.api.sales_schemas import RegisterPage, StockLevelPage, StorePage
from kasse.api.types import ERRORS, parse_since
from kasse.inventory.models import StockMovement
from kasse.tenancy.models import Register, Store
from kasse.tenancy.requests import ApiRequest

router = Router(tags=["stores"])


class SinceFilter(Schema):
    updated_since: datetime | None = Field(None, description="Only rows changed at or after this time.")


class RegisterFilters(SinceFilter):
    store_id: UUID | None = Field(None, description="Only this store's registers.")


class StockFilters(Schema):
    updated_since: datetime | None = Field(None, description="Only stock levels with a movement at or after this time.")
    store_id: UUID | None = None
    variant_id: UUID | None = None


def _since(queryset: QuerySet[Any], value: datetime | None) -> QuerySet[Any]:
    since = parse_since(value)
    return queryset if since is None else queryset.filter(updated_at__gte=since)


@router.get("/stores", response={200: StorePage, **ERRORS}, url_name="store_list")
def list_stores(request: ApiRequest, filters: Query[SinceFilter], page: Query[CursorParams]) -> dict[str, Any]:
    """The organization's stores."""
    return cursor_page(_since(Store.objects.filter(organization=request.organization), filters.updated_since), page)


@router.get("/registers", response={200: RegisterPage, **ERRORS}, url_name="register_list")
def list_registers(request: ApiRequest, filters: Query[RegisterFilters], page: Query[CursorParams]) -> dict[str, Any]:
    """The registers of every store."""
    registers = _since(Register.objects.filter(organization=request.organization), filters.updated_since)
    if filters.store_id is not None:
        registers = registers.filter(store_id=filters.store_id)
    return cursor_page(registers, page)


def _stock_cursor(text: str) -> tuple[uuid.UUID, uuid.UUID]:
    try:
        store, variant = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode().split("|")
        return uuid.UUID(store), uuid.UUID(variant)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        message = _("This cursor is not valid. Use the next_cursor of a previous page, or leave it out.")
        raise RequestError([{"field": "cursor", "message": message}]) from exc


@router.get("/stock-levels", response={200: StockLevelPage, **ERRORS}, url_name="stock_level_list")
def list_stock_levels(request: ApiRequest, filters: Query[StockFilters], page: Query[CursorParams]) -> dict[str, Any]:
    """Stock per store and variant: the sum of its stock movements (a ledger of deltas, never a stored total).
    Ordered by store and variant id."""
    movements = StockMovement.objects.filter(organization=request.organization)
    if filters.store_id is not None:
        movements = movements.filter(store_id=filters.store_id)
    if filters.variant_id is not None:
        movements = movements.filter(variant_id=filters.variant_id)
    if page.cursor:
        store_id, variant_id = _stock_cursor(page.cursor)
        movements = movements.filter(Q(store_id__gt=store_id) | Q(store_id=store_id, variant_id__gt=variant_id))
    levels = movements.values("store_id", "variant_id", "variant__sku").annotate(
        quantity=Sum("delta"), last_movement_at=Max("created_at")
    )
    since = parse_since(filters.updated_since)
    if since is not None:
        # Only the variants moved since (index stock_movement_org_created) are summed; the HAVING keeps
        # the pairs of store and variant exact.
        moved = StockMovement.objects.filter(organization=request.organization, created_at__gte=since)
        levels = levels.filter(variant_id__in=moved.values("variant_id"), last_movement_at__gte=since)
    rows = list(levels.order_by("store_id", "variant_id")[: page.limit + 1])
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    items = [
        {
            "store_id": row["store_id"],
            "variant_id": row["variant_id"],
            "sku": row["variant__sku"],
            "quantity": round(row["quantity"], 3),
            "last_movement_at": row["last_movement_at"],
        }
        for row in rows
    ]
    next_cursor = None
    if more and rows:
        last = f"{rows[-1]['store_id']}|{rows[-1]['variant_id']}"
        next_cursor = base64.urlsafe_b64encode(last.encode()).decode().rstrip("=")
    return {"items": items, "next_cursor": next_cursor}
