"""Cart operations on the register. Each is one short transaction; checkout turns the
cart into a sale with ``complete_sale`` and the cart's id as the sale's id."""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Max, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from kasse.catalog.models import Variant
from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.customers.models import Customer
from kasse.payments.checkout import claim_card_tenders
from kasse.printing.services import enqueue_sale_receipt
from kasse.register.models import Cart, CartLine, CartStatus, TrainingMode
from kasse.register.services import cart_loyalty
from kasse.register.services.cart_pricing import cart_totals, cart_view, line_amount
from kasse.register.services.scanning import ScanResult
from kasse.sales.fiscal_signing import sign_abort, sign_sale, tse_in_use
from kasse.sales.fiscal_start import start_in_background
from kasse.sales.models import Sale
from kasse.sales.pricing import PricedCart, discount_of
from kasse.sales.services.aborts import AbortedItem, keep_aborted_cart
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.errors import SaleError
from kasse.sales.services.rules import Approval, check_amount, check_quantity, discount_amount, discount_needs_manager
from kasse.tenancy.models import Employee, Register, Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import has_capability

logger = logging.getLogger(__name__)


class WeightRequired(SaleError):
    """A measured product was scanned or tapped without a weight; the register asks for it."""

    def __init__(self, variant: Variant) -> None:
        super().__init__(_("“%(name)s” is sold by weight: please enter the weight.") % {"name": variant})
        self.variant = variant


def active_cart(register: Register, employee: Employee) -> Cart:
    """The register's active cart, created on first use (one per register)."""
    cart = Cart.objects.filter(register=register, status=CartStatus.ACTIVE).first()
    if cart is None:
        try:
            with transaction.atomic():
                cart = Cart.objects.create(
                    organization_id=register.organization_id,
                    store_id=register.store_id,
                    register=register,
                    employee=employee,
                    training=TrainingMode.objects.filter(register=register).exists(),
                )
        except IntegrityError:
            cart = Cart.objects.get(register=register, status=CartStatus.ACTIVE)
    # The request's register (loaded with its store by the device's token): paying asks it whether a TSE
    # is in use and checkout reads its store, the promotions in force are the store's (its time zone).
    # Without this each was one query more per request.
    cart.register = register
    if Register.store.is_cached(register):
        cart.store = register.store
    return cart


def sale_of_paid_cart(register: Register, shown: str) -> Sale | None:
    """The sale that paid the cart ``shown`` (its id, as the register's pay request sends it) on ``register``, if
    there is one. A sale keeps its cart's id (``checkout_cart``), so a pay that comes in after the first one
    committed (a double tap that reached the server late, a request sent again) finds what the first one stored
    instead of paying the empty cart that replaced it."""
    try:
        cart_id = uuid.UUID(str(shown))
    except ValueError:
        return None
    return Sale.objects.filter(pk=cart_id, register=register).first()


def _next_position(cart: Cart) -> int:
    return (cart.lines.aggregate(p=Max("position"))["p"] or 0) + 1


def scan_takes_times(scan: ScanResult) -> bool:
    """Whether the quantity key's multiplier applies to this scan: plain piece goods, not labels or weights."""
    return scan.label_price is None and scan.quantity is None and not scan.variant.product.is_measured


@tenant_service
def add_scan(*, cart: Cart, scan: ScanResult, times: int = 1) -> CartLine:
    """Put a scanned product on the cart: same plain product again adds one (or ``times``, from the
    quantity key); labels make a new line."""
    variant = scan.variant
    if not variant.is_active or not variant.product.is_active:
        raise SaleError(_("“%(name)s” is not for sale.") % {"name": variant})
    if scan.label_price is not None:
        return _new_line(
            cart, variant, Decimal(1), unit_price=scan.label_price, barcode=scan.barcode, price_from_label=True
        )
    if scan.quantity is not None:
        return _new_line(cart, variant, scan.quantity, barcode=scan.barcode)
    if variant.product.is_measured:
        raise WeightRequired(variant)
    return add_variant(cart=cart, variant=variant, quantity=Decimal(times), barcode=scan.barcode)


@tenant_service
def add_variant(*, cart: Cart, variant: Variant, quantity: Decimal, barcode: str = "") -> CartLine:
    """Add ``quantity`` of a product (tap on the grid, scan, or typed weight)."""
    if variant.product.is_voucher:  # a gift card needs a value and a code: services/cart_vouchers.py
        raise SaleError(_("Sell a gift card with the “Gift card” button, which gives it a code."))
    quantity = check_quantity(quantity, by_piece=not variant.product.is_measured, name=variant)
    last = cart.lines.order_by("-position").first()
    if (
        not variant.product.is_measured
        and last is not None
        and last.variant_id == variant.pk
        and last.unit_price is None
        and last.discount_percent is None
        and last.discount_amount is None
        and not last.note
    ):
        last.quantity = check_quantity(last.quantity + quantity, by_piece=True, name=variant)
        last.save(update_fields=["quantity", "updated_at"])
        return last
    return _new_line(cart, variant, quantity, barcode=barcode, position=(last.position + 1) if last else 1)


def _new_line(
    cart: Cart,
    variant: Variant,
    quantity: Decimal,
    *,
    unit_price: Decimal | None = None,
    barcode: str = "",
    price_from_label: bool = False,
    position: int | None = None,
) -> CartLine:
    quantity = check_quantity(quantity, by_piece=not variant.product.is_measured, name=variant)
    line = CartLine.objects.create(
        organization_id=cart.organization_id,
        cart=cart,
        position=position or _next_position(cart),
        variant=variant,
        quantity=quantity,
        unit_price=unit_price,
        barcode=barcode[:48],
        price_from_label=price_from_label,
    )
    if line.position == 1:  # the cart's first item: its TSE transaction starts now (docs/fiscal.md)
        transaction.on_commit(partial(_start_tse, cart))
    return line


def _start_tse(cart: Cart) -> None:
    """After the first item committed: start the cart's TSE transaction in the background, only when the
    register signs. The gate is asked here, on the request's connection (one query); without a TSE nothing
    starts (before, every new cart sent a worker thread that opened its own connection to ask, 2 queries).
    Never raises: a start not made here is made at pay."""
    try:
        with scope(organization=cart.organization_id):
            register = cart.register
            if not tse_in_use(register):
                return
        start_in_background(
            organization_id=cart.organization_id, register_id=cart.register_id, tx_id=cart.pk, register=register
        )
    except Exception:
        logger.exception("the TSE start of cart %s was not handed to the background", cart.pk)


@tenant_service
def set_quantity(*, line: CartLine, quantity: Decimal) -> CartLine | None:
    """Change a line's quantity; zero removes the line."""
    quantity = Decimal(quantity)
    if quantity.is_finite() and quantity < 0:
        raise SaleError(_("The quantity must not be negative."))
    if quantity.is_zero():
        line.delete()
        return None
    line.quantity = check_quantity(quantity, by_piece=not line.variant.product.is_measured, name=line.variant)
    base = line_amount(line)
    discount = discount_of(base, line.discount_percent, line.discount_amount)  # as the cart will show it
    approval = line_approval(line)
    if discount_needs_manager(discount, base) and not (
        approval and approval.covers_discount(line.discount_percent, line.discount_amount, base)
    ):
        raise SaleError(
            _(
                "With this quantity the discount on “%(name)s” would be larger than a manager approved. "
                "Please change the discount first."
            )
            % {"name": line.variant}
        )
    line.save(update_fields=["quantity", "updated_at"])
    return line


@tenant_service
def void_line(*, actor: Actor, line: CartLine) -> None:
    """Remove a line before payment (recorded in the audit log)."""
    log_action(
        line.cart.organization,
        actor,
        "register.cart.line_voided",
        line.cart,
        {"sku": line.variant.sku, "quantity": str(line.quantity)},
    )
    line.delete()


def line_approval(line: CartLine) -> Approval | None:
    """What a manager approved on ``line`` (its own approval; it covers no other line)."""
    if line.approved_by is None:
        return None
    return Approval(
        line.approved_by,
        price=line.approved_price,
        discount_percent=line.approved_discount_percent,
        discount_amount=line.approved_discount_amount,
        discount_base=line.approved_discount_base,
    )


def _manager_for(employee: Employee, approver: Employee | None, store: Store) -> Employee:
    """Whoever's manager rights cover this action (the cashier or the approver), or a SaleError."""
    for candidate in (employee, approver):
        if candidate is not None and has_capability(candidate, Capability.MANAGER_OVERRIDE, store):
            return candidate
    raise SaleError(_("A manager must approve this. Please enter a manager PIN."))


@tenant_service
def set_line_discount(
    *,
    line: CartLine,
    employee: Employee,
    percent: Decimal | None = None,
    amount: Decimal | None = None,
    approver: Employee | None = None,
) -> CartLine:
    """A line discount (percent or amount); above the cashier limit it needs a manager."""
    base = line_amount(line)
    discount = discount_amount(base, percent, amount)
    line.approved_discount_percent = line.approved_discount_amount = line.approved_discount_base = None
    if discount_needs_manager(discount, base):
        line.approved_by = _manager_for(employee, approver, line.cart.store)
        line.approved_discount_percent, line.approved_discount_amount = percent, amount
        line.approved_discount_base = base
    elif line.approved_price is None:
        line.approved_by = None
    line.discount_percent = percent
    line.discount_amount = amount
    line.save()
    return line


@tenant_service
def override_price(*, line: CartLine, employee: Employee, price: Decimal, approver: Employee | None = None) -> CartLine:
    """Change a line's unit price; always needs a manager."""
    price = check_amount(price)
    if price < 0:
        raise SaleError(_("A price must not be negative."))
    line.approved_by = _manager_for(employee, approver, line.cart.store)
    line.approved_price = price
    line.unit_price = price
    line.price_from_label = False
    line.save()
    return line


@tenant_service
def set_order_discount(
    *,
    cart: Cart,
    employee: Employee,
    percent: Decimal | None = None,
    amount: Decimal | None = None,
    approver: Employee | None = None,
) -> Cart:
    base = cart_totals(cart).subtotal  # the lines after their own discounts
    discount = discount_amount(base, percent, amount)
    cart.discount_approved_by = None
    cart.approved_order_percent = cart.approved_order_amount = cart.approved_order_base = None
    if discount_needs_manager(discount, base):
        cart.discount_approved_by = _manager_for(employee, approver, cart.store)
        cart.approved_order_percent, cart.approved_order_amount = percent, amount
        cart.approved_order_base = base
    cart.order_discount_percent = percent
    cart.order_discount_amount = amount
    cart.save()
    return cart


@tenant_service
def set_note(*, cart: Cart, note: str, line: CartLine | None = None) -> None:
    """A note on the whole cart or on one line; it is printed on the receipt."""
    if line is not None:
        line.note = note.strip()[:200]
        line.save(update_fields=["note", "updated_at"])
    else:
        cart.note = note.strip()[:500]
        cart.save(update_fields=["note", "updated_at"])


@tenant_service
def attach_customer(*, cart: Cart, customer: Customer | None) -> Cart:
    cart.customer = customer
    cart.redeem_points, cart.redeem_stamp_cards = 0, []  # points are the customer's: a new one starts afresh
    cart.save(update_fields=["customer", "redeem_points", "redeem_stamp_cards", "updated_at"])
    return cart


@tenant_service
def park_cart(*, actor: Actor, cart: Cart, label: str = "") -> Cart:
    """Put the cart aside; the register gets a fresh one. Empty carts are not parked."""
    if not cart.lines.exists():
        raise SaleError(_("An empty cart cannot be parked."))
    cart.status = CartStatus.PARKED
    cart.parked_at = timezone.now()
    cart.parked_label = label.strip()[:60]
    cart.save()
    log_action(cart.organization, actor, "register.cart.parked", cart, {"label": cart.parked_label})
    return cart


@tenant_service
def resume_cart(*, actor: Actor, cart: Cart, register: Register, employee: Employee) -> Cart:
    """Bring a parked cart back onto ``register`` (any register of the same store)."""
    if cart.status != CartStatus.PARKED:
        raise SaleError(_("This cart is not parked."))
    if cart.store_id != register.store_id:
        raise SaleError(_("This cart was parked in another store."))
    current = Cart.objects.filter(register=register, status=CartStatus.ACTIVE).first()
    if current is not None:
        if current.lines.exists():
            raise SaleError(_("Please finish or park the current cart first."))
        gone, till = current.pk, current.register
        current.delete()
        # An empty cart whose lines were all voided may have started its TSE transaction: cancel it.
        transaction.on_commit(lambda: sign_abort(register=till, cart_id=gone, gross={}))
    cart.status = CartStatus.ACTIVE
    cart.register = register
    cart.employee = employee
    cart.parked_at = None
    cart.save()
    log_action(cart.organization, actor, "register.cart.resumed", cart, {"register": str(register.pk)})
    return cart


def cancel_cart(*, actor: Actor, cart: Cart) -> None:
    """Abandon a cart before payment (audit-logged, as a cancelled receipt attempt). With a TSE, the
    cart's transaction (started with its first item) is cancelled as given up (AVBelegabbruch) after
    its deletion committed; an empty cart that never started one signs nothing."""
    with scope(organization=cart.organization_id):
        cart_id, register = cart.pk, cart.register
    gross = _drop_cart(actor=actor, cart=cart)
    sign_abort(register=register, cart_id=cart_id, gross=gross)  # an empty cart only if it was started


@tenant_service
def _drop_cart(*, actor: Actor, cart: Cart) -> dict[int, Decimal]:
    """Delete the cart, keeping its items (``AbortedCart``, for the DSFinV-K export); the gross per DSFinV-K
    VAT id of what was in it (empty for an empty cart)."""
    gross: dict[int, Decimal] = {}
    if cart.lines.exists():
        view = cart_view(cart)
        log_action(
            cart.organization,
            actor,
            "register.cart.cancelled",
            cart,
            {"lines": len(view.lines), "total": str(view.total)},
        )
        gross = _gross_per_vat_id(view.totals)
        keep_aborted_cart(
            cart_id=cart.pk,
            register=cart.register,
            employee=cart.employee,
            started_at=cart.created_at,
            training=cart.training,
            items=[AbortedItem(ln.line.variant, ln.priced, ln.line.barcode) for ln in view.lines],
        )
    cart.delete()
    return gross


def _gross_per_vat_id(totals: PricedCart) -> dict[int, Decimal]:
    gross: dict[int, Decimal] = {}
    for row in totals.vat_rows:
        gross[row.vat_code.dsfinvk_id] = gross.get(row.vat_code.dsfinvk_id, Decimal("0.00")) + row.gross
    return gross


def checkout_cart(*, actor: Actor, cart: Cart, employee: Employee, payments: list[PaymentInput]) -> Sale:
    """Pay the cart: one atomic sale (idempotent by the cart's id), then the cart is gone.

    With a TSE (``kasse.sales.fiscal_signing``) the sale is signed after its transaction committed and its
    receipt is queued for printing after the TSE answered, so the printed receipt carries the TSE
    data; a TSE that fails never stops the sale. Without one, the receipt is queued in the sale's
    transaction, as it always was.
    """
    with scope(organization=cart.organization_id):
        signs = tse_in_use(cart.register)
    sale = _store_sale(actor=actor, cart=cart, employee=employee, payments=payments, print_now=not signs)
    if signs:
        with scope(organization=sale.organization_id):
            # read once: the TSE signs them and the done screen shows them (the view's ``.all()``)
            prefetch_related_objects([sale], "vat_rows", "payments")

        def queue_receipt() -> None:  # in the transaction that stores the TSE's answer: one commit
            enqueue_sale_receipt(sale=sale, actor=actor)

        if sign_sale(sale, tse_checked=True, then=queue_receipt) is None:  # its end was signed already
            with scope(organization=sale.organization_id), transaction.atomic():
                enqueue_sale_receipt(sale=sale, actor=actor)
    return sale


@tenant_service
def _store_sale(*, actor: Actor, cart: Cart, employee: Employee, payments: list[PaymentInput], print_now: bool) -> Sale:
    """The sale in one transaction. The cart row is locked first, so a second "pay" for the same cart
    (a double tap reaching another worker process) waits for the first and then gets the sale it stored.
    """
    locked = Cart.objects.select_for_update().filter(pk=cart.pk).first()
    if locked is None:  # paid (or cancelled) by a request that committed while this one waited
        paid = Sale.objects.filter(pk=cart.pk, register_id=cart.register_id).first()
        if paid is None:
            raise SaleError(_("This cart is no longer open."))
        return paid
    if locked.register_id == cart.register_id and Cart.register.is_cached(cart):
        locked.register = cart.register  # loaded for the TSE gate a moment ago: not again
    cart = locked
    lines = list(cart.lines.select_related("variant__product", "approved_by"))
    sale_input = SaleInput(
        id=cart.pk,
        lines=[
            LineInput(
                variant_id=ln.variant_id,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                discount_percent=ln.discount_percent,
                discount_amount=ln.discount_amount,
                barcode=ln.barcode,
                note=ln.note,
                price_from_label=ln.price_from_label,
                approval=line_approval(ln),
                voucher_code=ln.voucher_code,
            )
            for ln in lines
        ],
        payments=payments,
        customer_id=cart.customer_id,
        redeem=cart_loyalty.asked(cart),
        order_discount_percent=cart.order_discount_percent,
        order_discount_amount=cart.order_discount_amount,
        order_approval=Approval(
            cart.discount_approved_by,
            discount_percent=cart.approved_order_percent,
            discount_amount=cart.approved_order_amount,
            discount_base=cart.approved_order_base,
        )
        if cart.discount_approved_by
        else None,
        started_at=cart.created_at,
        note=cart.note,
        coupon_codes=list(cart.coupon_codes or []),
        training=cart.training,
    )
    with transaction.atomic():
        claim_card_tenders(register=cart.register, tenders=payments, sale_id=cart.pk)
        sale = complete_sale(actor=actor, register=cart.register, employee=employee, cart=sale_input)
        cart.delete()
        if print_now:
            enqueue_sale_receipt(sale=sale, actor=actor)  # one row in this transaction; never fails the sale
    return sale
