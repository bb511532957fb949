"""Gift cards and vouchers: voucher types, the vouchers sold, and the ledger of their value.

A voucher's balance is never a stored total: it is the sum of its entries (issued, redeemed, refunded by a
return, adjusted), written where the sale happened and synced like loyalty entries. Every entry has a
``key`` unique in its organization (``issue:<sale line>``, ``redeem:<sale line>`` …) and an id derived from
it, so an entry written twice (a retried sale, a resent batch) is one row (docs/vouchers.md).

A **multi-purpose** voucher (Mehrzweckgutschein, § 3 (15) UStG) is sold without VAT (not revenue) and the
goods it pays for carry their VAT when it is redeemed; a **single-purpose** voucher (Einzweckgutschein,
§ 3 (14) UStG) is taxed when sold, at its type's rate, and its redemption carries no VAT again.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel, money_field
from kasse.core.vat import VatClass


class VoucherType(OrganizationScopedModel):
    """A kind of gift card the shop sells, with the catalog product its sale and redemption lines use.

    Whether it is single-purpose and its VAT never change once created (receipts and exports read them)."""

    name = models.CharField(_("name"), max_length=80)
    single_purpose = models.BooleanField(
        _("single-purpose voucher"),
        default=False,
        help_text=_(
            "Only for vouchers whose goods and VAT rate are fixed when sold (e.g. a voucher for one "
            "service). Taxed when sold; otherwise a multi-purpose voucher: taxed when redeemed."
        ),
    )
    vat_class = models.CharField(_("VAT"), max_length=10, choices=VatClass.choices, default=VatClass.ZERO)
    product = models.OneToOneField(
        "catalog.Product", on_delete=models.PROTECT, related_name="voucher_type", verbose_name=_("product")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("voucher type")
        verbose_name_plural = _("voucher types")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Voucher(OrganizationScopedModel):
    """One gift card: its code (generated, or the barcode of a pre-printed card), where it was sold, and the
    token of its public balance page. Its id is derived from the code, so the same card issued twice while
    offline is one voucher."""

    voucher_type = models.ForeignKey(
        VoucherType, on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("voucher type")
    )
    code = models.CharField(_("code"), max_length=48)
    public_token = models.CharField(max_length=48, unique=True)  # the unguessable link of its balance page
    store = models.ForeignKey("tenancy.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="voucher_code_unique")]

    def __str__(self) -> str:
        return self.code


class VoucherEntryKind(models.TextChoices):
    ISSUED = "issued", _("Issued")
    REDEEMED = "redeemed", _("Redeemed")
    REFUNDED = "refunded", _("Refunded by a return")
    ADJUSTED = "adjusted", _("Adjusted")


class VoucherEntry(OrganizationScopedModel):
    """One change of a voucher's value (positive in, negative out)."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="entries", verbose_name=_("voucher"))
    kind = models.CharField(_("kind"), max_length=10, choices=VoucherEntryKind.choices)
    key = models.CharField(max_length=120)  # unique per organization: what the entry is for (idempotency)
    amount = money_field(_("amount"))
    store = models.ForeignKey("tenancy.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sale = models.ForeignKey(
        "sales.Sale", null=True, blank=True, on_delete=models.PROTECT, related_name="voucher_entries"
    )
    sale_line = models.ForeignKey(
        "sales.SaleLine", null=True, blank=True, on_delete=models.PROTECT, related_name="voucher_entries"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("voucher entry")
        verbose_name_plural = _("voucher entries")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="voucher_entry_key_unique")]
        indexes = [models.Index(fields=["voucher", "created_at"], name="voucher_entry_voucher")]
