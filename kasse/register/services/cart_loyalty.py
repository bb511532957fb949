"""Loyalty on the register's cart: what the customer redeems (points, full stamp cards) and its price.

The cart keeps what was asked for (``Cart.redeem_points``, ``Cart.redeem_stamp_cards``); the cart, the
customer display and ``complete_sale`` price it with the same redemption stage of ``price_cart``, and
checkout checks it again against the balance with the customer's row locked.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from kasse.core.services import tenant_service
from kasse.loyalty.booking import Asked, check_redeemed
from kasse.loyalty.selectors import program_of
from kasse.register.models import Cart, CartLine
from kasse.sales.pricing import CartItem, PricedCart, price_cart
from kasse.sales.promotion_step import Offer
from kasse.sales.services import loyalty as sales_loyalty
from kasse.sales.services.errors import SaleError


def asked(cart: Cart) -> Asked:
    """What the cart redeems."""
    return Asked(
        points=cart.redeem_points or 0,
        stamp_cards=tuple(uuid.UUID(str(c)) for c in cart.redeem_stamp_cards or []),
    )


def price(
    cart: Cart, lines: Sequence[CartLine], items: Sequence[CartItem], offers: Sequence[Offer] = ()
) -> tuple[PricedCart, str]:
    """The cart priced with the promotions in force (``offers``) and its redemption; when the redemption no
    longer fits (the balance or the cart changed), the cart without it and the reason, which the register
    shows and checkout refuses."""
    base: dict[str, Any] = {
        "order_discount_percent": cart.order_discount_percent,
        "order_discount_amount": cart.order_discount_amount,
        "offers": offers,
    }
    wanted = asked(cart)
    if not wanted or not lines:
        return price_cart(items, **base), ""
    try:
        redemption, planned = sales_loyalty.plan(
            organization_id=cart.organization_id,
            customer=cart.customer,
            asked=wanted,
            lines=[
                sales_loyalty.facts(ln.variant, it.quantity, it.unit_price) for ln, it in zip(lines, items, strict=True)
            ],
            lock=False,
        )
        priced = price_cart(items, redemption=redemption, **base)
        if planned is not None:
            program = program_of(cart.organization_id)
            check_redeemed(
                planned,
                priced.loyalty_discount,
                priced.total + priced.loyalty_discount,
                program.point_value if program else None,
            )
    except (SaleError, ValueError) as exc:
        return price_cart(items, **base), _error(exc)
    return priced, ""


def _error(exc: Exception) -> str:
    messages = getattr(exc, "messages", None)
    return " ".join(messages) if messages else str(exc)


@tenant_service
def set_redemption(*, cart: Cart, points: str | None = None, stamp_card: str | None = None) -> Cart:
    """Redeem ``points`` (a whole number; 0 takes the redemption back) and/or toggle a full stamp card.
    Refused with a translated message, changing nothing, when the cart cannot take it."""
    from kasse.register.services.cart_pricing import cart_view  # the cart's pricing, with this redemption

    if cart.customer_id is None:
        raise SaleError(_("Please identify the customer first."))
    before = (cart.redeem_points, list(cart.redeem_stamp_cards or []))
    if points is not None:
        text = points.strip()
        if not text.isdigit() or len(text) > 9:
            raise SaleError(_("Please enter a whole number of points."))
        cart.redeem_points = int(text)
    if stamp_card:
        try:
            card = str(uuid.UUID(stamp_card))
        except ValueError as exc:
            raise SaleError(_("This stamp card does not exist.")) from exc
        cards = [str(c) for c in cart.redeem_stamp_cards or []]
        cart.redeem_stamp_cards = [c for c in cards if c != card] if card in cards else [*cards, card]
    view = cart_view(cart)
    if view.loyalty_error:
        cart.redeem_points, cart.redeem_stamp_cards = before
        raise SaleError(view.loyalty_error)
    cart.save(update_fields=["redeem_points", "redeem_stamp_cards", "updated_at"])
    return cart
