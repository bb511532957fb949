"""Returns at the register: find the receipt (typed or scanned), choose lines, refund; returns
without a receipt and exchanges with a manager's PIN.

The return form keeps its state in the form itself (chosen quantities, picked
products, the ids the return and an exchange's new sale will get), so every tap
re-renders it from the server and a retried confirm is idempotent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kasse.catalog.models import Variant
from kasse.catalog.selectors import price_for_store, search_products, selling_price, store_prices
from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.core.money import ZERO
from kasse.printing.services import enqueue_sale_receipt
from kasse.register import qr_views
from kasse.register.access import approver_from_request, register_view
from kasse.register.card_return_views import return_from_receipt
from kasse.register.inputs import parse_quantity
from kasse.register.selectors import register_settings
from kasse.register.services.scanning import resolve_code
from kasse.register.services.training import in_training
from kasse.sales.fiscal_signing import sign_sale
from kasse.sales.models import PaymentMethod, Sale, SaleKind, SaleLine
from kasse.sales.pricing import CartItem, Item, VatCode, price_cart
from kasse.sales.selectors import ReturnableLine, find_receipt, returnable_lines
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput
from kasse.sales.services.errors import SaleError
from kasse.sales.services.exchanges import credit_issued, exchange_sale
from kasse.sales.services.refunds import (
    RefundLineInput,
    ReturnItemInput,
    refund_without_receipt,
    returned_item,
    split_to_original_tenders,
)
from kasse.tenancy.models import Employee
from kasse.tenancy.requests import CashierRequest, RegisterRequest

TENDERS = ("original", "cash", "exchange")
SEARCH_CHOICES = 8


@dataclass
class Picked:
    """A product picked by scan or search: returned without receipt, or taken in exchange."""

    variant: Variant
    quantity: Decimal
    barcode: str
    price: Decimal  # the store's price

    def item(self, *, returned: bool = False) -> CartItem:
        """This product as the pricing sees it (``returned``: coming back, a negative quantity)."""
        return CartItem(
            list_price=self.price,
            quantity=-self.quantity if returned else self.quantity,
            vat=VatCode.current(self.variant.product.vat_class),
        )

    @property
    def total(self) -> Decimal:
        return price_cart([self.item()]).total


def return_credit(receipt_lines: list[tuple[SaleLine, Decimal]], returned: list[Picked]) -> Decimal:
    """What the goods coming back are worth (positive), priced as the return will be."""
    items: list[Item] = [returned_item(line, quantity) for line, quantity in receipt_lines]
    items += [p.item(returned=True) for p in returned if p.quantity > 0]
    return -price_cart(items).total


def exchange_total(replacement: list[Picked]) -> Decimal:
    """What the products taken in exchange cost, priced as their sale will be."""
    return price_cart([p.item() for p in replacement if p.quantity > 0]).total


def _overlay(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    # Also when reached from the selling screen's scan form, whose target is the cart.
    response["HX-Retarget"] = "#overlay"
    response["HX-Reswap"] = "innerHTML"
    return response


def _quantity(value: str) -> Decimal:
    """A typed quantity on the return form; empty means none."""
    return parse_quantity(value) if str(value or "").strip() else Decimal(0)


# --- finding the receipt ------------------------------------------------------


@require_GET
@register_view()
def start(request: HttpRequest) -> HttpResponse:
    """The returns overlay: type or scan the receipt, or start a return without one."""
    return _overlay(request, "register/returns/start.html", {})


@require_GET
@register_view()
def find(request: CashierRequest) -> HttpResponse:
    code = request.GET.get("code", "")
    try:
        sale = find_receipt(request.register, code)
    except SaleError as exc:
        return _overlay(
            request, "register/returns/start.html", {"error": " ".join(exc.messages), "code": code}, status=422
        )
    return _form(request, sale)


def scanned_receipt(request: RegisterRequest, code: str) -> HttpResponse:
    """A receipt code scanned on the selling screen (``register:scan`` hands it over)."""
    try:
        sale = find_receipt(request.register, code)
    except SaleError as exc:
        return _overlay(
            request, "register/returns/start.html", {"error": " ".join(exc.messages), "code": code}, status=422
        )
    return _form(request, sale)


# --- the return form ------------------------------------------------------------


def _chosen(lines: list[ReturnableLine], data: Any) -> dict[uuid.UUID, Decimal]:
    chosen = {}
    for item in lines:
        quantity = _quantity(data.get(f"qty_{item.line.pk}", "0"))
        if quantity:
            chosen[item.line.pk] = quantity
    return chosen


def _picked(request: RegisterRequest, data: Any, prefix: str) -> list[Picked]:
    register = request.register
    ids = data.getlist(f"{prefix}_variant")
    quantities = data.getlist(f"{prefix}_qty")
    codes = data.getlist(f"{prefix}_code")
    variants = {
        str(v.pk): v for v in Variant.objects.filter(pk__in=[i for i in ids if _is_uuid(i)]).select_related("product")
    }
    own_prices = store_prices(register.store_id, [v.pk for v in variants.values()])
    picked = []
    for index, variant_id in enumerate(ids):
        variant = variants.get(variant_id)
        if variant is None:
            continue
        quantity = _quantity(quantities[index] if index < len(quantities) else "1")
        if quantity == 0:
            continue  # set to zero: taken off the list
        picked.append(
            Picked(
                variant=variant,
                quantity=quantity,
                barcode=codes[index] if index < len(codes) else "",
                price=selling_price(variant, own_prices.get(variant.pk)),
            )
        )
    return picked


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _add(request: RegisterRequest, picked: list[Picked], code: str, pick: str) -> list[Variant]:
    """Add a scanned/typed code or a chosen product to ``picked``; returns choices when a search is ambiguous."""
    register = request.register
    variant: Variant | None = None
    quantity = Decimal(1)
    barcode = ""
    if pick:
        variant = get_object_or_404(
            Variant.objects.select_related("product"), pk=pick if _is_uuid(pick) else None, is_active=True
        )
    else:
        try:
            result = resolve_code(register.organization, code, register_settings(register.store))
            variant, barcode = result.variant, result.barcode
            quantity = result.quantity or quantity
        except SaleError:
            products = list(
                search_products(register.organization, code, active=True).prefetch_related("variants")[:SEARCH_CHOICES]
            )
            choices = [v for p in products for v in p.variants.all() if v.is_active]
            if len(choices) != 1:
                if not choices:
                    raise
                return choices
            variant = choices[0]
    for item in picked:
        if item.variant.pk == variant.pk and not variant.product.is_measured:
            item.quantity += quantity
            return []
    picked.append(
        Picked(variant=variant, quantity=quantity, barcode=barcode, price=price_for_store(variant, register.store))
    )
    return []


def _form(request: RegisterRequest, sale: Sale | None, data: Any = None, **extra: Any) -> HttpResponse:
    """The return form, fresh (``data`` None) or re-rendered with what was entered."""
    posted = data is not None
    data = data if posted else QueryDict()
    lines = returnable_lines(sale) if sale is not None else []
    context: dict[str, Any] = {
        "sale": sale,
        "lines": lines,
        "chosen": {},
        "returned": _picked(request, data, "ret"),
        "replacement": _picked(request, data, "new"),
        "tender": data.get("tender") or ("original" if sale is not None else "cash"),
        "add_to": data.get("add_to") or ("returned" if sale is None else "replacement"),
        "refund_id": data.get("refund_id") if _is_uuid(data.get("refund_id", "")) else str(uuid7()),
        "new_sale_id": data.get("new_sale_id") if _is_uuid(data.get("new_sale_id", "")) else str(uuid7()),
        "choices": [],
        "approver": str(data.get("approver", ""))[:40],
        **extra,
    }
    if sale is not None:
        context["original_tenders"] = [(PaymentMethod(p.method).label, p.amount) for p in sale.payments.all()]
    error = context.get("error", "")
    if posted and not error:
        try:
            context["chosen"] = _chosen(lines, data)
            code = data.get("code", "").strip()
            pick = data.get("pick", "")
            if code or pick:
                target = (
                    context["returned"] if context["add_to"] == "returned" and sale is None else context["replacement"]
                )
                context["choices"] = _add(request, target, code, pick)
        except SaleError as exc:
            error = " ".join(exc.messages)
    for item in lines:
        item.chosen = context["chosen"].get(item.line.pk, ZERO)  # type: ignore[attr-defined]
    credit = return_credit(
        [
            (item.line, item.chosen)  # type: ignore[attr-defined]
            for item in lines
            if 0 < item.chosen <= item.returnable  # type: ignore[attr-defined]
        ],
        context["returned"],
    )
    new_total = exchange_total(context["replacement"])
    context.update(
        {
            "error": error,
            "refund_total": credit,
            "new_total": new_total,
            "difference": new_total - credit,
            "give_back": credit - new_total,
        }
    )
    if sale is not None and context["tender"] == "original" and credit > 0:
        context["refund_split"] = [
            (PaymentMethod(method).value, PaymentMethod(method).label, amount)
            for method, amount in split_to_original_tenders(sale, credit)
        ]
    return _overlay(request, "register/returns/form.html", context, status=422 if error else 200)


@register_view()
def with_receipt(request: CashierRequest, sale_id: uuid.UUID) -> HttpResponse:
    """Return lines of one receipt of this store: choose, then confirm."""
    register = request.register
    sale: Sale = get_object_or_404(
        Sale.objects.select_related("store", "register", "customer"), pk=sale_id, store=register.store
    )
    if sale.kind != SaleKind.SALE:
        return _overlay(
            request, "register/returns/start.html", {"error": _("A return cannot be returned.")}, status=422
        )
    if request.method == "POST" and request.POST.get("action") == "confirm":
        return _confirm(request, sale)
    return _form(request, sale, request.POST if request.method == "POST" else None)


@register_view()
def without_receipt(request: CashierRequest) -> HttpResponse:
    """Take goods back without a receipt (manager PIN): pick products by scan or search."""
    if request.method == "POST" and request.POST.get("action") == "confirm":
        return _confirm(request, None)
    return _form(request, None, request.POST if request.method == "POST" else None)


def _confirm(request: CashierRequest, sale: Sale | None) -> HttpResponse:
    register = request.register
    cashier = request.cashier
    actor = Actor.for_employee(cashier)
    data = request.POST
    tender = data.get("tender", "")
    try:
        if tender not in TENDERS or (sale is None and tender == "original"):
            raise SaleError(_("Please choose how the money goes back."))
        refund_id = uuid.UUID(data.get("refund_id", ""))
        approver = approver_from_request(request)
        lines = returnable_lines(sale) if sale is not None else []
        chosen = [RefundLineInput(line_id, qty) for line_id, qty in _chosen(lines, data).items()]
        items = [ReturnItemInput(p.variant.pk, p.quantity, p.barcode) for p in _picked(request, data, "ret")]
        if tender == "exchange":
            replacement = _picked(request, data, "new")
            if not replacement:
                raise SaleError(_("Please scan or search the product taken in exchange."))
            refund, new_sale = _exchange(request, sale, chosen, items, replacement, refund_id, approver)
            return _done(request, refund, new_sale)
        if sale is not None:
            stored = return_from_receipt(
                request, sale, chosen, as_paid=tender == "original", refund_id=refund_id, form=_form
            )
            if isinstance(stored, HttpResponse):
                return stored  # the card terminal gives the money back first
            refund = stored
        else:
            refund = refund_without_receipt(
                actor=actor,
                register=register,
                employee=cashier,
                approver=approver,
                items=items,
                refund_id=refund_id,
                training=in_training(register),
            )
    except (SaleError, ValueError) as exc:
        message = " ".join(exc.messages) if isinstance(exc, SaleError) else _("Please try again.")
        return _form(request, sale, data, error=message)
    return _done(request, refund, None)


def _exchange(
    request: CashierRequest,
    sale: Sale | None,
    chosen: list[RefundLineInput],
    items: list[ReturnItemInput],
    replacement: list[Picked],
    refund_id: uuid.UUID,
    approver: Employee | None,
) -> tuple[Sale, Sale]:
    register = request.register
    new_lines = [LineInput(p.variant.pk, p.quantity, barcode=p.barcode) for p in replacement]
    chosen_lines = {c.original_line_id: c.quantity for c in chosen}
    returned = _picked(request, request.POST, "ret") if sale is None else []
    credit = return_credit(
        [
            (line.line, chosen_lines[line.line.pk])
            for line in (returnable_lines(sale) if sale else [])
            if line.line.pk in chosen_lines
        ],
        returned,
    )
    difference = exchange_total(replacement) - credit
    payments = [PaymentInput(PaymentMethod.CASH, difference)] if difference > 0 else []
    return exchange_sale(
        actor=Actor.for_employee(request.cashier),
        register=register,
        employee=request.cashier,
        approver=approver,
        refund_id=refund_id,
        replacement=SaleInput(id=uuid.UUID(request.POST.get("new_sale_id", "")), lines=new_lines, payments=payments),
        original=sale,
        lines=chosen if sale is not None else None,
        items=items if sale is None else None,
        training=in_training(register),
    )


def _done(request: CashierRequest, refund: Sale, new_sale: Sale | None) -> HttpResponse:
    for printed in (refund, new_sale):  # once per receipt: a repeated confirm queues nothing new
        if printed is not None:
            sign_sale(printed)  # with a TSE: signed before its receipt is queued; never stops the return
            enqueue_sale_receipt(sale=printed, actor=Actor.for_employee(request.cashier))
    payments = list(refund.payments.all())
    cash_back = -sum((p.amount for p in payments if p.method == PaymentMethod.CASH), ZERO)
    # Each tender once, worded as what the cashier does: cash out of the drawer, the rest back to the card.
    other_back = [
        (PaymentMethod(p.method).value, PaymentMethod(p.method).label, -p.amount)
        for p in payments
        if p.method not in (PaymentMethod.CASH, PaymentMethod.CREDIT) and p.amount
    ]
    context: dict[str, Any] = {
        "refund": refund,
        "other_back": other_back,
        "cash_back": cash_back,
        "refund_total": -refund.total,
        "new_sale": new_sale,
        "qr_refund": qr_views.refundable(refund),  # the QR share goes back through its provider (Bluecode)
    }
    if new_sale is not None:
        context["credit"] = credit_issued(refund)
        context["cash_taken"] = sum((p.amount for p in new_sale.payments.all() if p.method == PaymentMethod.CASH), ZERO)
    return _overlay(request, "register/returns/done.html", context)
