"""Gapless numbers per register: receipt numbers and Z (closing) numbers."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel


class CounterKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt number")
    CLOSING = "closing", _("Closing (Z) number")


class RegisterCounter(OrganizationScopedModel):
    """The last number handed out for one kind on one register.

    Incremented under a row lock inside the transaction that uses the number,
    so a rolled-back sale gives its number back and committed numbers have no
    gaps (``kasse.sales.numbering.next_number``).
    """

    register = models.ForeignKey("tenancy.Register", on_delete=models.PROTECT, related_name="counters")
    kind = models.CharField(max_length=20, choices=CounterKind.choices)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["register", "kind"], name="register_counter_unique")]
