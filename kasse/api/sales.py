"""Read endpoints of what the registers did: receipts (sales and returns), shifts and Z reports.

Everything here is read only and scoped to the token's organization (API tokens are organization-wide,
docs/security.md). Lists are cursor pages in change order with ``updated_since`` (kasse/api/cursor.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from kasse.api.cursor import CursorParams, cursor_page
from kasse.api.sales_schemas import SaleOut, SalePage, ShiftOut, ShiftPage, ZReportOut
from kasse.api.types import ERRORS, ERRORS_WITH_ID, parse_since
from kasse.sales.models import Sale, SaleKind, Shift, ShiftStatus
from kasse.sales.services.shifts import shift_figures
from kasse.tenancy.requests import ApiRequest

router = Router(tags=["sales"])


class ReceiptFilters(Schema):
    updated_since: datetime | None = Field(None, description="Only receipts stored at or after this time.")
    store_id: UUID | None = Field(None, description="Only this store's receipts.")
    register_id: UUID | None = Field(None, description="Only this register's receipts.")


class ShiftFilters(Schema):
    updated_since: datetime | None = Field(None, description="Only shifts opened or closed at or after this time.")
    store_id: UUID | None = None
    register_id: UUID | None = None
    status: ShiftStatus | None = Field(None, description="`open` or `closed` (closed shifts have a Z report).")


def _with_parts(queryset: QuerySet[Sale]) -> QuerySet[Sale]:
    return queryset.prefetch_related("lines", "vat_rows", "payments")


def _receipts(request: ApiRequest, kind: str, filters: ReceiptFilters) -> QuerySet[Sale]:
    receipts = Sale.objects.filter(organization=request.organization, kind=kind)
    since = parse_since(filters.updated_since)
    if since is not None:
        receipts = receipts.filter(updated_at__gte=since)
    if filters.store_id is not None:
        receipts = receipts.filter(store_id=filters.store_id)
    if filters.register_id is not None:
        receipts = receipts.filter(register_id=filters.register_id)
    return receipts


@router.get("/sales", response={200: SalePage, **ERRORS}, url_name="sale_list")
def list_sales(request: ApiRequest, filters: Query[ReceiptFilters], page: Query[CursorParams]) -> dict[str, Any]:
    """Sales receipts with their lines, VAT rows and payments, in the order they were stored."""
    return cursor_page(_receipts(request, SaleKind.SALE, filters), page, prepare=_with_parts)


@router.get("/sales/{sale_id}", response={200: SaleOut, **ERRORS_WITH_ID}, url_name="sale_detail")
def get_sale(request: ApiRequest, sale_id: UUID) -> Sale:
    """One sales receipt."""
    return get_object_or_404(
        _with_parts(Sale.objects.filter(organization=request.organization, kind=SaleKind.SALE)), pk=sale_id
    )


@router.get("/returns", response={200: SalePage, **ERRORS}, url_name="return_list")
def list_returns(request: ApiRequest, filters: Query[ReceiptFilters], page: Query[CursorParams]) -> dict[str, Any]:
    """Returns (receipts of kind ``refund``, negative amounts), each with the receipt it returns."""
    return cursor_page(_receipts(request, SaleKind.REFUND, filters), page, prepare=_with_parts)


@router.get("/returns/{return_id}", response={200: SaleOut, **ERRORS_WITH_ID}, url_name="return_detail")
def get_return(request: ApiRequest, return_id: UUID) -> Sale:
    """One return."""
    return get_object_or_404(
        _with_parts(Sale.objects.filter(organization=request.organization, kind=SaleKind.REFUND)), pk=return_id
    )


@router.get("/shifts", response={200: ShiftPage, **ERRORS}, url_name="shift_list")
def list_shifts(request: ApiRequest, filters: Query[ShiftFilters], page: Query[CursorParams]) -> dict[str, Any]:
    """Shifts of the registers; a closed one carries its Z number and the cash count."""
    shifts = Shift.objects.filter(organization=request.organization)
    since = parse_since(filters.updated_since)
    if since is not None:
        shifts = shifts.filter(updated_at__gte=since)
    if filters.store_id is not None:
        shifts = shifts.filter(store_id=filters.store_id)
    if filters.register_id is not None:
        shifts = shifts.filter(register_id=filters.register_id)
    if filters.status is not None:
        shifts = shifts.filter(status=filters.status)
    return cursor_page(shifts, page)


@router.get("/shifts/{shift_id}", response={200: ShiftOut, **ERRORS_WITH_ID}, url_name="shift_detail")
def get_shift(request: ApiRequest, shift_id: UUID) -> Shift:
    """One shift."""
    return get_object_or_404(Shift.objects.filter(organization=request.organization), pk=shift_id)


@router.get("/shifts/{shift_id}/z-report", response={200: ZReportOut, **ERRORS_WITH_ID}, url_name="shift_z_report")
def get_z_report(request: ApiRequest, shift_id: UUID) -> dict[str, Any]:
    """The Z report of a closed shift: totals by payment method, VAT rate and employee. An open shift has
    none yet (404)."""
    shift: Shift = get_object_or_404(
        Shift.objects.filter(organization=request.organization, status=ShiftStatus.CLOSED), pk=shift_id
    )
    figures = shift_figures(shift)
    return {
        "shift": shift,
        "sales_count": figures.sales_count,
        "refunds_count": figures.refunds_count,
        "gross_sales": figures.gross_sales,
        "gross_refunds": figures.gross_refunds,
        "total": figures.total,
        "by_payment": [{"key": key, "amount": amount} for key, amount in figures.by_payment.items()],
        "by_vat": figures.by_vat,
        "by_employee": [{"key": key, "amount": amount} for key, amount in figures.by_employee.items()],
        "cash_in": figures.cash_in,
        "cash_out": figures.cash_out,
    }
