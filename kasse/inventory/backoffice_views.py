"""Back-office stock pages (mounted at /stock/): the stock per store and variant (Bestand, /stock/levels/) and
goods receipts (/stock/receipts/): pick a store, scan or search products, type the
quantities received, book; the recent receipts of the store; a booked receipt with its shelf-label link.

The receipt being entered lives in the page's form (``variant``/``quantity`` pairs in order), not in the
database: each "add" posts the form and gets the lines back, so nothing is written until it is booked.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kasse.backoffice.access import backoffice_view
from kasse.backoffice.paging import page_of
from kasse.catalog.models import Category, Variant
from kasse.core.actors import Actor
from kasse.inventory import selectors
from kasse.inventory.models import GoodsReceipt
from kasse.inventory.services import (
    MAX_LINES,
    InventoryError,
    ReceiptLine,
    book_goods_receipt,
    is_countable,
    parse_quantity,
)
from kasse.tenancy.models import Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest, KasseRequest
from kasse.tenancy.selectors import has_capability


@dataclass
class EntryLine:
    """A line of the receipt being entered: the variant and the quantity as typed."""

    variant: Variant
    quantity: str

    @property
    def countable(self) -> bool:
        return is_countable(self.variant)


def _store_for(request: BackofficeRequest, store_id: uuid.UUID) -> Store:
    store: Store = get_object_or_404(Store.objects.filter(is_active=True), pk=store_id)
    if not has_capability(request.employee, Capability.RECEIVE_GOODS, store):
        raise Http404  # another store's page: the same answer as a missing store
    return store


@backoffice_view(Capability.RECEIVE_GOODS)
def store_list(request: BackofficeRequest) -> HttpResponse:
    """Which store received goods; with one store there is nothing to choose."""
    stores = selectors.stores_for_goods_receipts(request.employee)
    if len(stores) == 1:
        return redirect("inventory:goods-receipt-create", store_id=stores[0].pk)
    return render(request, "inventory/backoffice/stores.html", {"stores": stores})


def _posted_lines(request: HttpRequest) -> tuple[list[EntryLine], str]:
    """The lines in the posted form, in order; ids that are malformed or not this organization's are
    dropped with an error (a foreign id is as unknown as a missing one)."""
    ids = request.POST.getlist("variant")[: MAX_LINES + 1]
    quantities = request.POST.getlist("quantity")
    parsed: list[tuple[uuid.UUID, str]] = []
    error = ""
    for index, raw in enumerate(ids):
        try:
            parsed.append((uuid.UUID(raw), quantities[index] if index < len(quantities) else ""))
        except ValueError:
            error = _("Some of these products do not exist (any more).")
    variants = Variant.objects.filter(pk__in=[pk for pk, _q in parsed]).select_related("product").in_bulk()
    lines: list[EntryLine] = []
    seen: set[uuid.UUID] = set()
    for pk, quantity in parsed:
        if pk not in variants:
            error = _("Some of these products do not exist (any more).")
        elif pk not in seen:
            seen.add(pk)
            lines.append(EntryLine(variants[pk], quantity.strip()[:20]))
    return lines, error


def _add(lines: list[EntryLine], variant: Variant) -> EntryLine:
    """Add one of ``variant``: a countable line counts up by one, a new line starts at one piece (goods
    sold by measure start empty: their quantity is weighed or measured, then typed)."""
    for line in lines:
        if line.variant.pk == variant.pk:
            if line.countable:
                # A typed quantity that is not a number stays for the person to see and fix.
                with contextlib.suppress(InventoryError):
                    line.quantity = str(parse_quantity(line.quantity or "0") + 1)
            return line
    line = EntryLine(variant, "1" if is_countable(variant) else "")
    lines.append(line)
    return line


def _render(request: KasseRequest, store: Store, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context = {"store": store, "recent": selectors.recent_goods_receipts(store), "max_lines": MAX_LINES, **context}
    if request.htmx:
        return render(request, "inventory/backoffice/partials/receipt_lines.html", context, status=status)
    return render(request, "inventory/backoffice/goods_receipt.html", context, status=status)


@backoffice_view(Capability.RECEIVE_GOODS)
def goods_receipt(request: BackofficeRequest, store_id: uuid.UUID) -> HttpResponse:
    """Enter and book a goods receipt for one store; its recent receipts below."""
    store = _store_for(request, store_id)
    if request.method != "POST":
        return _render(request, store, {"lines": [], "reference": ""})
    lines, error = _posted_lines(request)
    reference = request.POST.get("reference", "")[:200]
    context: dict[str, Any] = {"lines": lines, "reference": reference, "error": error, "choices": []}
    action = request.POST.get("action", "add")
    if action == "book":
        return _book(request, store, lines, context) if not error else _render(request, store, context, status=422)
    if remove := request.POST.get("remove"):
        context["lines"] = [line for line in lines if str(line.variant.pk) != remove]
    elif pick := request.POST.get("pick"):
        try:
            variant = Variant.objects.select_related("product").filter(pk=uuid.UUID(pick)).first()
        except ValueError:
            variant = None
        if variant is None:
            context["error"] = _("Some of these products do not exist (any more).")
        else:
            context["added"] = _add(lines, variant).variant.pk
    elif code := request.POST.get("code", "").strip()[:100]:
        found = selectors.variants_for_code(request.organization, code)
        if not found:
            context["error"] = _("Nothing found for “%(code)s”.") % {"code": code}
        elif len(found) == 1:
            context["added"] = _add(lines, found[0]).variant.pk
        else:
            context["choices"] = found
            context["code"] = code
    if len(context["lines"]) > MAX_LINES:
        context["lines"] = context["lines"][:MAX_LINES]
        context["error"] = _("At most %(max)s lines per goods receipt, please.") % {"max": MAX_LINES}
    return _render(request, store, context)


def _book(request: BackofficeRequest, store: Store, lines: list[EntryLine], context: dict[str, Any]) -> HttpResponse:
    try:
        receipt_lines = []
        for line in lines:
            if not line.quantity:
                raise InventoryError(_("Please enter the quantity of “%(name)s”.") % {"name": str(line.variant)})
            receipt_lines.append(ReceiptLine(line.variant.pk, parse_quantity(line.quantity)))
        receipt = book_goods_receipt(
            actor=Actor.for_user(request.user),
            store=store,
            employee=request.employee,
            lines=receipt_lines,
            reference=context["reference"],
        )
    except InventoryError as exc:
        context["error"] = " ".join(exc.messages)
        return _render(request, store, context, status=422)
    messages.success(
        request,
        _("Goods receipt %(number)s booked: %(lines)s lines.")
        % {"number": receipt.number, "lines": len(receipt_lines)},
    )
    return redirect("inventory:goods-receipt-detail", receipt_id=receipt.pk)


def display_quantity(value: Decimal) -> Decimal:
    """``12.000`` → ``12``, ``1.250`` → ``1.25`` (for showing; stored values keep three places)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


@require_GET
@backoffice_view(Capability.RECEIVE_GOODS)
def goods_receipt_detail(request: BackofficeRequest, receipt_id: uuid.UUID) -> HttpResponse:
    """A booked goods receipt: what arrived, who booked it, and shelf labels for it."""
    receipt: GoodsReceipt = get_object_or_404(GoodsReceipt.objects.select_related("store", "booked_by"), pk=receipt_id)
    if not has_capability(request.employee, Capability.RECEIVE_GOODS, receipt.store):
        raise Http404  # another store's receipt: the same answer as a missing one
    rows = [{"movement": m, "quantity": display_quantity(m.delta)} for m in selectors.goods_receipt_lines(receipt)]
    return render(
        request,
        "inventory/backoffice/goods_receipt_detail.html",
        {
            "receipt": receipt,
            "store": receipt.store,
            "rows": rows,
            "can_print_labels": has_capability(request.employee, Capability.MANAGE_CATALOG, receipt.store),
        },
    )


STOCK_PAGE_SIZE = 50


@require_GET
@backoffice_view(Capability.RECEIVE_GOODS)
def stock_list(request: BackofficeRequest, store_id: uuid.UUID | None = None) -> HttpResponse:
    """Bestand: stock per variant and store from the ledger, in the stores this user may see; filtered by
    search, category, store (in the path, or ``store`` from the filter form) and "out of stock only"."""
    org = request.organization
    stores = selectors.stock_stores(request.employee)
    chosen = store_id or request.GET.get("store", "").strip()
    if chosen:
        by_id = {str(s.pk): s for s in stores}
        if str(chosen) not in by_id:
            raise Http404  # another store's stock: the same answer as a missing store
        shown = [by_id[str(chosen)]]
    else:
        shown = stores
    query = request.GET.get("q", "").strip()[:100]
    categories = list(Category.objects.filter(organization=org).order_by("name"))
    category_id = request.GET.get("category", "")
    if category_id not in {str(c.pk) for c in categories}:
        category_id = ""
    out_of_stock = request.GET.get("out") == "1"
    low_only = request.GET.get("low") == "1"
    rows = selectors.stock_levels(
        org, shown, query=query, category_id=category_id or None, out_of_stock=out_of_stock, low_only=low_only
    )
    page = page_of(request, rows, STOCK_PAGE_SIZE)
    filters = {"q": query, "category": category_id, "out": "1" if out_of_stock else "", "low": "1" if low_only else ""}
    if chosen and store_id is None:
        filters["store"] = str(chosen)
    context = {
        "page": page,
        "stores": stores,
        "store_id": str(chosen) if chosen else "",
        "query": query,
        "categories": categories,
        "category_id": category_id,
        "out_of_stock": out_of_stock,
        "low_only": low_only,
        "filter_query": urlencode({k: v for k, v in filters.items() if v}),
    }
    template = "inventory/backoffice/stock_list.html"
    if request.htmx and request.htmx.target == "stock-results":
        template = "inventory/backoffice/partials/stock_results.html"
    return render(request, template, context)
