"""Writes to the catalog. Each function validates everything first, then writes
in one transaction, so bad input changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from kasse.catalog.events import publish_product_updated
from kasse.catalog.models import Barcode, Category, Product, StorePrice, Unit, Variant
from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.barcodes import BarcodeError, validate_barcode
from kasse.core.money import MoneyError, round_money, to_decimal
from kasse.core.services import tenant_service
from kasse.core.text import search_text
from kasse.core.vat import VatClass
from kasse.sync.engine.changes import record
from kasse.tenancy.models import Organization, Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import actor_may, actor_may_everywhere

PRODUCT_FIELDS = (
    "name",
    "description",
    "unit",
    "is_measured",
    "net_content",
    "net_content_unit",
    "vat_class",
    "price",
    "cost_price",
    "track_stock",
    "is_active",
    "is_favourite",
    "category",
    "image",
)


class VariantValidationError(ValidationError):
    """A ValidationError about one variant; ``variant_index`` is its 0-based position.

    Lets a form put the message next to the right variant row and the CSV
    import name the right line. It is still a plain ``ValidationError`` with
    the same field keys for every other caller.
    """

    variant_index: int | None = None


def _for_variant(exc: ValidationError, index: int) -> VariantValidationError:
    error = VariantValidationError(exc.error_dict if hasattr(exc, "error_dict") else exc.messages)
    error.variant_index = index
    return error


def _amount_text(value: str) -> str:
    """German or English amount text as a plain decimal string: ``1.234,50`` → ``1234.50``."""
    text = value.strip().replace("€", "").replace("EUR", "").replace("\u00a0", "").replace("\u202f", "")
    text = text.replace(" ", "")
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            return text.replace(".", "").replace(",", ".")
        return text.replace(",", "")
    return text.replace(",", ".")


@dataclass
class VariantData:
    """One variant as submitted by a form, the API or an import."""

    name: str = ""
    sku: str = ""
    price: Decimal | None = None
    cost_price: Decimal | None = None
    barcodes: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    is_active: bool = True
    id: uuid.UUID | None = None


def parse_price(value: Any, field_name: str, *, required: bool) -> Decimal | None:
    """A non-negative money amount from user input, or a ValidationError for ``field_name``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError({field_name: _("Please enter a price.")})
        return None
    try:
        amount = to_decimal(_amount_text(value) if isinstance(value, str) else value)
    except MoneyError as exc:
        raise ValidationError({field_name: _("“%(value)s” is not a valid amount.") % {"value": value}}) from exc
    if amount < 0:
        raise ValidationError({field_name: _("A price must not be negative.")})
    if amount >= Decimal("100000000"):  # before rounding: 1e30 has more digits than rounding can hold
        raise ValidationError({field_name: _("This price is too large.")})
    if amount != round_money(amount):
        raise ValidationError({field_name: _("A price has at most two decimal places.")})
    return round_money(amount)


def _clean_product_data(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if k in PRODUCT_FIELDS}
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if not cleaned["name"]:
            raise ValidationError({"name": _("Please enter a name.")})
    if "vat_class" in cleaned and cleaned["vat_class"] not in VatClass.values:
        raise ValidationError(
            {
                "vat_class": _("Unknown VAT class “%(value)s”. Use one of: %(choices)s.")
                % {"value": cleaned["vat_class"], "choices": ", ".join(VatClass.values)}
            }
        )
    if "unit" in cleaned and cleaned["unit"] not in Unit.values:
        raise ValidationError(
            {
                "unit": _("Unknown unit “%(value)s”. Use one of: %(choices)s.")
                % {"value": cleaned["unit"], "choices": ", ".join(Unit.values)}
            }
        )
    if "price" in cleaned:
        cleaned["price"] = parse_price(cleaned["price"], "price", required=True)
    if "cost_price" in cleaned:
        cleaned["cost_price"] = parse_price(cleaned["cost_price"], "cost_price", required=False)
    return cleaned


def _clean_variants(
    organization: Organization, product: Product | None, variants: list[VariantData]
) -> list[tuple[VariantData, list[tuple[str, str]]]]:
    """Validate prices, SKUs and barcodes of all variants against each other and the org."""
    if not variants:
        raise ValidationError({"variants": _("A product needs at least one variant.")})
    own_variant_ids = set()
    if product is not None and product.pk:
        own_variant_ids = set(Variant.objects.filter(product=product).values_list("pk", flat=True))
    seen_codes: dict[str, str] = {}
    seen_skus: set[str] = set()
    result = []
    code_index: dict[str, int] = {}
    for index, variant in enumerate(variants, start=1):
        try:
            codes = _clean_one_variant(organization, variant, index, own_variant_ids, seen_codes, seen_skus)
        except ValidationError as exc:
            raise _for_variant(exc, index - 1) from exc
        for code, _kind in codes:
            code_index[code] = index - 1
        result.append((variant, codes))
    if seen_codes:
        taken = Barcode.objects.filter(organization=organization, code__in=list(seen_codes))
        if own_variant_ids:
            taken = taken.exclude(variant_id__in=own_variant_ids)
        clash_barcode = taken.select_related("variant__product").first()
        if clash_barcode is not None:
            raise _for_variant(
                ValidationError(
                    {
                        "barcodes": _("The barcode %(code)s already belongs to “%(product)s”.")
                        % {"code": clash_barcode.code, "product": clash_barcode.variant}
                    }
                ),
                code_index[clash_barcode.code],
            )
    return result


def _clean_one_variant(
    organization: Organization,
    variant: VariantData,
    index: int,
    own_variant_ids: set[Any],
    seen_codes: dict[str, str],
    seen_skus: set[str],
) -> list[tuple[str, str]]:
    """Check one variant (1-based ``index``); its cleaned barcodes."""
    variant.name = (variant.name or "").strip()
    variant.sku = (variant.sku or "").strip()
    variant.price = parse_price(variant.price, "price", required=False)
    variant.cost_price = parse_price(variant.cost_price, "cost_price", required=False)
    if variant.id is not None and variant.id not in own_variant_ids:
        raise ValidationError({"variants": _("Variant %(n)d does not belong to this product.") % {"n": index}})
    if variant.sku:
        if variant.sku in seen_skus:
            raise ValidationError({"sku": _("The SKU “%(sku)s” is used twice.") % {"sku": variant.sku}})
        seen_skus.add(variant.sku)
        clash = Variant.objects.filter(organization=organization, sku=variant.sku)
        if variant.id:
            clash = clash.exclude(pk=variant.id)
        if clash.exists():
            raise ValidationError(
                {"sku": _("The SKU “%(sku)s” is already used by another product.") % {"sku": variant.sku}}
            )
    codes = []
    for raw in variant.barcodes:
        if not (raw or "").strip():
            continue
        try:
            code, kind = validate_barcode(raw)
        except BarcodeError as exc:
            raise ValidationError({"barcodes": exc.message}) from exc
        if code in seen_codes:
            raise ValidationError({"barcodes": _("The barcode %(code)s is entered twice.") % {"code": code}})
        seen_codes[code] = variant.sku
        codes.append((code, kind))
    return codes


def _generate_sku(organization: Organization) -> str:
    while True:
        sku = f"K-{uuid.uuid4().hex[:8].upper()}"
        if not Variant.objects.filter(organization=organization, sku=sku).exists():
            return sku


def _refresh_search_text(product: Product) -> None:
    variants = list(product.variants.all()) if product.pk else []
    product.search_text = search_text(
        product.name,
        " ".join(v.name for v in variants),
        " ".join(v.sku for v in variants),
        product.category.name if product.category else "",
    )[:400]


ORGANIZATION_CATALOG_REFUSED = _(
    "Products and categories are shared by every store, so only owners and managers of all stores change them. "
    "You can set your store's own prices."
)


def check_organization_catalog(actor: Actor, organization: Organization) -> None:
    """Refuse a back-office user without an all-stores catalog role (a store-bound manager).

    The catalog is organization-wide: a product's price is what every store without its own
    price charges, so a manager of one store changes only that store's prices (``set_store_price``).
    """
    if not actor_may_everywhere(actor, organization.pk, Capability.MANAGE_CATALOG):
        raise ValidationError({NON_FIELD_ERRORS: [ORGANIZATION_CATALOG_REFUSED]})


@tenant_service
def save_product(
    *,
    actor: Actor,
    organization: Organization,
    data: dict[str, Any],
    variants: list[VariantData] | None = None,
    product: Product | None = None,
) -> Product:
    """Create or change a product together with its variants and barcodes.

    ``variants=None`` on a change keeps them as they are. On create, no
    variants means one default variant. Variants left out of the list on a
    change are deactivated (sales refer to them) and their barcodes freed.
    """
    check_organization_catalog(actor, organization)
    creating = product is None
    cleaned = _clean_product_data(data)
    category = cleaned.get("category")
    if category is not None and category.organization_id != organization.pk:
        raise ValidationError({"category": _("Unknown category.")})
    if product is None:
        if "price" not in cleaned:
            raise ValidationError({"price": _("Please enter a price.")})
        product = Product(organization=organization)
        if variants is None:
            variants = [VariantData()]
    for key, value in cleaned.items():
        if key == "image":
            # A file to store, or False/None/"" to remove the image (ClearableFileInput).
            product.image = value or ""
            continue
        setattr(product, key, value)
    if product.net_content and not product.net_content_unit:
        raise ValidationError({"net_content_unit": _("Please choose the unit of the net content.")})
    product.full_clean(exclude=["organization", "search_text", "image"])
    # a new product (its UUID is born with it) has no variants of its own to look up
    checked = _clean_variants(organization, None if creating else product, variants) if variants is not None else None
    product.save()
    changes: dict[str, Any] = {k: str(v) for k, v in cleaned.items()}
    gone_barcodes: list[Barcode] = []
    if checked is not None:
        keep_ids = []
        for position, (variant_data, codes) in enumerate(checked):
            if variant_data.id:
                variant = Variant.objects.get(pk=variant_data.id, product=product)
            else:
                variant = Variant(organization=organization, product=product)
            variant.name = variant_data.name
            variant.sku = variant_data.sku or variant.sku or _generate_sku(organization)
            variant.price = variant_data.price
            variant.cost_price = variant_data.cost_price
            variant.attributes = variant_data.attributes
            variant.is_active = variant_data.is_active
            variant.position = position
            variant.save()
            keep_ids.append(variant.pk)
            existing: set[str] = set()
            if not creating:  # a new product's variants are new: no barcodes to free or keep, nothing removed
                stale = Barcode.objects.filter(variant=variant).exclude(code__in=[c for c, _k in codes])
                gone_barcodes += list(stale)
                stale.delete()
                existing = set(Barcode.objects.filter(variant=variant).values_list("code", flat=True))
            Barcode.objects.bulk_create(
                Barcode(organization=organization, variant=variant, code=code, kind=kind)
                for code, kind in codes
                if code not in existing
            )
        if not creating:
            removed = Variant.objects.filter(product=product).exclude(pk__in=keep_ids)
            stale = Barcode.objects.filter(variant__in=removed)
            gone_barcodes += list(stale)
            stale.delete()
            removed.update(is_active=False)
        changes["variants"] = [v.sku for v, _c in checked]
    _refresh_search_text(product)
    product.save(update_fields=["search_text", "updated_at"])
    log_action(
        organization, actor, "catalog.product.created" if creating else "catalog.product.changed", product, changes
    )
    record(
        "product",
        [product, *Variant.objects.filter(product=product), *Barcode.objects.filter(variant__product=product)],
        deleted=gone_barcodes,
    )
    if not creating:
        publish_product_updated(product)  # after the commit, in the background (kasse/notifications)
    return product


@tenant_service
def set_store_price(*, actor: Actor, store: Store, variant: Variant, price: Decimal | str | None) -> StorePrice | None:
    """Set (or with ``price=None`` remove) a store's own price for a variant.

    A back-office user needs the catalog capability in that store.
    """
    amount = parse_price(price, "price", required=False)
    if variant.organization_id != store.organization_id:
        raise ValidationError({"variant": _("Unknown variant.")})
    if not actor_may(actor, store.organization_id, Capability.MANAGE_CATALOG, store):
        raise ValidationError({"price": _("You may only set prices of the stores you manage.")})
    if amount is None:
        gone = list(StorePrice.objects.filter(store=store, variant=variant))
        StorePrice.objects.filter(store=store, variant=variant).delete()
        record("store_price", [], deleted=gone)
        log_action(store.organization, actor, "catalog.store_price.removed", variant, {"store": str(store.pk)})
        return None
    store_price, _created = StorePrice.objects.update_or_create(
        store=store,
        variant=variant,
        defaults={"price": amount, "organization_id": store.organization_id},
    )
    log_action(
        store.organization, actor, "catalog.store_price.set", variant, {"store": str(store.pk), "price": str(amount)}
    )
    record("store_price", [store_price])
    return store_price


def _would_be_own_ancestor(category: Category) -> bool:
    """Whether ``category`` is among the ancestors its (new) parent gives it: the tree would become a cycle."""
    ancestor, seen = category.parent, set()
    while ancestor is not None and ancestor.pk not in seen:
        if ancestor.pk == category.pk:
            return True
        seen.add(ancestor.pk)
        ancestor = ancestor.parent
    return False


@tenant_service
def save_category(
    *, actor: Actor, organization: Organization, data: dict[str, Any], category: Category | None = None
) -> Category:
    """Create or change a category (organization-wide: owners and all-stores managers)."""
    check_organization_catalog(actor, organization)
    creating = category is None
    if category is None:
        category = Category(organization=organization)
    for key in ("name", "parent", "position", "color", "is_active"):
        if key in data:
            setattr(category, key, data[key])
    category.name = (category.name or "").strip()
    if category.parent_id and category.parent and category.parent.organization_id != organization.pk:
        raise ValidationError({"parent": _("Unknown category.")})
    if _would_be_own_ancestor(category):
        raise ValidationError({"parent": _("A category cannot be placed inside itself.")})
    category.full_clean(exclude=["organization"])
    clash = Category.objects.filter(
        organization=organization, parent=category.parent, name__iexact=category.name
    ).exclude(pk=category.pk)
    if clash.exists():
        raise ValidationError({"name": _("A category with this name already exists.")})
    category.save()
    log_action(
        organization,
        actor,
        "catalog.category.created" if creating else "catalog.category.changed",
        category,
        {"name": category.name},
    )
    record("category", [category])
    return category
