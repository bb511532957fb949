"""Shifts on a register and the cash that moves in them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kasse.core.models import OrganizationScopedModel, money_field


class ShiftStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


# Allowed transitions, the one place they are written down.
SHIFT_TRANSITIONS: dict[str, set[str]] = {ShiftStatus.OPEN: {ShiftStatus.CLOSED}, ShiftStatus.CLOSED: set()}


class Shift(OrganizationScopedModel):
    """From opening a register with a counted float to closing it with a Z report.

    ``closing_number`` is the register's gapless Z number, given at closing.
    Counts are kept by denomination (``{"50.00": 2, "0.50": 10}``).
    """

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    register = models.ForeignKey("tenancy.Register", on_delete=models.PROTECT, related_name="shifts")
    status = models.CharField(max_length=10, choices=ShiftStatus.choices, default=ShiftStatus.OPEN)
    opened_at = models.DateTimeField(_("opened"))
    opened_by = models.ForeignKey("tenancy.Employee", on_delete=models.PROTECT, related_name="+")
    opening_float = money_field(_("opening float"))
    opening_count = models.JSONField(default=dict, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey("tenancy.Employee", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closing_count = models.JSONField(default=dict, blank=True)
    counted_cash = money_field(_("counted cash"), null=True, blank=True)
    expected_cash = money_field(_("expected cash"), null=True, blank=True)
    difference = money_field(_("difference"), null=True, blank=True)
    closing_number = models.PositiveBigIntegerField(_("Z number"), null=True, blank=True)
    # The master data at the closing (DSFinV-K Stammdaten: company, location, register, VAT table,
    # TSEs), written once with the Z number; see kasse.fiscal.dsfinvk.master_data.
    master_data = models.JSONField(_("master data at closing"), default=dict, blank=True, editable=False)
    # The card terminal's end-of-day at the closing, reconciled against kasse's card payments (written once
    # with the Z number by the register; kasse.payments.settlement.reconciliation); empty without a terminal.
    card_reconciliation = models.JSONField(_("card terminal reconciliation"), default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["register"], condition=models.Q(status="open"), name="one_open_shift_per_register"
            ),
            models.UniqueConstraint(fields=["register", "closing_number"], name="shift_closing_number_unique"),
        ]
        # The API's list of shifts: updated_since and the cursor in change order (kasse/api/sales.py).
        indexes = [models.Index(fields=["organization", "updated_at", "id"], name="shift_org_updated")]


class CashMovementKind(models.TextChoices):
    PAY_IN = "pay_in", _("Cash in")
    PAY_OUT = "pay_out", _("Cash out")


class CashCategory(models.TextChoices):
    """What a cash movement was for: the cash book sums them by category (kasse/bookkeeping)."""

    BANK_DEPOSIT = "bank_deposit", _("Bank deposit")
    CHANGE_FROM_BANK = "change_from_bank", _("Change from the bank")
    PURCHASE = "purchase", _("Purchase")
    EXPENSE = "expense", _("Expense")
    PRIVATE_WITHDRAWAL = "private_withdrawal", _("Private withdrawal")
    PRIVATE_DEPOSIT = "private_deposit", _("Private deposit")
    TIP = "tip", _("Tip")
    OTHER = "other", pgettext_lazy("cash category", "Other")  # "Sonstiges", not the payment method


# Which categories fit cash going in and going out of the drawer.
CASH_CATEGORIES_IN = (
    CashCategory.CHANGE_FROM_BANK,
    CashCategory.PRIVATE_DEPOSIT,
    CashCategory.OTHER,
)
CASH_CATEGORIES_OUT = (
    CashCategory.BANK_DEPOSIT,
    CashCategory.PURCHASE,
    CashCategory.EXPENSE,
    CashCategory.PRIVATE_WITHDRAWAL,
    CashCategory.TIP,
    CashCategory.OTHER,
)


class CashMovement(OrganizationScopedModel):
    """Cash put into or taken out of the drawer outside a sale, with a category and a reason."""

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="cash_movements")
    kind = models.CharField(max_length=10, choices=CashMovementKind.choices)
    amount = money_field()  # signed: pay-outs are negative
    category = models.CharField(_("category"), max_length=20, choices=CashCategory.choices, default=CashCategory.OTHER)
    reason = models.CharField(_("reason"), max_length=200)
    employee = models.ForeignKey("tenancy.Employee", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["created_at"]
