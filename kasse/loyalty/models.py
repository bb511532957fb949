"""Loyalty: the program of an organization, its tiers and stamp cards, and the ledger of points and stamps.

Points and stamps are never a stored total: a customer's balance is the sum of their ledger entries
(earned, redeemed, expired, adjusted, reversed by a return), written where the sale happened and synced like
stock movements. Every entry has a ``key`` that is unique in its organization (``earn:<sale id>`` …), and
its id is derived from that key, so an entry written twice (a retried sale, a resent batch) is one row.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel, money_field


class Rounding(models.TextChoices):
    """How fractional points of a sale are rounded."""

    DOWN = "down", _("Round down (2.9 → 2)")
    HALF_UP = "half_up", _("Commercial rounding (2.5 → 3)")
    UP = "up", _("Round up (2.1 → 3)")


class LoyaltyProgram(OrganizationScopedModel):
    """The loyalty program of one organization (at most one): how points are earned, worth and kept."""

    is_active = models.BooleanField(_("points program active"), default=False)
    points_per_euro = models.DecimalField(
        _("points per euro"), max_digits=6, decimal_places=2, default=Decimal(1), validators=[MinValueValidator(0)]
    )
    rounding = models.CharField(_("rounding"), max_length=10, choices=Rounding.choices, default=Rounding.DOWN)
    point_value = models.DecimalField(
        _("value of one point (€)"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.01"),
        validators=[MinValueValidator(Decimal("0.0001"))],
    )
    min_redeem_points = models.PositiveIntegerField(_("fewest points to redeem at once"), default=1)
    expiry_months = models.PositiveSmallIntegerField(
        _("points expire after (months)"), null=True, blank=True, help_text=_("Empty: points never expire.")
    )
    # Categories whose goods earn no points (ids as text; a list so that it syncs as one column).
    excluded_category_ids = models.JSONField(_("categories without points"), default=list, blank=True)

    class Meta:
        verbose_name = _("loyalty program")
        constraints = [models.UniqueConstraint(fields=["organization"], name="loyalty_program_once")]


class LoyaltyTier(OrganizationScopedModel):
    """A tier a customer reaches with the points earned in the last 12 months; it earns at its own rate."""

    name = models.CharField(_("name"), max_length=60)
    threshold = models.PositiveIntegerField(_("points earned in 12 months"))
    points_per_euro = models.DecimalField(
        _("points per euro"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["threshold"]
        constraints = [models.UniqueConstraint(fields=["organization", "threshold"], name="loyalty_tier_threshold")]

    def __str__(self) -> str:
        return self.name


class StampCard(OrganizationScopedModel):
    """ "Every 10th coffee free": a stamp per piece of a product (or of any product of a category); a full
    card gives one piece of it free."""

    name = models.CharField(_("name"), max_length=80)
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    category = models.ForeignKey(
        "catalog.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
    )
    stamps_needed = models.PositiveSmallIntegerField(_("stamps for a free one"), validators=[MinValueValidator(2)])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("stamp card")
        verbose_name_plural = _("stamp cards")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EntryKind(models.TextChoices):
    EARNED = "earned", _("Earned")
    REDEEMED = "redeemed", _("Redeemed")
    EXPIRED = "expired", _("Expired")
    ADJUSTED = "adjusted", _("Adjusted")
    REVERSED = "reversed", _("Reversed by a return")


class LoyaltyEntry(OrganizationScopedModel):
    """One change of a customer's points or of their stamps on one card (positive in, negative out)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="loyalty_entries", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    key = models.CharField(max_length=120)  # unique per organization: what the entry is for (idempotency)
    points = models.IntegerField(_("points"), default=0)
    stamp_card = models.ForeignKey(
        StampCard, null=True, blank=True, on_delete=models.PROTECT, related_name="entries", verbose_name=_("stamp card")
    )
    stamps = models.IntegerField(_("stamps"), default=0)
    basis = money_field(_("amount"), default=0)  # what the points were earned on (a return reverses its share)
    value = money_field(_("value"), default=0)  # what redeemed points or stamps took off the price
    store = models.ForeignKey("tenancy.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sale = models.ForeignKey(
        "sales.Sale", null=True, blank=True, on_delete=models.PROTECT, related_name="loyalty_entries"
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("loyalty entry")
        verbose_name_plural = _("loyalty entries")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="loyalty_entry_key_unique")]
        indexes = [models.Index(fields=["customer", "created_at"], name="loyalty_entry_customer")]


class CardLink(OrganizationScopedModel):
    """The unguessable link of a customer's digital loyalty card (only its SHA-256 digest is stored)."""

    customer = models.OneToOneField("customers.Customer", on_delete=models.CASCADE, related_name="card_link")
    token_digest = models.CharField(max_length=64, unique=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
