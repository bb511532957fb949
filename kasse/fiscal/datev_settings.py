"""An organization's DATEV settings: consultant and client number, fiscal year, chart and accounts.

Accounts left empty take the chart's default (SKR03 or SKR04), lengthened with
zeros to the account length (8400 with length 5 is 84000), so switching the
chart switches every account the owner did not set.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel


class Chart(models.TextChoices):
    SKR03 = "03", _("SKR03 (process structure)")
    SKR04 = "04", _("SKR04 (balance sheet structure)")


# The accounts kasse books to, by role. Revenue accounts 8400/8300 (SKR03) and 4400/4300 (SKR04) are
# DATEV's automatic VAT accounts: the VAT is split off by the account, so no BU-Schlüssel is sent.
ACCOUNT_ROLES: tuple[str, ...] = (
    "revenue_19",
    "revenue_7",
    "revenue_0",
    "clearing",
    "cash",
    "card",
    "qr",
    "other",
    "credit",
    "cash_transfer",
)

DEFAULT_ACCOUNTS: dict[str, dict[str, str]] = {
    Chart.SKR03: {
        "revenue_19": "8400",  # Erlöse 19 % USt
        "revenue_7": "8300",  # Erlöse 7 % USt
        "revenue_0": "8200",  # Erlöse (no automatic VAT)
        "clearing": "1590",  # Durchlaufende Posten: revenue and payments meet here, nets to zero per day
        "cash": "1000",  # Kasse
        "card": "1360",  # Geldtransit
        "qr": "1360",  # Geldtransit: the QR provider pays out like a card acquirer
        "other": "1360",  # Geldtransit
        "credit": "1590",  # exchange credit stays on the clearing account (no booking of its own)
        "cash_transfer": "1360",  # Geldtransit: cash in and out of the drawer
    },
    Chart.SKR04: {
        "revenue_19": "4400",
        "revenue_7": "4300",
        "revenue_0": "4200",
        "clearing": "1370",
        "cash": "1600",
        "card": "1460",
        "qr": "1460",
        "other": "1460",
        "credit": "1370",
        "cash_transfer": "1460",
    },
}

# kasse.sales' payment methods and receipt kinds by their stored values (fiscal sits below sales).
PAYMENT_ROLES: dict[str, str] = {"cash": "cash", "card": "card", "qr": "qr", "other": "other", "credit": "credit"}
PAYMENT_LABELS = {
    "cash": _("Cash"),
    "card": _("Card"),
    "qr": _("QR payment"),
    "other": _("Other"),
    "credit": _("Exchange credit"),
}
REFUND = "refund"

account_validator = RegexValidator(r"^\d{4,8}$", _("An account number has 4 to 8 digits."))


def _account_field(label: Any) -> models.CharField:
    return models.CharField(
        label, max_length=8, blank=True, validators=[account_validator], help_text=_("Empty: the chart's default.")
    )


class DatevSettings(OrganizationScopedModel):
    """What the tax adviser's DATEV needs to import kasse's bookings: one row per organization."""

    consultant_number = models.PositiveIntegerField(
        _("consultant number"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1001), MaxValueValidator(9999999)],
        help_text=_("Beraternummer, from your tax adviser (1001 to 9999999)."),
    )
    client_number = models.PositiveIntegerField(
        _("client number"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(99999)],
        help_text=_("Mandantennummer, from your tax adviser (1 to 99999)."),
    )
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year starts in month"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("1 = January (the fiscal year is the calendar year)."),
    )
    account_length = models.PositiveSmallIntegerField(
        _("account length"),
        default=4,
        validators=[MinValueValidator(4), MaxValueValidator(8)],
        help_text=_("Sachkontenlänge: digits of a general ledger account, usually 4."),
    )
    chart = models.CharField(_("chart of accounts"), max_length=2, choices=Chart.choices, default=Chart.SKR03)
    revenue_19 = _account_field(_("revenue 19 % VAT"))
    revenue_7 = _account_field(_("revenue 7 % VAT"))
    revenue_0 = _account_field(_("revenue 0 % VAT and tax exempt"))
    clearing = _account_field(_("clearing account"))
    cash = _account_field(_("cash account"))
    card = _account_field(_("card payments"))
    qr = _account_field(_("QR payments"))
    other = _account_field(_("other payments"))
    credit = _account_field(_("exchange credit"))
    cash_transfer = _account_field(_("cash in and out (counter account)"))

    class Meta:
        verbose_name = _("DATEV settings")
        constraints = [models.UniqueConstraint(fields=["organization"], name="datev_settings_one_per_org")]

    def __str__(self) -> str:
        return f"DATEV {self.consultant_number}/{self.client_number}"

    def clean(self) -> None:
        errors = {}
        for role in ACCOUNT_ROLES:
            own = str(getattr(self, role) or "")
            if own and self.account_length and len(own) != self.account_length:
                errors[role] = _("This account has %(digits)d digits, the account length is %(length)d.") % {
                    "digits": len(own),
                    "length": self.account_length,
                }
        if errors:
            raise ValidationError(errors)

    @property
    def is_complete(self) -> bool:
        return self.consultant_number is not None and self.client_number is not None

    def account(self, role: str) -> str:
        """The account for ``role``: the one set, or the chart's default lengthened to the account length."""
        own = str(getattr(self, role) or "")
        if own:
            return own
        return DEFAULT_ACCOUNTS[self.chart][role].ljust(self.account_length, "0")

    def accounts(self) -> Accounts:
        return Accounts(**{role: self.account(role) for role in ACCOUNT_ROLES})


@dataclass(frozen=True)
class Accounts:
    """The resolved account numbers of one export."""

    revenue_19: str
    revenue_7: str
    revenue_0: str
    clearing: str
    cash: str
    card: str
    qr: str
    other: str
    credit: str
    cash_transfer: str

    def revenue(self, rate: Decimal) -> str:
        """The revenue account of a VAT rate; ``KeyError`` for a rate kasse has no account for."""
        return {Decimal("19"): self.revenue_19, Decimal("7"): self.revenue_7, Decimal("0"): self.revenue_0}[
            Decimal(rate).normalize() if rate else Decimal("0")
        ]

    def payment(self, method: str) -> str:
        return str(getattr(self, PAYMENT_ROLES[method]))
