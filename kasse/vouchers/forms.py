"""Forms of the gift-card pages in the back office."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kasse.core.vat import VatClass


class VoucherTypeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    single_purpose = forms.BooleanField(
        label=_("Single-purpose voucher (taxed when sold)"),
        required=False,
        help_text=_("Only when the goods and their VAT rate are fixed when the voucher is sold."),
    )
    vat_class = forms.ChoiceField(
        label=_("VAT of a single-purpose voucher"),
        choices=[(VatClass.STANDARD, VatClass.STANDARD.label), (VatClass.REDUCED, VatClass.REDUCED.label)],
        required=False,
    )


class AdjustForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (€, negative to take off)"), max_digits=10, decimal_places=2)
    note = forms.CharField(label=_("Reason"), max_length=200)
