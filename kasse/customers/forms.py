"""Back-office form of a customer; the service does the writing and the consent bookkeeping."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from kasse.customers.models import Customer

CUSTOMER_FORM_FIELDS = [
    "first_name",
    "last_name",
    "company",
    "email",
    "phone",
    "street",
    "postal_code",
    "city",
    "country",
    "vat_id",
    "loyalty_card_code",
    "notes",
    "marketing_consent",
    "is_active",
]


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = CUSTOMER_FORM_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "marketing_consent": gettext_lazy(
                "Only tick when the customer agreed; the date and “back office” are recorded."
            ),
            "country": gettext_lazy("Two letters, e.g. DE or AT."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["loyalty_card_code"].required = False

    def clean_loyalty_card_code(self) -> str | None:
        return (self.cleaned_data.get("loyalty_card_code") or "").strip() or None

    def clean_country(self) -> str:
        return (self.cleaned_data.get("country") or "").strip().upper()

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CUSTOMER_FORM_FIELDS}
