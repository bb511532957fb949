"""The catalog: categories, products, their variants, barcodes and store prices.

Every product has at least one variant (a simple product has exactly one, the
*default variant*); barcodes, SKUs, stock and sale lines refer to variants.
Prices are VAT-inclusive ``Decimal`` euros. A variant's price is its own
override, else its product's price; a store can override either.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kasse.core.barcodes import BarcodeKind
from kasse.core.models import OrganizationScopedModel
from kasse.core.vat import VatClass

NON_NEGATIVE = [MinValueValidator(Decimal("0.00"))]


class Unit(models.TextChoices):
    """What one unit of quantity is. Prices are per this unit."""

    PIECE = "piece", _("piece")
    KG = "kg", _("kg")
    HUNDRED_G = "100g", _("100 g")
    LITRE = "l", _("litre")
    METRE = "m", _("metre")


class ContentUnit(models.TextChoices):
    """Unit of a pack's net content, for the base price German law asks for (PAngV)."""

    G = "g", _("g")
    KG = "kg", _("kg")
    ML = "ml", _("ml")
    L = "l", _("l")
    M = "m", _("m")
    PIECE = "piece", _("piece")


class Category(OrganizationScopedModel):
    """A group of products, shown as a tab on the register and used in reports."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent category"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    color = models.CharField(_("colour"), max_length=7, blank=True, help_text="#RRGGBB")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "parent", "name"], name="category_name_unique"),
            models.UniqueConstraint(
                fields=["organization", "name"],
                condition=models.Q(parent__isnull=True),
                name="category_top_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Product(OrganizationScopedModel):
    """Something the shop sells. Priced, taxed and stocked through its variants."""

    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="products",
        verbose_name=_("category"),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PIECE)
    is_measured = models.BooleanField(
        _("sold by weight or measure"),
        default=False,
        help_text=_("The register asks for the weight or length if no scale label is scanned."),
    )
    net_content = models.DecimalField(
        _("net content"),
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("Content of one pack, for the base price (e.g. 500 g)."),
    )
    net_content_unit = models.CharField(_("net content unit"), max_length=10, choices=ContentUnit.choices, blank=True)
    vat_class = models.CharField(_("VAT"), max_length=10, choices=VatClass.choices, default=VatClass.STANDARD)
    price = models.DecimalField(_("price (incl. VAT)"), max_digits=10, decimal_places=2, validators=NON_NEGATIVE)
    cost_price = models.DecimalField(
        _("cost price (net)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
    )
    track_stock = models.BooleanField(_("track stock"), default=True)
    # The product of a voucher type (kasse.vouchers): its lines are gift cards sold or redeemed, never goods.
    is_voucher = models.BooleanField(_("gift card"), default=False, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_favourite = models.BooleanField(_("favourite on the register"), default=False)
    image = models.ImageField(_("image"), upload_to="products/", blank=True)
    # Folded name, SKUs and category for case-/umlaut-insensitive search (kasse.core.text).
    search_text = models.CharField(max_length=400, blank=True, editable=False, db_index=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["organization", "category", "name"]),
            # The API's updated_since (kasse/api/catalog.py).
            models.Index(fields=["organization", "updated_at"], name="product_org_updated"),
        ]

    def __str__(self) -> str:
        return self.name


class Variant(OrganizationScopedModel):
    """A sellable version of a product (e.g. size M in blue), with its SKU and barcodes."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants", verbose_name=_("product"))
    name = models.CharField(
        _("variant"), max_length=120, blank=True, help_text=_("Empty for a product without variants.")
    )
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    sku = models.CharField(_("SKU"), max_length=64)
    price = models.DecimalField(
        _("price (incl. VAT)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("Empty: the product's price."),
    )
    cost_price = models.DecimalField(
        _("cost price (net)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "sku"], name="variant_sku_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.name}".strip()

    @property
    def effective_price(self) -> Decimal:
        """Organization-wide price: the variant's own, else the product's."""
        return self.price if self.price is not None else self.product.price


class Barcode(OrganizationScopedModel):
    """A code that finds a variant when scanned; unique within an organization."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="barcodes", verbose_name=_("variant"))
    code = models.CharField(_("barcode"), max_length=48)
    kind = models.CharField(_("type"), max_length=10, choices=BarcodeKind.choices)

    class Meta:
        verbose_name = _("barcode")
        verbose_name_plural = _("barcodes")
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="barcode_code_unique"),
        ]

    def __str__(self) -> str:
        return self.code


class StorePrice(OrganizationScopedModel):
    """A store's own selling price for a variant, overriding the organization's."""

    store = models.ForeignKey("tenancy.Store", on_delete=models.CASCADE, related_name="prices", verbose_name=_("store"))
    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, related_name="store_prices", verbose_name=_("variant")
    )
    price = models.DecimalField(_("price (incl. VAT)"), max_digits=10, decimal_places=2, validators=NON_NEGATIVE)

    class Meta:
        verbose_name = _("store price")
        verbose_name_plural = _("store prices")
        constraints = [
            models.UniqueConstraint(fields=["store", "variant"], name="store_price_unique"),
        ]
