"""Stock as a ledger of deltas: nothing ever overwrites a quantity.

The stock of a variant in a store is the sum of its movements. Movements are
created where they happen (a sale on a register, a goods receipt in the back
office, a count) and are never edited; a correction is another movement.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel


class StockReason(models.TextChoices):
    SALE = "sale", _("Sale")
    REFUND = "refund", _("Return")
    RECEIPT = "receipt", _("Goods receipt")
    COUNT = "count", _("Stock count correction")
    WASTE = "waste", _("Waste / breakage")
    TRANSFER = "transfer", _("Transfer")


class StockMovement(OrganizationScopedModel):
    """One change of stock of one variant in one store (positive in, negative out)."""

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="stock_movements")
    delta = models.DecimalField(_("change"), max_digits=12, decimal_places=3)
    reason = models.CharField(_("reason"), max_length=20, choices=StockReason.choices)
    sale_line = models.ForeignKey(
        "sales.SaleLine", null=True, blank=True, on_delete=models.PROTECT, related_name="stock_movements"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [models.Index(fields=["store", "variant"])]
