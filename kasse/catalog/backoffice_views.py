"""Back-office pages of the catalog: products with variants, categories, store prices, CSV.

Views shape input with forms and hand it to the services in
:mod:`kasse.catalog.services`; a ``ValidationError`` from a service is shown
next to the field it names, and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kasse.backoffice.access import backoffice_view, organization_wide_view
from kasse.backoffice.paging import page_of
from kasse.catalog import csv_export, csv_io
from kasse.catalog.forms import (
    VARIANT_PREFIX,
    BaseVariantFormSet,
    CategoryForm,
    GenerateVariantsForm,
    ImportForm,
    ProductForm,
    StorePriceForm,
    VariantForm,
    VariantFormSet,
    format_attributes,
    variant_initial,
)
from kasse.catalog.models import Barcode, Category, Product, StorePrice, Variant
from kasse.catalog.selectors import search_products, stock_of_products
from kasse.catalog.services import save_category, save_product, set_store_price
from kasse.core.actors import Actor
from kasse.inventory.selectors import low_stock
from kasse.tenancy.models import Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest
from kasse.tenancy.selectors import stores_with_capability

PAGE_SIZE = 50
catalog_view = backoffice_view(Capability.MANAGE_CATALOG)


class CatalogRequest(BackofficeRequest):
    """A catalog page: whether the employee may change the catalog (the templates show or hide the buttons)."""

    may_change_catalog: bool


View = Callable[..., HttpResponse]


def organization_catalog_view(*, readable: bool) -> Callable[[View], View]:
    """A catalog page that changes what every store sells: owners and all-stores managers only.

    A store-bound manager may read the catalog and set their own store's prices
    (``variant_prices``). On a ``readable`` page (lists, a product's page) they get
    ``request.may_change_catalog = False`` and every POST answers with the back office's
    403 page; pages that only exist to change the catalog (new product or category,
    editing a category, the CSV import) answer them with it at once.
    """
    return organization_wide_view(Capability.MANAGE_CATALOG, readable=readable, flag="may_change_catalog")


def _actor(request: BackofficeRequest) -> Actor:
    return Actor.for_user(request.user)


# --- Product list -------------------------------------------------------------------------------


@require_GET
@organization_catalog_view(readable=True)
def product_list(request: BackofficeRequest) -> HttpResponse:
    org = request.organization
    query = request.GET.get("q", "").strip()
    categories = list(Category.objects.filter(organization=org))
    category_id = request.GET.get("category", "")
    if category_id not in {str(c.pk) for c in categories}:
        category_id = ""
    active_filter = request.GET.get("active", "")
    active = {"yes": True, "no": False}.get(active_filter)
    products = search_products(org, query, category_id=category_id or None, active=active).annotate(
        barcode_count=Count("variants__barcodes"),
        variant_count=Count("variants", distinct=True),
    )
    page = page_of(request, products, PAGE_SIZE)
    # Stock of the page's products in the stores whose stock this user sees: one query per page.
    stock_stores = stores_with_capability(request.employee, Capability.RECEIVE_GOODS)
    show_stock = stock_stores is None or bool(stock_stores)
    if show_stock:
        page.object_list = list(page.object_list)
        stock = stock_of_products([p.pk for p in page.object_list], stock_stores)
        visible = None if stock_stores is None else Store.objects.filter(pk__in=stock_stores, is_active=True)
        low = {item.variant.product_id for item in low_stock(org, visible, product_ids=stock)}
        for product in page.object_list:
            product.stock = stock.get(product.pk, Decimal("0"))  # shown in the list
            product.low = product.pk in low  # below a reorder level in a store
    filters = {k: v for k, v in {"q": query, "category": category_id, "active": active_filter}.items() if v}
    context = {
        "page": page,
        "query": query,
        "categories": categories,
        "category_id": category_id,
        "active_filter": active_filter,
        "filter_query": urlencode(filters),
        "show_stock": show_stock,
    }
    template = "catalog/product_list.html"
    if request.htmx and request.htmx.target == "product-results":
        template = "catalog/partials/product_results.html"
    return render(request, template, context)


# --- Product create/edit ------------------------------------------------------------------------


def _variant_rows(product: Product | None) -> list[dict[str, Any]]:
    if product is None:
        return [{}]  # one empty row: the default variant's SKU and barcodes
    variants = product.variants.prefetch_related(
        Prefetch("barcodes", queryset=Barcode.objects.order_by("code"))
    ).order_by("position", "name")
    return [variant_initial(v, [b.code for b in v.barcodes.all()]) for v in variants]


def _apply_service_errors(
    exc: ValidationError, form: ProductForm, variant_forms: list[VariantForm], variant_errors: list[str]
) -> None:
    """Put each message of a service error next to the field it is about."""
    index = getattr(exc, "variant_index", None)
    target: ProductForm | VariantForm = form
    if index is not None and index < len(variant_forms):
        target = variant_forms[index]
    if not hasattr(exc, "error_dict"):
        variant_errors.extend(exc.messages)
        return
    for field, errors in exc.message_dict.items():
        if field == "variants":
            variant_errors.extend(errors)
        elif field in target.fields:
            for error in errors:
                target.add_error(field, error)
        else:
            for error in errors:
                target.add_error(None, error)


def _product_page(request: BackofficeRequest, product: Product | None) -> HttpResponse:
    org = request.organization
    initial = _variant_rows(product)
    variant_ids = {row["id"] for row in initial if row.get("id")}
    variant_errors: list[str] = []
    if request.method == "POST":
        form = ProductForm(request.POST, request.FILES, organization=org, product=product)
        formset: BaseVariantFormSet = VariantFormSet(
            request.POST, prefix=VARIANT_PREFIX, initial=initial, variant_ids=variant_ids
        )
        if form.is_valid() and formset.is_valid():
            kept = formset.kept_forms()
            variants = [f.variant_data() for f in kept] if (product is not None or kept) else None
            try:
                saved = save_product(
                    actor=_actor(request),
                    organization=org,
                    data=form.service_data(),
                    variants=variants,
                    product=product,
                )
            except ValidationError as exc:
                _apply_service_errors(exc, form, kept, variant_errors)
                if product is not None:
                    product.refresh_from_db()  # the service may have changed it in memory
            else:
                messages.success(request, _("“%(name)s” has been saved.") % {"name": saved.name})
                return redirect("catalog:product-edit", pk=saved.pk)
    else:
        form = ProductForm(organization=org, product=product)
        formset = VariantFormSet(prefix=VARIANT_PREFIX, initial=initial, variant_ids=variant_ids)
    context = {
        "form": form,
        "formset": formset,
        "product": product,
        "variant_errors": variant_errors + list(formset.non_form_errors()),
        "generate_form": GenerateVariantsForm(),
        "has_errors": request.method == "POST",  # a POST that gets here was refused
    }
    return render(request, "catalog/product_form.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@organization_catalog_view(readable=False)
def product_create(request: BackofficeRequest) -> HttpResponse:
    return _product_page(request, None)


@require_http_methods(["GET", "POST"])
@organization_catalog_view(readable=True)
def product_edit(request: BackofficeRequest, pk: Any) -> HttpResponse:
    product: Product = get_object_or_404(Product.objects.select_related("category"), pk=pk)
    return _product_page(request, product)


def _total_forms(request: HttpRequest) -> int:
    try:
        return max(
            0,
            min(
                int(
                    request.GET.get(f"{VARIANT_PREFIX}-TOTAL_FORMS")
                    or request.POST.get(f"{VARIANT_PREFIX}-TOTAL_FORMS", "0")
                ),
                1000,
            ),
        )
    except ValueError:
        return 0


def _rows_response(request: HttpRequest, start: int, initials: list[dict[str, Any]]) -> HttpResponse:
    forms = [VariantForm(prefix=f"{VARIANT_PREFIX}-{start + i}", initial=row) for i, row in enumerate(initials)]
    return render(
        request,
        "catalog/partials/variant_rows.html",
        {"forms": forms, "total_forms": start + len(forms), "prefix": VARIANT_PREFIX},
    )


@require_GET
@catalog_view
def variant_row(request: HttpRequest) -> HttpResponse:
    """htmx: one more empty variant row, and the formset's new form count (out of band)."""
    return _rows_response(request, _total_forms(request), [{"is_active": True}])


@require_POST
@catalog_view
def variant_generate(request: HttpRequest) -> HttpResponse:
    """htmx: one new variant row per size × colour."""
    form = GenerateVariantsForm(request.POST)
    combos = form.combinations() if form.is_valid() else []
    rows = [
        {"name": " / ".join(c.values()), "attributes": format_attributes(c), "is_active": True} for c in combos[:200]
    ]
    return _rows_response(request, _total_forms(request), rows)


# --- Store prices -------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


@require_http_methods(["GET", "POST"])
@catalog_view
def variant_prices(request: BackofficeRequest, pk: Any) -> HttpResponse:
    """A variant's own price per store; an empty field means the organization's price."""
    variant: Variant = get_object_or_404(Variant.objects.select_related("product"), pk=pk)
    # Only the stores where this user manages the catalog (a store manager sees their store's price only).
    managed = stores_with_capability(request.employee, Capability.MANAGE_CATALOG)
    stores = [
        s
        for s in Store.objects.filter(organization=request.organization, is_active=True)
        if managed is None or s.pk in managed
    ]
    current = dict(StorePrice.objects.filter(variant=variant, store__in=stores).values_list("store_id", "price"))
    form = StorePriceForm(request.POST or None, stores=stores, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                for store in stores:
                    name = f"store_{store.pk}"
                    if name not in form.changed_data:
                        continue
                    try:
                        set_store_price(
                            actor=_actor(request), store=store, variant=variant, price=form.cleaned_data[name] or None
                        )
                    except ValidationError as exc:
                        for error in exc.messages:
                            form.add_error(name, error)
                if form.errors:
                    raise _Rollback
        except _Rollback:
            pass
        else:
            messages.success(request, _("Store prices of “%(name)s” have been saved.") % {"name": variant})
            return redirect("catalog:product-edit", pk=variant.product_id)
    return render(
        request,
        "catalog/variant_prices.html",
        {"form": form, "variant": variant, "product": variant.product},
        status=400 if form.errors else 200,
    )


# --- Categories ---------------------------------------------------------------------------------


@require_GET
@organization_catalog_view(readable=True)
def category_list(request: BackofficeRequest) -> HttpResponse:
    categories = (
        Category.objects.filter(organization=request.organization)
        .select_related("parent")
        .annotate(product_count=Count("products"))
    )
    return render(request, "catalog/category_list.html", {"categories": categories})


def _category_page(request: BackofficeRequest, category: Category | None) -> HttpResponse:
    org = request.organization
    form = CategoryForm(request.POST or None, organization=org, category=category)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["position"] = data.get("position") or 0
        try:
            saved = save_category(actor=_actor(request), organization=org, data=data, category=category)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Category “%(name)s” has been saved.") % {"name": saved.name})
            return redirect("catalog:category-list")
    return render(
        request, "catalog/category_form.html", {"form": form, "category": category}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
@organization_catalog_view(readable=False)
def category_create(request: BackofficeRequest) -> HttpResponse:
    return _category_page(request, None)


@require_http_methods(["GET", "POST"])
@organization_catalog_view(readable=False)
def category_edit(request: BackofficeRequest, pk: Any) -> HttpResponse:
    return _category_page(request, get_object_or_404(Category.objects.select_related("parent"), pk=pk))


# --- CSV ----------------------------------------------------------------------------------------


@require_GET
@catalog_view
def product_export(request: BackofficeRequest) -> HttpResponse:
    content = csv_export.export_products_csv(request.organization)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    filename = f"kasse-products-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
@organization_catalog_view(readable=False)
def product_import(request: BackofficeRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        dry_run = request.POST.get("action") != "import"
        result = csv_io.import_products_csv(
            actor=_actor(request), organization=request.organization, file=form.cleaned_data["file"], dry_run=dry_run
        )
        if result.ok and not dry_run:
            messages.success(request, result.summary)
    status = 400 if (form.errors or (result is not None and not result.ok)) else 200
    return render(
        request,
        "catalog/product_import.html",
        {"form": form, "result": result, "columns": csv_export.COLUMNS},
        status=status,
    )
