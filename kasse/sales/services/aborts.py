"""Keeping what was in a cart given up (AVBelegabbruch), for the DSFinV-K export's single records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from kasse.catalog.models import Variant
from kasse.core.money import ZERO
from kasse.sales.events import publish_aborted
from kasse.sales.models import AbortedCart, Shift, ShiftStatus
from kasse.sales.pricing import PricedLine
from kasse.sync.engine.changes import record
from kasse.tenancy.models import Employee, Register


@dataclass(frozen=True)
class AbortedItem:
    """A cart line as priced at the moment the cart was given up."""

    variant: Variant
    priced: PricedLine
    barcode: str = ""


def keep_aborted_cart(
    *,
    cart_id: uuid.UUID,
    register: Register,
    employee: Employee | None,
    started_at: datetime,
    training: bool,
    items: list[AbortedItem],
) -> AbortedCart | None:
    """Store the items of the cart ``cart_id`` (in the caller's transaction, which deletes the cart).
    Nothing for an empty cart; once per cart (a second call returns the first row)."""
    if not items:
        return None
    kept = AbortedCart.objects.filter(pk=cart_id).first()
    if kept is not None:
        return kept
    lines = []
    for position, item in enumerate(items, start=1):
        product = item.variant.product
        priced = item.priced
        lines.append(
            {
                "position": position,
                "name": f"{product.name} {item.variant.name}".strip()[:255],
                "sku": item.variant.sku,
                "barcode": item.barcode[:48],
                "unit": product.unit,
                "quantity": str(priced.quantity),
                "unit_price": str(priced.unit_price),
                "discount": str(priced.line_discount + priced.order_discount_share),
                "total": str(priced.total),
                "vat_rate": str(priced.vat_code.rate),
                "vat_dsfinvk_id": priced.vat_code.dsfinvk_id,
                "category_id": str(product.category_id or ""),
                "category": product.category.name if product.category is not None else "",
            }
        )
    kept = AbortedCart.objects.create(
        id=cart_id,
        organization_id=register.organization_id,
        store_id=register.store_id,
        register=register,
        shift=Shift.objects.filter(register=register, status=ShiftStatus.OPEN).first(),
        employee=employee,
        employee_name=employee.display_name if employee else "",
        started_at=started_at,
        aborted_at=timezone.now(),
        total=sum((item.priced.total for item in items), ZERO),
        training=training,
        lines=lines,
    )
    record("aborted_cart", [kept])
    publish_aborted(kept)
    return kept
