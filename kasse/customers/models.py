"""Customers of a shop: contact data, loyalty card and marketing consent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel


class ConsentSource(models.TextChoices):
    REGISTER = "register", _("At the register")
    BACKOFFICE = "backoffice", _("In the back office")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    WEB = "web", _("Web form")


class Customer(OrganizationScopedModel):
    """A known customer. ``customer_number`` is sequential per organization."""

    customer_number = models.PositiveIntegerField(_("customer number"), editable=False)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="DE", blank=True)
    vat_id = models.CharField(_("VAT ID"), max_length=20, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    loyalty_card_code = models.CharField(_("loyalty card"), max_length=48, null=True, blank=True)
    marketing_consent = models.BooleanField(_("agrees to marketing"), default=False)
    marketing_consent_at = models.DateTimeField(_("consent given/withdrawn at"), null=True, blank=True)
    marketing_consent_source = models.CharField(
        _("consent source"), max_length=20, choices=ConsentSource.choices, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    search_text = models.CharField(max_length=400, blank=True, editable=False, db_index=True)
    # {field: hybrid-clock stamp of its last change}: how edits made offline on a store node
    # and in the cloud are merged, field by field (kasse.customers.syncing).
    sync_clocks = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["last_name", "first_name", "company"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "customer_number"], name="customer_number_unique"),
            models.UniqueConstraint(
                fields=["organization", "loyalty_card_code"],
                name="customer_card_unique",
                condition=models.Q(loyalty_card_code__isnull=False),
            ),
        ]
        # The API's updated_since (kasse/api/customers.py).
        indexes = [models.Index(fields=["organization", "updated_at"], name="customer_org_updated")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        person = f"{self.first_name} {self.last_name}".strip()
        if person and self.company:
            return f"{person} ({self.company})"
        return person or self.company or f"#{self.customer_number}"
