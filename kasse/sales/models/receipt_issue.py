"""How the receipt of a sale was handed to the customer (Belegausgabepflicht, §146a (2) AO)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel


class ReceiptIssueKind(models.TextChoices):
    PRINTED = "printed", _("printed")
    DIGITAL = "digital", _("digital")
    DECLINED = "declined", _("declined by the customer")


class ReceiptIssue(OrganizationScopedModel):
    """One handing-over of a sale's receipt: printed, digital (a link the customer opens from the
    customer display's QR code) or declined by the customer. Never changed; a sale may have several
    (printed and then also digital).

    A digital receipt's link carries a random token; only its SHA-256 (``token_digest``) is stored,
    with the moment the link stops working (``expires_at``). The row goes up to the cloud like the
    sale, which serves the link (docs/receipts.md, "The digital receipt").
    """

    sale = models.ForeignKey("sales.Sale", on_delete=models.PROTECT, related_name="issues")
    kind = models.CharField(max_length=10, choices=ReceiptIssueKind.choices)
    employee = models.ForeignKey("tenancy.Employee", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    token_digest = models.CharField(max_length=64, blank=True, db_index=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
