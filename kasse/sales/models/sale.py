"""Receipts: a completed sale or return, its lines, VAT rows and payments.

A ``Sale`` row only exists once the sale is complete: order, lines, VAT rows,
payments, stock movements and the receipt number are written in one
transaction (``kasse.sales.services.checkout.complete_sale``). Nothing is
edited afterwards (GoBD); a return is a new ``Sale`` of kind ``refund`` that
points to its original, with negative quantities and amounts.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel, money_field, organization_without_own_index
from kasse.core.vat import VatClass


class SaleKind(models.TextChoices):
    SALE = "sale", _("Sale")
    REFUND = "refund", _("Return")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    # A payment code the customer showed in an app, approved by its provider (kasse/payments/qr; the
    # payment's ``reference`` is ``qr:<id>``). QR payments before this method existed were stored as ``other``.
    QR = "qr", _("QR payment")
    OTHER = "other", _("Other")
    # Exchange credit: negative on the return that issues it, positive on the sale it pays
    # (``reference`` = the return's id). Sums to zero over a shift; never cash.
    CREDIT = "credit", _("Exchange credit")


class Sale(OrganizationScopedModel):
    """A completed receipt on one register, numbered gaplessly per register."""

    # organization, store and register have no one-column index: an index of the Meta (or the unique
    # register/receipt number) starts with each and serves its look-ups
    organization = organization_without_own_index()
    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="sales", db_index=False)
    register = models.ForeignKey("tenancy.Register", on_delete=models.PROTECT, related_name="sales", db_index=False)
    shift = models.ForeignKey("sales.Shift", on_delete=models.PROTECT, related_name="sales")
    kind = models.CharField(_("kind"), max_length=10, choices=SaleKind.choices, default=SaleKind.SALE)
    receipt_number = models.PositiveBigIntegerField(_("receipt number"))
    employee = models.ForeignKey("tenancy.Employee", on_delete=models.PROTECT, related_name="sales")
    employee_name = models.CharField(_("cashier"), max_length=120)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="sales"
    )
    original_sale = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
        verbose_name=_("original receipt"),
        db_index=False,  # set on returns only: a partial index (Meta)
    )
    started_at = models.DateTimeField(_("started"))
    completed_at = models.DateTimeField(_("completed"), db_index=True)
    currency = models.CharField(max_length=3, default="EUR")
    subtotal = money_field(_("subtotal"))
    order_discount = money_field(_("order discount"), default=0)
    # The part of ``order_discount`` that redeemed loyalty points and stamp cards took (kasse.loyalty).
    loyalty_discount = money_field(_("loyalty points redeemed"), default=0)
    total = money_field(_("total"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    # Made in training mode (a training receipt, AVTraining): kept out of revenue, cash, stock and every
    # sum; listed and marked in the journal and the DSFinV-K export (docs/fiscal.md, Integration item 6).
    is_training = models.BooleanField(_("training"), default=False)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-completed_at"]
        constraints = [
            models.UniqueConstraint(fields=["register", "receipt_number"], name="sale_receipt_number_unique"),
        ]
        # The receipt journal's keyset pages and its search by number (kasse/sales/journal.py).
        indexes = [
            models.Index(fields=["organization", "-completed_at", "-id"], name="sale_org_completed"),
            models.Index(fields=["store", "-completed_at", "-id"], name="sale_store_completed"),
            models.Index(fields=["organization", "receipt_number"], name="sale_org_receipt_number"),
            # The API's lists of sales and returns: updated_since and the cursor in change order (kasse/api/sales.py).
            models.Index(fields=["organization", "kind", "updated_at", "id"], name="sale_org_kind_updated"),
            # a return's original: empty on every sale, so only the returns are indexed
            models.Index(fields=["original_sale"], condition=Q(original_sale__isnull=False), name="sale_original_sale"),
        ]

    def __str__(self) -> str:
        return f"{self.register.serial_number}/{self.receipt_number}"


class SaleLine(OrganizationScopedModel):
    """One line of a receipt, with everything as it was when sold (name, price, VAT rate)."""

    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="lines", db_index=False)  # (sale, position)
    position = models.PositiveIntegerField()
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="sale_lines")
    product_name = models.CharField(max_length=200)
    variant_name = models.CharField(max_length=120, blank=True)
    sku = models.CharField(max_length=64)
    barcode = models.CharField(max_length=48, blank=True)
    unit = models.CharField(max_length=10)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    list_price = money_field()  # the price the catalog gave
    unit_price = money_field()  # the price charged (differs after an override)
    line_discount = money_field(default=0)
    order_discount_share = money_field(default=0)
    # what a promotion took off (kasse.sales.promotion_step), with the promotion and its name as printed
    promotion_discount = money_field(default=0)
    promotion = models.ForeignKey(
        "promotions.Promotion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sale_lines",
        db_index=False,  # partial index (Meta)
    )
    promotion_name = models.CharField(max_length=100, blank=True)
    total = money_field()  # gross after all discounts
    vat_class = models.CharField(max_length=10, choices=VatClass.choices)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    vat_dsfinvk_id = models.PositiveSmallIntegerField()
    approved_by = models.ForeignKey(
        "tenancy.Employee", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    original_line = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="refund_lines", db_index=False
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["sale", "position"], name="sale_line_position_unique")]
        # The foreign keys empty on almost every line (a promotion, an approved override, a return's
        # original) index only the lines that have one: ``col = x`` and the protect checks still use them.
        indexes = [
            models.Index(fields=["promotion"], condition=Q(promotion__isnull=False), name="sale_line_promotion"),
            models.Index(fields=["approved_by"], condition=Q(approved_by__isnull=False), name="sale_line_approved_by"),
            models.Index(
                fields=["original_line"], condition=Q(original_line__isnull=False), name="sale_line_original_line"
            ),
        ]


class SaleVat(OrganizationScopedModel):
    """A receipt's VAT row per rate, exactly as printed (gross = net + VAT)."""

    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="vat_rows")
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    vat_dsfinvk_id = models.PositiveSmallIntegerField()
    gross = money_field()
    net = money_field()
    vat = money_field()

    class Meta:
        ordering = ["-vat_rate"]


class Payment(OrganizationScopedModel):
    """Money taken (or, on a return, given back) for a receipt.

    ``amount`` is what counts towards the total; for cash, ``tendered`` is what
    the customer handed over and ``change`` what went back.
    """

    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="payments")
    position = models.PositiveIntegerField()
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    amount = money_field()
    tendered = money_field(default=0)
    change = money_field(default=0)
    reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["position"]
