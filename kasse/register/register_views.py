"""The register: pairing, PIN lock, the selling screen and its htmx partials."""

from __future__ import annotations

import json
import math
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kasse.catalog.models import Product, Variant
from kasse.catalog.selectors import with_store_price
from kasse.core.actors import Actor
from kasse.core.throttle import PAIRING, client_address
from kasse.customers.models import Customer
from kasse.peripherals.pole import show_cart_on_pole, show_sale_on_pole
from kasse.register import qr_views, returns_views, shift_views
from kasse.register.access import (
    PinLockedOut,
    approver_from_request,
    current_cashier,
    lock,
    picked_employee,
    pin_is_right,
    register_view,
    settings_for,
    unlock,
)
from kasse.register.display import idle_offers
from kasse.register.inputs import NumberInputError, parse_amount, parse_percent, parse_quantity
from kasse.register.live import publish_display
from kasse.register.models import Cart, CartLine, CartStatus
from kasse.register.pay_views import cart_form, line_form, parse_times, pending_times, set_pending_times
from kasse.register.selectors import grid_categories, grid_products, parked_carts, tile
from kasse.register.services import cart as carts
from kasse.register.services import cart_loyalty
from kasse.register.services.coupons import add_coupon, remove_coupon
from kasse.register.services.pairing import DEVICE_COOKIE, pair_device
from kasse.register.services.receipts import receipt_context
from kasse.register.services.scanning import IncompleteScan, LoyaltyCard, UnknownCode, resolve_scan
from kasse.sales.models import Sale, Shift, ShiftStatus
from kasse.sales.selectors import is_receipt_code
from kasse.sales.services.checkout import PaymentInput
from kasse.sales.services.errors import SaleError
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import CashierRequest, RegisterRequest
from kasse.tenancy.selectors import register_staff


def _actor(request: CashierRequest) -> Actor:
    return Actor.for_employee(request.cashier)


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _uuid_or_404(value: str | None) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise Http404 from exc


# --- pairing and lock ---------------------------------------------------------


def pair(request: HttpRequest) -> HttpResponse:
    """Turn this browser into a register (or its customer display) with a one-time code."""
    error = ""
    status = 400
    address = client_address(request)
    if request.method == "POST" and (wait := PAIRING.retry_after(address)):
        error = _("Too many wrong pairing codes from this device. Please try again in %(minutes)s minutes.") % {
            "minutes": math.ceil(wait / 60)
        }
        status = 429
    elif request.method == "POST":
        try:
            device, token = pair_device(
                code=request.POST.get("code", ""), device_name=request.POST.get("name", "")[:120]
            )
        except ValidationError as exc:
            PAIRING.note(address)
            error = _error_text(exc)
        else:
            target = "register:display" if device.is_display else "register:lock"
            response = redirect(target)
            response.set_cookie(
                DEVICE_COOKIE,
                token,
                max_age=5 * 365 * 24 * 3600,
                httponly=True,
                samesite="Lax",
                secure=settings.KASSE_ENV == "production",
            )
            return response
    return render(
        request,
        "register/pair.html",
        {"error": error, "code": request.GET.get("code", "")[:12]},
        status=status if error else 200,
    )


def _lock_page(request: RegisterRequest, *, error: str = "", picked: str = "", status: int = 200) -> HttpResponse:
    store = request.register.store
    return render(
        request,
        "register/lock.html",
        {
            "register": request.register,
            "staff": register_staff(store, Capability.SELL),
            "offers": idle_offers(request.register),
            "error": error,
            "picked": picked,
        },
        status=status,
    )


@register_view(needs_cashier=False)
def lock_screen(request: RegisterRequest) -> HttpResponse:
    """Who is working: a tile per employee who may sell here (or their employee number), then the PIN."""
    if current_cashier(request) is not None:
        return redirect("register:main")
    return _lock_page(request)


@require_POST
@register_view(needs_cashier=False)
def unlock_view(request: RegisterRequest) -> HttpResponse:
    """Switch in: the PIN is checked against the one employee picked (wrong PINs counted, ``pin_guard``)."""
    employee = picked_employee(request, capability=Capability.SELL)
    if employee is None:
        typed = request.POST.get("employee_number", "").strip()
        return _lock_page(
            request,
            status=400,
            error=_("Unknown employee number.")
            if typed
            else _("Please tap your name (or type your employee number) first."),
        )
    if not request.POST.get("pin", "").strip():
        return _lock_page(request, error=_("Please enter your PIN."), picked=str(employee.pk), status=400)
    try:
        right = pin_is_right(request, employee, request.POST.get("pin", ""), purpose="unlock")
    except PinLockedOut as exc:
        return _lock_page(request, error=str(exc), picked=str(employee.pk), status=429)
    if not right:
        return _lock_page(request, error=_("Wrong PIN. Please try again."), picked=str(employee.pk), status=403)
    unlock(request, employee)
    return redirect("register:main")


@require_POST
@register_view(needs_cashier=False)
def lock_view(request: HttpRequest) -> HttpResponse:
    lock(request)
    return redirect("register:lock")


# --- the selling screen -------------------------------------------------------


def _line_url_prefix() -> str:
    """``/register/cart/line/`` as routed, for building each line's action URLs in the template."""
    placeholder = uuid.UUID(int=0)
    return reverse("register:line-action", args=[placeholder, "x"]).split(str(placeholder))[0]


def _cart_context(request: CashierRequest, cart: Cart | None = None, **extra: Any) -> dict[str, Any]:
    register = request.register
    cart = cart or carts.active_cart(register, request.cashier)
    return {
        "view": carts.cart_view(cart),
        "register": register,
        "line_url": _line_url_prefix(),
        "times": pending_times(request),
        **extra,
    }


def _cart_response(
    request: CashierRequest,
    *,
    error: str = "",
    status: int = 200,
    cart: Cart | None = None,
    scan_rejected: str = "",
    **extra: Any,
) -> HttpResponse:
    context = _cart_context(request, cart, error=error, scan_rejected=scan_rejected, **extra)
    if not error:
        publish_display(context["register"], "register/partials/display_cart.html", {"view": context["view"]})
        show_cart_on_pole(context["register"], context["view"])
    response = render(request, "register/partials/cart.html", context, status=status)
    if scan_rejected:
        # A refused scan is shown once, in the cart where the product would have appeared (no toast),
        # and scanner.js beeps if the register's settings say so.
        response["HX-Trigger"] = json.dumps({"kasse:scan-rejected": {"reason": scan_rejected}})
    elif error:
        response["HX-Trigger"] = json.dumps({"kasse:error": error})
    else:
        response["HX-Trigger"] = json.dumps({"kasse:cart-changed": True})
    return response


@register_view()
def main(request: CashierRequest) -> HttpResponse:
    register = request.register
    if not Shift.objects.filter(register=register, status=ShiftStatus.OPEN).exists():
        return shift_views.open_page(request)  # no selling without an open shift: count the float first
    context = _cart_context(request)
    context.update(
        {
            "categories": grid_categories(register.organization),
            "page": grid_products(register.organization, store_id=register.store_id, favourites=True),
            "settings": settings_for(request),
            "cashier": request.cashier,
            "parked_count": parked_carts(register.store).count(),
        }
    )
    return render(request, "register/main.html", context)


@require_GET
@register_view()
def products(request: CashierRequest) -> HttpResponse:
    register = request.register
    category = request.GET.get("category") or None
    if category is not None:
        try:
            category = str(uuid.UUID(category))
        except ValueError:
            category = None  # a stale or made-up link shows the favourites
    try:
        offset = max(int(request.GET.get("offset") or 0), 0)
    except ValueError:
        offset = 0
    page = grid_products(
        register.organization,
        store_id=register.store_id,
        category_id=category,
        query=request.GET.get("q", "").strip(),
        favourites=not category,
        offset=offset,
    )
    return render(request, "register/partials/products.html", {"page": page})


@require_GET
@register_view()
def variants(request: CashierRequest, product_id: uuid.UUID) -> HttpResponse:
    """The variant picker for a product with several variants (sizes, colours)."""
    product = get_object_or_404(Product, pk=product_id, is_active=True)
    variants = with_store_price(
        product.variants.filter(is_active=True).select_related("product"), request.register.store_id
    )
    return render(
        request,
        "register/partials/variants.html",
        {
            "product": product,
            "tiles": [tile(product, [v]) for v in variants],
        },
    )


@require_GET
@register_view()
def cart(request: CashierRequest) -> HttpResponse:
    return render(request, "register/partials/cart.html", _cart_context(request))


@require_POST
@register_view()
def scan(request: CashierRequest) -> HttpResponse:
    """A scanner burst or a typed code: resolve it and put it on the cart."""
    register = request.register
    code = request.POST.get("code", "")
    if is_receipt_code(code):  # a receipt's own barcode: start a return
        return returns_views.scanned_receipt(request, code.strip())
    routed = qr_views.route_payment_code(request, code)  # a customer's payment code (Bluecode, ...)
    if isinstance(routed, HttpResponse):
        return routed
    if routed:
        return _cart_response(request, error=routed, status=422, scan_rejected="payment")
    cart_obj = carts.active_cart(register, request.cashier)
    try:
        result = resolve_scan(register.organization, code, settings_for(request))
        if isinstance(result, LoyaltyCard):
            carts.attach_customer(cart=cart_obj, customer=result.customer)
            return _cart_response(request, cart=cart_obj)
        takes_times = carts.scan_takes_times(result)
        carts.add_scan(cart=cart_obj, scan=result, times=pending_times(request) if takes_times else 1)
        if takes_times:
            set_pending_times(request, 1)
    except carts.WeightRequired as exc:
        return _cart_response(request, ask_weight=exc.variant)
    except SaleError as exc:
        reason = (
            "incomplete"
            if isinstance(exc, IncompleteScan)
            else "unknown"
            if isinstance(exc, UnknownCode)
            else "refused"
        )
        return _cart_response(request, error=_error_text(exc), status=422, scan_rejected=reason)
    return _cart_response(request, cart=cart_obj, flash=result.variant.pk)


@require_POST
@register_view()
def add(request: CashierRequest) -> HttpResponse:
    """Tap on a product tile (or a typed weight for measured goods)."""
    register = request.register
    variant: Variant = get_object_or_404(
        Variant.objects.select_related("product"), pk=_uuid_or_404(request.POST.get("variant"))
    )
    try:
        quantity = parse_quantity(request.POST.get("quantity") or "1")
        if variant.product.is_measured and not request.POST.get("quantity"):
            return _cart_response(request, ask_weight=variant)
        times = 1 if variant.product.is_measured else pending_times(request)
        carts.add_variant(cart=carts.active_cart(register, request.cashier), variant=variant, quantity=quantity * times)
        if times > 1:
            set_pending_times(request, 1)
    except SaleError as exc:
        return _cart_response(request, error=_error_text(exc), status=422)
    return _cart_response(request, flash=variant.pk)


def _line(request: RegisterRequest, line_id: uuid.UUID) -> CartLine:
    register = request.register
    return get_object_or_404(
        CartLine.objects.select_related("cart", "variant__product"),
        pk=line_id,
        cart__register=register,
        cart__status=CartStatus.ACTIVE,
    )


@require_http_methods(["GET", "POST"])
@register_view()
def line_action(request: CashierRequest, line_id: uuid.UUID, action: str) -> HttpResponse:
    """Quantity, void, discount or price override of one cart line (GET: the dialog for it)."""
    line = _line(request, line_id)
    if request.method == "GET":
        return line_form(request, line, action)
    cashier = request.cashier
    try:
        if action == "quantity":
            carts.set_quantity(line=line, quantity=parse_quantity(request.POST.get("quantity")))
        elif action == "void":
            carts.void_line(actor=_actor(request), line=line)
        elif action == "discount":
            percent = request.POST.get("percent")
            amount = request.POST.get("amount")
            carts.set_line_discount(
                line=line,
                employee=cashier,
                approver=approver_from_request(request),
                percent=parse_percent(percent) if percent else None,
                amount=parse_amount(amount) if amount else None,
            )
        elif action == "price":
            carts.override_price(
                line=line,
                employee=cashier,
                approver=approver_from_request(request),
                price=parse_amount(request.POST.get("price")),
            )
        elif action == "note":
            carts.set_note(cart=line.cart, line=line, note=request.POST.get("note", ""))
        else:
            return HttpResponse(status=404)
    except SaleError as exc:
        return _cart_response(request, error=_error_text(exc), status=422)
    return _cart_response(request)


@require_http_methods(["GET", "POST"])
@register_view()
def cart_action(request: CashierRequest, action: str) -> HttpResponse:
    """Order discount, customer, coupon, park, cancel, quantity key on the active cart (GET: the dialog for it)."""
    register = request.register
    cashier = request.cashier
    cart_obj = carts.active_cart(register, cashier)
    if request.method == "GET":
        return cart_form(request, cart_obj, action)
    try:
        if action == "times":
            typed = [v for v in request.POST.getlist("times") if v.strip()]
            set_pending_times(request, parse_times(typed[-1] if typed else ""))
            return _cart_response(request, cart=cart_obj)
        if action == "times-clear":
            set_pending_times(request, 1)
            return _cart_response(request, cart=cart_obj)
        if action == "discount":
            percent = request.POST.get("percent")
            amount = request.POST.get("amount")
            carts.set_order_discount(
                cart=cart_obj,
                employee=cashier,
                approver=approver_from_request(request),
                percent=parse_percent(percent) if percent else None,
                amount=parse_amount(amount) if amount else None,
            )
        elif action == "customer":
            customer_id = request.POST.get("customer") or None
            customer = get_object_or_404(Customer, pk=_uuid_or_404(customer_id)) if customer_id else None
            carts.attach_customer(cart=cart_obj, customer=customer)
        elif action == "redeem":
            cart_loyalty.set_redemption(
                cart=cart_obj, points=request.POST.get("points"), stamp_card=request.POST.get("stamp_card")
            )
        elif action == "note":
            carts.set_note(cart=cart_obj, note=request.POST.get("note", ""))
        elif action == "coupon":
            add_coupon(cart=cart_obj, code=request.POST.get("code", "")[:60])
        elif action == "coupon-remove":
            remove_coupon(cart=cart_obj, code=request.POST.get("code", "")[:60])
        elif action == "park":
            carts.park_cart(actor=_actor(request), cart=cart_obj, label=request.POST.get("label", ""))
        elif action == "cancel":
            carts.cancel_cart(actor=_actor(request), cart=cart_obj)
        else:
            return HttpResponse(status=404)
    except SaleError as exc:
        return _cart_response(request, error=_error_text(exc), status=422)
    return _cart_response(request)


@register_view()
def parked(request: CashierRequest) -> HttpResponse:
    register = request.register
    return render(request, "register/partials/parked.html", {"carts": parked_carts(register.store)})


@require_POST
@register_view()
def resume(request: CashierRequest, cart_id: uuid.UUID) -> HttpResponse:
    register = request.register
    cart_obj = get_object_or_404(Cart, pk=cart_id, store=register.store, status=CartStatus.PARKED)
    try:
        carts.resume_cart(actor=_actor(request), cart=cart_obj, register=register, employee=request.cashier)
    except SaleError as exc:
        return _cart_response(request, error=_error_text(exc), status=422)
    return _cart_response(request)


@require_POST
@register_view()
def pay(request: CashierRequest) -> HttpResponse:
    """Complete the sale with one or more tenders: ``payments`` is JSON [{method, amount}]; ``cart`` is the id of
    the cart the register shows. A pay that arrives after that cart was paid (a double tap, a repeated request)
    gets the stored sale's done screen again instead of paying whatever cart is active now."""
    register = request.register
    cart_obj = carts.active_cart(register, request.cashier)
    shown = request.POST.get("cart", "")
    if shown and shown != str(cart_obj.pk):
        paid = carts.sale_of_paid_cart(register, shown)
        if paid is not None:
            return _done_response(register, request, paid)
        # the cart the register showed was parked, cancelled or taken over meanwhile: not this one
        return _payment_refused(request, _("This cart is no longer open."))
    try:
        raw = json.loads(request.POST.get("payments", "[]"))
        if not isinstance(raw, list):
            raise ValueError
        payments = [
            PaymentInput(
                method=str(p["method"]), amount=parse_amount(p["amount"]), reference=str(p.get("reference", ""))[:100]
            )
            for p in raw
        ]
    except NumberInputError as exc:
        return _payment_refused(request, _error_text(exc))
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return _payment_refused(request, _("The payment could not be read. Please try again."))
    try:
        sale = carts.checkout_cart(actor=_actor(request), cart=cart_obj, employee=request.cashier, payments=payments)
    except SaleError as exc:
        return _payment_refused(request, _error_text(exc))
    return _done_response(register, request, sale)


def _done_response(register: Any, request: CashierRequest, sale: Sale) -> HttpResponse:
    """The done screen of ``sale`` on the register, the customer display and the pole display."""
    sale_context = {"sale": sale, **_sale_context(sale)}
    publish_display(register, "register/partials/display_done.html", sale_context)
    show_sale_on_pole(register, sale, sale_context["change"])
    response = render(request, "register/partials/done.html", sale_context)
    response["HX-Trigger"] = json.dumps({"kasse:sale-completed": str(sale.pk)})
    return response


def _payment_refused(request: CashierRequest, error: str) -> HttpResponse:
    """The pay panel stays open; the cart (with the message) is swapped in where it belongs."""
    response = _cart_response(request, error=error, status=422)
    response["HX-Retarget"] = "#cart"
    response["HX-Reswap"] = "outerHTML"
    return response


def _sale_context(sale: Sale) -> dict[str, Any]:
    payments = list(sale.payments.all())
    return {
        "lines": list(sale.lines.all()),
        "vat_rows": list(sale.vat_rows.all()),
        "payments": payments,
        "change": sum((p.change for p in payments), Decimal("0.00")),
    }


@register_view()
def receipt(request: CashierRequest, sale_id: uuid.UUID) -> HttpResponse:
    """The receipt on screen and for the browser's print dialog."""
    sale: Sale = get_object_or_404(
        Sale.objects.select_related("store", "register", "customer"), pk=sale_id, store=request.register.store
    )
    return render(request, "register/receipt.html", receipt_context(sale))


ICON_SIZES = (192, 512)


def icon(request: HttpRequest, size: int) -> HttpResponse:
    """The app icon, drawn once per size (a green tile with a white “k”)."""
    if size not in ICON_SIZES:
        return HttpResponse(status=404)
    from io import BytesIO

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (size, size), "#0b6e4f")
    draw = ImageDraw.Draw(image)
    stroke = size // 10
    left, top, bottom = size * 3 // 10, size // 5, size * 4 // 5
    draw.rectangle([left, top, left + stroke, bottom], fill="white")
    middle = size * 11 // 20
    draw.line([(left + stroke, middle), (size * 7 // 10, top + stroke)], fill="white", width=stroke)
    draw.line([(left + stroke, middle), (size * 7 // 10, bottom)], fill="white", width=stroke)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def manifest(request: HttpRequest) -> JsonResponse:
    """Web app manifest: the register installs full-screen on tablets and all-in-ones."""
    return JsonResponse(
        {
            "name": "kasse",
            "short_name": "kasse",
            "start_url": reverse("register:main"),
            "scope": "/register/",
            "display": "fullscreen",
            "orientation": "any",
            "background_color": "#ffffff",
            "theme_color": "#0b6e4f",
            "icons": [
                {"src": reverse("register:icon", args=[size]), "sizes": f"{size}x{size}", "type": "image/png"}
                for size in ICON_SIZES
            ],
        },
        content_type="application/manifest+json",
    )
