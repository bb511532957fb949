"""Response bodies of the sales, shift and store endpoints (read only)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from ninja import Field, Schema
from pydantic import PlainSerializer, WithJsonSchema

from kasse.api.types import MoneyOut

QuantityOut = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.3f}", return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{3}$", "examples": ["2.000"], "description": "Three decimals."}
    ),
]
RateOut = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$", "examples": ["19.00"]}),
]


class SaleLineOut(Schema):
    id: UUID
    position: int
    variant_id: UUID
    product_name: str
    variant_name: str
    sku: str
    barcode: str
    unit: str
    quantity: QuantityOut = Field(..., description="Negative on a return.")
    list_price: MoneyOut
    unit_price: MoneyOut
    line_discount: MoneyOut
    order_discount_share: MoneyOut
    total: MoneyOut = Field(..., description="Gross after all discounts.")
    vat_rate: RateOut
    vat_dsfinvk_id: int
    original_line_id: UUID | None


class SaleVatOut(Schema):
    vat_rate: RateOut
    vat_dsfinvk_id: int
    net: MoneyOut
    vat: MoneyOut
    gross: MoneyOut


class PaymentOut(Schema):
    position: int
    method: str = Field(..., description="cash, card, qr (QR payment), other or credit (exchange credit).")
    amount: MoneyOut
    tendered: MoneyOut
    change: MoneyOut
    reference: str


class SaleOut(Schema):
    """A receipt exactly as it was printed: a sale, or a return (kind ``refund``, negative amounts)."""

    id: UUID
    kind: str = Field(..., description="`sale` or `refund`.")
    store_id: UUID
    register_id: UUID
    shift_id: UUID
    receipt_number: int = Field(..., description="Gapless per register.")
    employee_id: UUID
    employee_name: str
    customer_id: UUID | None
    original_sale_id: UUID | None = Field(None, description="On a return: the receipt it returns.")
    is_training: bool = Field(
        False, description="A training receipt (training mode, DSFinV-K `AVTraining`): no revenue, no cash, no stock."
    )
    started_at: datetime
    completed_at: datetime
    currency: str
    subtotal: MoneyOut
    order_discount: MoneyOut
    total: MoneyOut
    lines: list[SaleLineOut]
    vat_rows: list[SaleVatOut]
    payments: list[PaymentOut]
    updated_at: datetime


class SalePage(Schema):
    items: list[SaleOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last.")


class ShiftOut(Schema):
    """A shift on a register; once closed, its Z report's number and the cash count."""

    id: UUID
    store_id: UUID
    register_id: UUID
    status: str = Field(..., description="`open` or `closed`.")
    opened_at: datetime
    opened_by_id: UUID
    opening_float: MoneyOut
    closed_at: datetime | None
    closed_by_id: UUID | None
    closing_number: int | None = Field(None, description="The Z report's number, gapless per register.")
    expected_cash: MoneyOut | None
    counted_cash: MoneyOut | None
    difference: MoneyOut | None = Field(None, description="Counted minus expected.")
    updated_at: datetime


class ShiftPage(Schema):
    items: list[ShiftOut]
    next_cursor: str | None


class AmountByKey(Schema):
    key: str
    amount: MoneyOut


class ZReportOut(Schema):
    """The figures of a closed shift, as printed on its Z report."""

    shift: ShiftOut
    sales_count: int
    refunds_count: int
    gross_sales: MoneyOut
    gross_refunds: MoneyOut
    total: MoneyOut
    by_payment: list[AmountByKey] = Field(..., description="Key: payment method.")
    by_vat: list[SaleVatOut]
    by_employee: list[AmountByKey] = Field(..., description="Key: the employee's name as printed.")
    cash_in: MoneyOut
    cash_out: MoneyOut


class StoreOut(Schema):
    id: UUID
    number: int
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    time_zone: str
    is_active: bool
    updated_at: datetime


class StorePage(Schema):
    items: list[StoreOut]
    next_cursor: str | None


class RegisterOut(Schema):
    id: UUID
    store_id: UUID
    number: int
    name: str
    serial_number: str
    is_active: bool
    updated_at: datetime


class RegisterPage(Schema):
    items: list[RegisterOut]
    next_cursor: str | None


class StockLevelOut(Schema):
    store_id: UUID
    variant_id: UUID
    sku: str
    quantity: QuantityOut = Field(..., description="The sum of every stock movement of the variant in the store.")
    last_movement_at: datetime


class StockLevelPage(Schema):
    items: list[StockLevelOut]
    next_cursor: str | None
