"""The sales side of loyalty: what a receipt's lines tell ``kasse.loyalty`` and where its entries are written.

A cart redeems points and full stamp cards through the pricing's :class:`~kasse.sales.pricing.Redemption`
stage; the sale and its returns write their ledger entries in the receipt's own transaction and outbox record.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from kasse.core.money import ZERO
from kasse.customers.models import Customer
from kasse.loyalty.booking import (
    Asked,
    LineFacts,
    LoyaltyError,
    Planned,
    ReturnedFacts,
    plan_redemption,
    return_entries,
    returned_before,
    sale_entries,
)
from kasse.sales.pricing import PricedLine, Redemption
from kasse.sales.services.errors import SaleError


def facts(
    variant: Any, quantity: Decimal, unit_price: Decimal, total: Decimal = ZERO, share: Decimal = ZERO
) -> LineFacts:
    """A line as loyalty sees it (a product flagged as a voucher or a deposit never earns points)."""
    product = variant.product
    return LineFacts(
        product_id=product.pk,
        category_id=product.category_id,
        quantity=quantity,
        unit_price=unit_price,
        total=total,
        order_share=share,
        no_points=bool(getattr(product, "is_voucher", False) or getattr(product, "is_deposit", False)),
    )


def plan(
    *, organization_id: Any, customer: Customer | None, asked: Asked | None, lines: Sequence[LineFacts], lock: bool
) -> tuple[Redemption | None, Planned | None]:
    """The redemption a cart asks for, checked against the customer's balance (:class:`SaleError` if not)."""
    if not asked:
        return None, None
    try:
        planned = plan_redemption(
            organization_id=organization_id, customer=customer, asked=asked, lines=lines, lock=lock
        )
    except LoyaltyError as exc:
        raise SaleError(str(exc)) from exc
    return Redemption(amount=planned.amount, free_units=planned.free_units), planned


def book_sale(
    sale: Any, customer: Customer | None, variants: Sequence[Any], priced: Sequence[PricedLine], planned: Planned | None
) -> list[Any]:
    """The loyalty entries of a completed sale with a customer (none without)."""
    if customer is None:
        return []
    lines = [
        facts(v, p.quantity, p.unit_price, p.total, p.order_discount_share)
        for v, p in zip(variants, priced, strict=True)
    ]
    return sale_entries(sale=sale, customer=customer, lines=lines, planned=planned)


def book_return(refund: Any, original: Any) -> list[Any]:
    """The loyalty entries of a return with its receipt: points and stamps of what came back."""
    if original is None or original.customer_id is None:
        return []
    this_return = {line.original_line_id: -line.quantity for line in refund.lines.all() if line.original_line_id}
    if not this_return:
        return []
    lines = [
        ReturnedFacts(
            facts=facts(o.variant, o.quantity, o.unit_price, o.total, o.order_discount_share),
            before=returned_before(o, refund.pk),
            now=this_return.get(o.pk, ZERO),
        )
        for o in original.lines.select_related("variant__product")
    ]
    return return_entries(refund=refund, original=original, customer=original.customer, lines=lines)
