"""A cart given up with items (AVBelegabbruch): what was in it, kept for the DSFinV-K export.

The register's cart is working state and is deleted when the cashier gives it up; its TSE transaction is
cancelled as ``AVBelegabbruch`` with the amounts per VAT rate. DSFinV-K's single records list a Vorgang's
items (``lines.csv``) for an aborted receipt too, so the items are kept here, written in the transaction
that deletes the cart, never changed, and sent up to the cloud like a sale.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel, money_field


class AbortedCart(OrganizationScopedModel):
    """The items of a cart given up (``id`` is the cart's, the TSE transaction's ``tx_id``).

    ``lines``: one dict per item as priced when it was given up: ``position``, ``name``, ``sku``,
    ``barcode``, ``unit``, ``quantity``, ``unit_price``, ``discount``, ``total`` (gross after discounts),
    ``vat_rate``, ``vat_dsfinvk_id``, ``category_id``, ``category`` (numbers as strings).
    """

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    register = models.ForeignKey("tenancy.Register", on_delete=models.PROTECT, related_name="+")
    shift = models.ForeignKey("sales.Shift", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    employee = models.ForeignKey("tenancy.Employee", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    employee_name = models.CharField(_("cashier"), max_length=120, blank=True)
    started_at = models.DateTimeField(_("started"))
    aborted_at = models.DateTimeField(_("given up"))
    total = money_field(_("total"))
    training = models.BooleanField(_("training"), default=False)
    lines = models.JSONField(default=list)

    class Meta:
        verbose_name = _("cart given up")
        verbose_name_plural = _("carts given up")
        ordering = ["aborted_at"]
