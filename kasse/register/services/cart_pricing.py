"""How the register prices a cart and shows it: the cart's lines as ``price_cart`` sees them (the same fields
``checkout_cart`` hands to ``complete_sale``), the promotions in force, the loyalty redemption; one rule for
the cart page, the customer display, the pole display and checkout (docs/pricing.md)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from kasse.catalog.selectors import selling_price, store_prices
from kasse.loyalty.selectors import Account, account
from kasse.promotions.selectors import CouponError
from kasse.register.models import Cart, CartLine
from kasse.register.services import cart_loyalty
from kasse.sales.pricing import CartItem, PricedCart, PricedLine, VatCode, price_cart
from kasse.sales.promotion_step import Offer
from kasse.sales.services.coupons import check_coupon, offers_in_force


@dataclass(frozen=True)
class CartLineView:
    """A cart line with its price, as the register and the customer display show it."""

    line: CartLine
    priced: PricedLine

    @property
    def unit_price(self) -> Decimal:
        return self.priced.unit_price

    @property
    def discount(self) -> Decimal:
        return self.priced.line_discount

    @property
    def total(self) -> Decimal:
        return self.priced.total


@dataclass(frozen=True)
class CartView:
    """The cart and its price (:func:`kasse.sales.pricing.price_cart`, as ``complete_sale`` prices it)."""

    cart: Cart
    totals: PricedCart
    lines: list[CartLineView] = field(default_factory=list)
    loyalty_error: str = ""  # why the redemption asked for does not fit (then the cart is priced without it)
    loyalty: Account | None = None  # the customer's points and stamp cards (with a customer in a program)

    @property
    def total(self) -> Decimal:
        return self.totals.total


def _item(line: CartLine, store_price: Decimal | None) -> CartItem:
    """A cart line as the pricing sees it (the same fields ``checkout_cart`` hands to ``complete_sale``)."""
    return CartItem(
        list_price=selling_price(line.variant, store_price),
        quantity=line.quantity,
        vat=VatCode.current(line.variant.product.vat_class),
        price=line.unit_price,
        discount_percent=line.discount_percent,
        discount_amount=line.discount_amount,
        product_id=str(line.variant.product_id),
        category_id=str(line.variant.product.category_id) if line.variant.product.category_id else None,
    )


def _offers(cart: Cart) -> list[Offer]:
    """The promotions in force for this cart now; a coupon that stopped being valid is left out here
    (the cart shows the price without it) and refused with its reason at checkout."""
    codes = []
    for code in cart.coupon_codes or []:
        try:
            check_coupon(cart.organization_id, cart.store, code)
        except CouponError:
            continue
        codes.append(code)
    return offers_in_force(cart.organization_id, cart.store, cart.customer_id, codes)


def line_amount(line: CartLine) -> Decimal:
    """The line's amount before discounts (what a line discount is on)."""
    own = store_prices(line.cart.store_id, [line.variant_id]).get(line.variant_id)
    return price_cart([replace(_item(line, own), discount_percent=None, discount_amount=None)]).lines[0].amount


def cart_view(cart: Cart) -> CartView:
    """The cart as the register and the customer display show it: priced by the one rule."""
    lines = list(cart.lines.select_related("variant__product"))
    own = store_prices(cart.store_id, [ln.variant_id for ln in lines]) if lines else {}
    priced, loyalty_error = cart_loyalty.price(
        cart, lines, [_item(ln, own.get(ln.variant_id)) for ln in lines], offers=_offers(cart) if lines else ()
    )
    return CartView(
        cart=cart,
        totals=priced,
        lines=[CartLineView(ln, p) for ln, p in zip(lines, priced.lines, strict=True)],
        loyalty_error=loyalty_error,
        loyalty=account(cart.customer_id, cart.organization_id) if cart.customer_id else None,
    )


def cart_totals(cart: Cart) -> PricedCart:
    return cart_view(cart).totals
