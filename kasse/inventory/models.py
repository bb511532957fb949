"""Stock as a ledger of deltas: nothing ever overwrites a quantity.

The stock of a variant in a store is the sum of its movements. Movements are
created where they happen (a sale on a register, a goods receipt in the back
office, a count) and are never edited; a correction is another movement.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel, organization_without_own_index


class StockReason(models.TextChoices):
    SALE = "sale", _("Sale")
    REFUND = "refund", _("Return")
    RECEIPT = "receipt", _("Goods receipt")
    COUNT = "count", _("Stock count correction")
    WASTE = "waste", _("Waste / breakage")
    TRANSFER = "transfer", _("Transfer")


class GoodsReceipt(OrganizationScopedModel):
    """Goods received in one store and booked together: the header its stock movements point to.

    Booked in the back office (:func:`kasse.inventory.services.book_goods_receipt`) and
    never changed afterwards; a mistake is corrected by another movement. ``number``
    counts per store from 1.
    """

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    number = models.PositiveIntegerField(_("number"))
    reference = models.CharField(_("supplier / delivery note"), max_length=100, blank=True)
    booked_by = models.ForeignKey(
        "tenancy.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("booked by")
    )
    booked_at = models.DateTimeField(_("booked at"))

    class Meta:
        verbose_name = _("goods receipt")
        verbose_name_plural = _("goods receipts")
        ordering = ["-booked_at"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="goods_receipt_number_unique"),
        ]

    def __str__(self) -> str:
        return str(self.number)


class StockMovement(OrganizationScopedModel):
    """One change of stock of one variant in one store (positive in, negative out)."""

    # organization and store: the composite indexes of the Meta start with them
    organization = organization_without_own_index()
    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+", db_index=False)
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="stock_movements")
    delta = models.DecimalField(_("change"), max_digits=12, decimal_places=3)
    reason = models.CharField(_("reason"), max_length=20, choices=StockReason.choices)
    sale_line = models.ForeignKey(
        "sales.SaleLine", null=True, blank=True, on_delete=models.PROTECT, related_name="stock_movements"
    )
    goods_receipt = models.ForeignKey(
        GoodsReceipt,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="movements",
        verbose_name=_("goods receipt"),
        db_index=False,  # empty on every sale's movement: a partial index (Meta)
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [
            models.Index(fields=["store", "variant"]),
            # The API's stock levels with updated_since: which variants moved since (kasse/api/stores.py).
            models.Index(fields=["organization", "created_at"], name="stock_movement_org_created"),
            models.Index(
                fields=["goods_receipt"], condition=Q(goods_receipt__isnull=False), name="stock_movement_goods_receipt"
            ),
        ]


class StockThreshold(OrganizationScopedModel):
    """The reorder level ("Meldebestand") of a variant: stock below ``minimum`` is low.

    ``store`` empty: the level of every store that has none of its own; a store's own level overrides it.
    Kept in the cloud only (set in the back office, read by its pages and notifications).
    """

    variant = models.ForeignKey(
        "catalog.Variant", on_delete=models.CASCADE, related_name="stock_thresholds", verbose_name=_("variant")
    )
    store = models.ForeignKey(
        "tenancy.Store", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    minimum = models.DecimalField(_("reorder level"), max_digits=12, decimal_places=3)

    class Meta:
        verbose_name = _("reorder level")
        verbose_name_plural = _("reorder levels")
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "store"], condition=models.Q(store__isnull=False), name="stock_threshold_store"
            ),
            models.UniqueConstraint(
                fields=["variant"], condition=models.Q(store__isnull=True), name="stock_threshold_all_stores"
            ),
            models.CheckConstraint(condition=models.Q(minimum__gte=0), name="stock_threshold_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}: {self.minimum}"
