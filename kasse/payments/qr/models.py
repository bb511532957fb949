"""A shop's account with a QR payment provider: which API, the merchant's credentials and branch.

One account per organization (``store`` empty: every store) or per store (it wins over the organization's).
The secret is stored encrypted (:mod:`kasse.fiscal.crypto`, the keys of ``KASSE_FISCAL_KEYS``), never
shown again and never synced: a store node asks the cloud for it and keeps it in memory
(:mod:`kasse.payments.qr.node_credentials`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel
from kasse.payments.qr.bluecode import SANDBOX_URL


class QrProviderKind(models.TextChoices):
    BLUECODE = "bluecode", _("Bluecode")


class QrAccount(OrganizationScopedModel):
    """The credentials kasse uses to take QR payments with one provider, for a store or all stores."""

    store = models.ForeignKey(
        "tenancy.Store",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("store"),
        help_text=_("Empty: every store of the organization that has no account of its own."),
    )
    provider = models.CharField(
        _("provider"), max_length=12, choices=QrProviderKind.choices, default=QrProviderKind.BLUECODE
    )
    api_url = models.URLField(
        _("API address"), default=SANDBOX_URL, help_text=_("Bluecode's production or sandbox merchant API")
    )
    username = models.CharField(_("access id (user name)"), max_length=120)
    secret = models.TextField(blank=True, editable=False)  # encrypted (kasse.fiscal.crypto)
    branch_ext_id = models.CharField(
        _("branch id"), max_length=120, help_text=_("The branch (shop) id the provider gave for this store")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("QR payment account")
        verbose_name_plural = _("QR payment accounts")
        ordering = ["provider", "store__number"]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} ({self.branch_ext_id})"
