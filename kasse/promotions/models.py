"""Promotions: automatic discounts the register applies, and coupon codes a cashier enters.

A promotion says *what* it takes off (a kind with its figures), *on what* (products and categories,
or everything), *when* (dates, weekdays, a daily time window in the store's time zone) and *for whom*
(everybody, customers only, or holders of a coupon code). What it takes off a cart is decided by the
promotions step of ``kasse.sales.pricing.price_cart`` and nowhere else (docs/pricing.md).
Promotions are never deleted once used: a sale line keeps the promotion it got; switching one off is
``is_active = False``.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel, money_field


class PromotionKind(models.TextChoices):
    PERCENT = "percent", _("Percent off")
    AMOUNT = "amount", _("Amount off each unit")
    BUY_X_GET_Y = "buy_x_get_y", _("Buy X, get Y")
    BUNDLE = "bundle", _("Bundle at a fixed price")


class Promotion(OrganizationScopedModel):
    """An offer the register applies by itself when it is in force and the cart qualifies."""

    name = models.CharField(_("name"), max_length=100, help_text=_("Printed on the receipt."))
    kind = models.CharField(_("kind"), max_length=20, choices=PromotionKind.choices)
    percent = models.DecimalField(
        _("percent off"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )
    amount = money_field(
        _("amount / bundle price"), null=True, blank=True, validators=[MinValueValidator(Decimal("0.00"))]
    )
    buy_quantity = models.PositiveSmallIntegerField(_("buy"), default=0)
    get_quantity = models.PositiveSmallIntegerField(_("get"), default=0)
    bundle_size = models.PositiveSmallIntegerField(_("pieces in the bundle"), default=0)
    # Ids (texts) of the products and categories it is on; both empty: on everything. A list, not a
    # many-to-many table, so that the promotion travels to store nodes as one row.
    product_ids = models.JSONField(_("products"), default=list, blank=True)
    category_ids = models.JSONField(_("categories"), default=list, blank=True)
    starts_at = models.DateTimeField(_("from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    weekdays = models.CharField(
        _("weekdays"), max_length=7, blank=True, help_text=_("Monday = 0 … Sunday = 6; empty: every day.")
    )
    time_from = models.TimeField(_("daily from"), null=True, blank=True)
    time_until = models.TimeField(_("daily until"), null=True, blank=True)
    customers_only = models.BooleanField(_("customers only"), default=False)
    # Ids (texts) of the loyalty tiers it is for; empty: every tier and customers without one.
    tier_ids = models.JSONField(_("loyalty tiers"), default=list, blank=True)
    coupon_code = models.CharField(_("coupon code"), max_length=40, blank=True)
    max_uses = models.PositiveIntegerField(_("maximum uses"), null=True, blank=True)
    priority = models.SmallIntegerField(_("priority"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "coupon_code"],
                condition=~models.Q(coupon_code=""),
                name="promotion_coupon_code_unique",
            )
        ]
        indexes = [models.Index(fields=["organization", "is_active"], name="promotion_active")]

    def __str__(self) -> str:
        return self.name
