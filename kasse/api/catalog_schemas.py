"""Request and response bodies of the catalog API."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict

from kasse.api.types import MoneyIn, MoneyOut, Text
from kasse.catalog.models import ContentUnit, Unit
from kasse.core.barcodes import BarcodeKind
from kasse.core.vat import VatClass, vat_rate

NET_CONTENT_PATTERN = r"^[0-9]{1,7}(\.[0-9]{1,3})?$"
COLOR_PATTERN = r"^(#[0-9A-Fa-f]{6})?$"
MAX_POSITION = 2_147_483_647


class StrictIn(Schema):
    """Input bodies refuse unknown fields, so a typo is an error and not silently ignored."""

    model_config = ConfigDict(extra="forbid")


# --- Categories ------------------------------------------------------------------------------


class CategoryOut(Schema):
    id: UUID
    name: str = Field(..., examples=["Brot & Brötchen"])
    parent_id: UUID | None = Field(None, description="The parent category, if any.")
    position: int = Field(..., description="Sort position on the register (ascending).")
    color: str = Field(..., description="Tab colour `#RRGGBB`, or empty.", examples=["#C8A165"])
    is_active: bool
    created_at: datetime
    updated_at: datetime


class CategoryIn(StrictIn):
    name: Text = Field(..., min_length=1, max_length=100, examples=["Brot & Brötchen"])
    parent_id: UUID | None = Field(None, description="Id of the parent category, or null.")
    position: int = Field(0, ge=0, le=MAX_POSITION)
    color: str = Field("", pattern=COLOR_PATTERN, description="`#RRGGBB` or empty.", examples=["#C8A165"])
    is_active: bool = True


class CategoryPatch(StrictIn):
    """Only the fields sent are changed."""

    name: Text | None = Field(None, min_length=1, max_length=100)
    parent_id: UUID | None = None
    position: int | None = Field(None, ge=0, le=MAX_POSITION)
    color: str | None = Field(None, pattern=COLOR_PATTERN)
    is_active: bool | None = None


# --- Products --------------------------------------------------------------------------------


class BarcodeOut(Schema):
    code: str = Field(..., examples=["4006381333931"])
    kind: str = Field(..., description="One of: " + ", ".join(BarcodeKind.values) + ".", examples=["ean13"])


class StorePriceOut(Schema):
    store_id: UUID
    price: MoneyOut


class VariantOut(Schema):
    id: UUID
    name: str = Field(..., description="Empty for a product without variants.", examples=["M / blau"])
    sku: str = Field(..., examples=["K-3F2A9C10"])
    price: MoneyOut | None = Field(None, description="The variant's own price; null: the product's.")
    effective_price: MoneyOut = Field(..., description="The organization-wide selling price.")
    cost_price: MoneyOut | None = None
    attributes: dict[str, Any] = Field(..., examples=[{"Größe": "M", "Farbe": "blau"}])
    position: int
    is_active: bool
    barcodes: list[BarcodeOut]
    store_prices: list[StorePriceOut] = Field(..., description="Store-specific selling prices.")


class ProductOut(Schema):
    id: UUID
    name: str = Field(..., examples=["Roggenbrot 750 g"])
    description: str
    category_id: UUID | None
    unit: str = Field(..., description="One of: " + ", ".join(Unit.values) + ".", examples=["piece"])
    is_measured: bool = Field(..., description="Sold by weight or measure.")
    net_content: str | None = Field(None, description="Content of one pack (base price).", examples=["0.750"])
    net_content_unit: str = Field(..., examples=["kg"])
    vat_class: str = Field(..., description="One of: " + ", ".join(VatClass.values) + ".", examples=["reduced"])
    vat_rate: str = Field(..., description="Current VAT rate in percent.", examples=["7.00"])
    price: MoneyOut = Field(..., description="Selling price including VAT.")
    cost_price: MoneyOut | None = Field(None, description="Purchase price, net.")
    track_stock: bool
    is_active: bool
    is_favourite: bool
    image_url: str | None = None
    variants: list[VariantOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_net_content(obj: Any) -> str | None:
        return None if obj.net_content is None else f"{obj.net_content:.3f}"

    @staticmethod
    def resolve_vat_rate(obj: Any) -> str:
        return f"{vat_rate(obj.vat_class):.2f}"

    @staticmethod
    def resolve_image_url(obj: Any) -> str | None:
        return obj.image.url if obj.image else None


class BarcodeLookupOut(Schema):
    variant: VariantOut = Field(..., description="The variant the code belongs to.")
    product: ProductOut


class StorePriceIn(StrictIn):
    store_id: UUID
    price: MoneyIn


class VariantIn(StrictIn):
    id: UUID | None = Field(
        None, description="Id of an existing variant of this product to change; leave out to add a new one."
    )
    name: Text = Field("", max_length=120, examples=["M / blau"])
    sku: Text = Field("", max_length=64, description="Unique in the organization; empty: generated.")
    price: MoneyIn | None = Field(None, description="Own price; null: the product's price.")
    cost_price: MoneyIn | None = None
    barcodes: list[Text] = Field(
        [],
        max_length=50,
        description="EAN-13, EAN-8, UPC-A (with a valid check digit) or in-store codes.",
        examples=[["4006381333931"]],
    )
    attributes: dict[Text, Text] = Field({}, examples=[{"Größe": "M", "Farbe": "blau"}])
    is_active: bool = True
    store_prices: list[StorePriceIn] | None = Field(
        None,
        max_length=200,
        description="Store-specific prices. A list replaces all of them; null leaves them as they are.",
    )


VARIANTS_DESCRIPTION = (
    "All variants of the product, in order. On a change, variants left out are deactivated; "
    "leave the field out (or null) to keep them as they are. On create, none means one default variant."
)


class ProductIn(StrictIn):
    name: Text = Field(..., max_length=200, examples=["Roggenbrot 750 g"])
    description: Text = ""
    category_id: UUID | None = None
    unit: Text = Field("piece", json_schema_extra={"enum": list(Unit.values)})
    is_measured: bool = False
    net_content: str | None = Field(None, pattern=NET_CONTENT_PATTERN, examples=["0.750"])
    net_content_unit: Text = Field("", json_schema_extra={"enum": ["", *ContentUnit.values]})
    vat_class: Text = Field("standard", json_schema_extra={"enum": list(VatClass.values)})
    price: MoneyIn = Field(..., description="Selling price including VAT.")
    cost_price: MoneyIn | None = None
    track_stock: bool = True
    is_active: bool = True
    is_favourite: bool = False
    variants: list[VariantIn] | None = Field(None, max_length=200, description=VARIANTS_DESCRIPTION)


class ProductPatch(StrictIn):
    """Only the fields sent are changed."""

    name: Text | None = Field(None, max_length=200)
    description: Text | None = None
    category_id: UUID | None = None
    unit: Text | None = Field(None, json_schema_extra={"enum": list(Unit.values)})
    is_measured: bool | None = None
    net_content: str | None = Field(None, pattern=NET_CONTENT_PATTERN)
    net_content_unit: Text | None = Field(None, json_schema_extra={"enum": ["", *ContentUnit.values]})
    vat_class: Text | None = Field(None, json_schema_extra={"enum": list(VatClass.values)})
    price: MoneyIn | None = None
    cost_price: MoneyIn | None = None
    track_stock: bool | None = None
    is_active: bool | None = None
    is_favourite: bool | None = None
    variants: list[VariantIn] | None = Field(None, max_length=200, description=VARIANTS_DESCRIPTION)
