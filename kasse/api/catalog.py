"""Catalog endpoints: categories, products with variants, barcodes and store prices.

Reads go through scoped querysets (the tenancy middleware activated the token's
organization); writes only through :mod:`kasse.catalog.services`, all of one
request in one transaction, so a refused request changes nothing.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kasse.api.catalog_schemas import (
    BarcodeLookupOut,
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    ProductIn,
    ProductOut,
    ProductPatch,
    StorePriceIn,
    VariantIn,
)
from kasse.api.errors import RequestError, service_errors
from kasse.api.types import ERRORS, ERRORS_WITH_ID, Pagination, Text, parse_since
from kasse.catalog.models import Barcode, Category, Product, StorePrice, Variant
from kasse.catalog.selectors import search_products, variant_by_barcode
from kasse.catalog.services import VariantData, save_category, save_product, set_store_price
from kasse.core.actors import Actor
from kasse.tenancy.models import Organization, Store
from kasse.tenancy.requests import ApiRequest

router = Router(tags=["catalog"])


def _org(request: ApiRequest) -> Organization:
    return request.organization


def _actor(request: ApiRequest) -> Actor:
    return Actor.for_api_token(request.api_token)


# --- Categories ------------------------------------------------------------------------------


class CategoryFilters(Schema):
    active: bool | None = Field(None, description="Only active (true) or inactive (false) categories.")


@router.get("/categories", response={200: list[CategoryOut], **ERRORS}, url_name="category_list")
@paginate(Pagination)
def list_categories(request: ApiRequest, filters: Query[CategoryFilters]) -> QuerySet[Category]:
    """All categories, by position and name."""
    qs = Category.objects.filter(organization=_org(request))
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return qs.order_by("position", "name", "pk")


@router.get("/categories/{category_id}", response={200: CategoryOut, **ERRORS_WITH_ID}, url_name="category_detail")
def get_category(request: ApiRequest, category_id: UUID) -> Category:
    """One category."""
    return get_object_or_404(Category, organization=_org(request), pk=category_id)


def _category_or_error(org: Organization, category_id: UUID | None, field: str) -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.filter(organization=org, pk=category_id).first()
    if category is None:
        raise RequestError([{"field": field, "message": _("Unknown category.")}])
    return category


def _write_category(request: ApiRequest, data: dict[str, Any], category: Category | None) -> Category:
    org = _org(request)
    if "parent_id" in data:
        data["parent"] = _category_or_error(org, data.pop("parent_id"), "parent_id")
    return save_category(actor=_actor(request), organization=org, data=data, category=category)


@router.post("/categories", response={201: CategoryOut, **ERRORS}, url_name="category_create")
def create_category(request: ApiRequest, payload: CategoryIn) -> Status[Category]:
    """Create a category."""
    return Status(201, _write_category(request, payload.model_dump(), None))


@router.put("/categories/{category_id}", response={200: CategoryOut, **ERRORS_WITH_ID}, url_name="category_detail")
def replace_category(request: ApiRequest, category_id: UUID, payload: CategoryIn) -> Category:
    """Change a category; fields left out get their defaults."""
    category = get_object_or_404(Category, organization=_org(request), pk=category_id)
    return _write_category(request, payload.model_dump(), category)


@router.patch("/categories/{category_id}", response={200: CategoryOut, **ERRORS_WITH_ID}, url_name="category_detail")
def update_category(request: ApiRequest, category_id: UUID, payload: CategoryPatch) -> Category:
    """Change the fields sent; null leaves a field as it is (except `parent_id`)."""
    category = get_object_or_404(Category, organization=_org(request), pk=category_id)
    data = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None or k == "parent_id"}
    return _write_category(request, data, category)


# --- Products --------------------------------------------------------------------------------


def with_api_relations(products: QuerySet[Product]) -> QuerySet[Product]:
    """``products`` with everything the API shows, in a fixed number of queries."""
    variants = Variant.objects.order_by("position", "name", "pk").prefetch_related(
        Prefetch("barcodes", queryset=Barcode.objects.order_by("pk")),
        Prefetch("store_prices", queryset=StorePrice.objects.order_by("pk")),
    )
    return products.select_related("category").prefetch_related(Prefetch("variants", queryset=variants))


def product_queryset(org: Organization) -> QuerySet[Product]:
    """The organization's products with everything the API shows."""
    return with_api_relations(Product.objects.filter(organization=org))


def _product_or_404(org: Organization, product_id: UUID) -> Product:
    return get_object_or_404(product_queryset(org), pk=product_id)


class ProductFilters(Schema):
    q: Text | None = Field(
        None,
        max_length=200,
        description="Search words (name, variant, SKU; case and umlauts ignored) or an exact barcode/SKU.",
        examples=["brotchen"],
    )
    category_id: UUID | None = Field(None, description="Only products in this category.")
    active: bool | None = Field(None, description="Only active (true) or inactive (false) products.")
    updated_since: datetime | None = Field(
        None,
        description="Only products changed at or after this time (ISO 8601).",
        examples=["2025-01-31T12:00:00Z"],
    )


@router.get("/products", response={200: list[ProductOut], **ERRORS}, url_name="product_list")
@paginate(Pagination)
def list_products(request: ApiRequest, filters: Query[ProductFilters]) -> QuerySet[Product]:
    """Products with their variants, barcodes and store prices; searchable and filterable."""
    org = _org(request)
    found = search_products(
        org,
        filters.q or "",
        category_id=str(filters.category_id) if filters.category_id else None,
        active=filters.active,
    )
    since = parse_since(filters.updated_since)
    if since is not None:
        found = found.filter(updated_at__gte=since)
    # The search's own queryset keeps its ranking (exact name, then prefix, then the rest).
    return with_api_relations(found)


@router.get(
    "/products/by-barcode/{code}", response={200: BarcodeLookupOut, **ERRORS_WITH_ID}, url_name="product_by_barcode"
)
def product_by_barcode(request: ApiRequest, code: str) -> dict[str, Any]:
    """The variant (and its product) a scanned code belongs to; 404 if the code is unknown."""
    org = _org(request)
    variant = None if "\x00" in code else variant_by_barcode(org, code)
    if variant is None:
        raise Http404
    product = _product_or_404(org, variant.product_id)
    variant = next(v for v in product.variants.all() if v.pk == variant.pk)
    return {"variant": variant, "product": product}


@router.get("/products/{product_id}", response={200: ProductOut, **ERRORS_WITH_ID}, url_name="product_detail")
def get_product(request: ApiRequest, product_id: UUID) -> Product:
    """One product with its variants, barcodes and store prices."""
    return _product_or_404(_org(request), product_id)


def _stores_for(org: Organization, variants: list[VariantIn]) -> dict[UUID, Store]:
    """Check every store id in the request before anything is written."""
    wanted = {sp.store_id for v in variants for sp in (v.store_prices or [])}
    stores = {s.pk: s for s in Store.objects.filter(organization=org, pk__in=wanted)}
    errors = []
    for i, variant in enumerate(variants):
        seen: set[UUID] = set()
        for j, sp in enumerate(variant.store_prices or []):
            field = f"variants.{i}.store_prices.{j}.store_id"
            if sp.store_id not in stores:
                errors.append({"field": field, "message": _("Unknown store.")})
            elif sp.store_id in seen:
                errors.append({"field": field, "message": _("This store is listed twice.")})
            seen.add(sp.store_id)
    if errors:
        raise RequestError(errors)
    return stores


def _variant_data(variant: VariantIn) -> VariantData:
    return VariantData(
        id=variant.id,
        name=variant.name,
        sku=variant.sku,
        price=None if variant.price is None else Decimal(variant.price),
        cost_price=None if variant.cost_price is None else Decimal(variant.cost_price),
        barcodes=list(variant.barcodes),
        attributes=dict(variant.attributes),
        is_active=variant.is_active,
    )


def _apply_store_prices(
    request: ApiRequest, product: Product, before: set[UUID], variants: list[VariantIn], stores: dict[UUID, Store]
) -> None:
    """Make each variant's store prices exactly those of the request (where it sent a list)."""
    new_variants = iter(Variant.objects.filter(product=product).exclude(pk__in=before).order_by("position"))
    for i, variant_in in enumerate(variants):
        variant = Variant.objects.get(pk=variant_in.id) if variant_in.id is not None else next(new_variants)
        if variant_in.store_prices is None:
            continue
        current = {sp.store_id: sp.price for sp in StorePrice.objects.filter(variant=variant)}
        for j, wanted in enumerate(variant_in.store_prices):
            try:
                _set_store_price(request, stores[wanted.store_id], variant, wanted, current.get(wanted.store_id))
            except ValidationError as exc:
                raise RequestError(service_errors(exc, f"variants.{i}.store_prices.{j}.")) from exc
        for store_id in set(current) - {sp.store_id for sp in variant_in.store_prices}:
            store = Store.objects.get(pk=store_id)
            set_store_price(actor=_actor(request), store=store, variant=variant, price=None)


def _set_store_price(
    request: ApiRequest, store: Store, variant: Variant, wanted: StorePriceIn, current: Decimal | None
) -> None:
    if current is not None and Decimal(wanted.price) == current:
        return
    set_store_price(actor=_actor(request), store=store, variant=variant, price=Decimal(wanted.price))


PRODUCT_NULLABLE = {"category_id", "net_content", "cost_price"}


def _write_product(
    request: ApiRequest, data: dict[str, Any], variants: list[VariantIn] | None, product: Product | None
) -> Product:
    org = _org(request)
    data = {k: v for k, v in data.items() if k != "variants"}
    if "category_id" in data:
        data["category"] = _category_or_error(org, data.pop("category_id"), "category_id")
    if data.get("net_content") is not None:
        data["net_content"] = Decimal(data["net_content"])
    stores = _stores_for(org, variants or [])
    with transaction.atomic():
        before = set(Variant.objects.filter(product=product).values_list("pk", flat=True)) if product else set()
        saved = save_product(
            actor=_actor(request),
            organization=org,
            data=data,
            product=product,
            variants=None if variants is None else [_variant_data(v) for v in variants],
        )
        if variants is not None:
            _apply_store_prices(request, saved, before, variants, stores)
    return _product_or_404(org, saved.pk)


@router.post("/products", response={201: ProductOut, **ERRORS}, url_name="product_create")
def create_product(request: ApiRequest, payload: ProductIn) -> Status[Product]:
    """Create a product with its variants, barcodes and store prices."""
    return Status(201, _write_product(request, payload.model_dump(), payload.variants, None))


@router.put("/products/{product_id}", response={200: ProductOut, **ERRORS_WITH_ID}, url_name="product_detail")
def replace_product(request: ApiRequest, product_id: UUID, payload: ProductIn) -> Product:
    """Change a product; fields left out get their defaults, `variants` left out stay as they are."""
    product = _product_or_404(_org(request), product_id)
    return _write_product(request, payload.model_dump(), payload.variants, product)


@router.patch("/products/{product_id}", response={200: ProductOut, **ERRORS_WITH_ID}, url_name="product_detail")
def update_product(request: ApiRequest, product_id: UUID, payload: ProductPatch) -> Product:
    """Change the fields sent. null leaves a field as it is, except `category_id`,
    `net_content` and `cost_price`, where it clears the value."""
    product = _product_or_404(_org(request), product_id)
    data = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None or k in PRODUCT_NULLABLE}
    return _write_product(request, data, payload.variants, product)


@router.post(
    "/products/{product_id}/deactivate", response={200: ProductOut, **ERRORS_WITH_ID}, url_name="product_deactivate"
)
def deactivate_product(request: ApiRequest, product_id: UUID) -> Product:
    """Take a product off sale. Products are never deleted: past sales refer to them.
    `PATCH` with `"is_active": true` puts it back on sale."""
    product = _product_or_404(_org(request), product_id)
    if product.is_active:
        save_product(actor=_actor(request), organization=_org(request), data={"is_active": False}, product=product)
        product = _product_or_404(_org(request), product_id)
    return product
