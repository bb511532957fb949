"""Back-office form of a promotion; ``save_promotion`` checks the figures and writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from kasse.catalog.models import Category, Product
from kasse.loyalty.models import LoyaltyTier
from kasse.promotions.models import Promotion

WEEKDAYS = [
    ("0", gettext_lazy("Monday")),
    ("1", gettext_lazy("Tuesday")),
    ("2", gettext_lazy("Wednesday")),
    ("3", gettext_lazy("Thursday")),
    ("4", gettext_lazy("Friday")),
    ("5", gettext_lazy("Saturday")),
    ("6", gettext_lazy("Sunday")),
]


class PromotionForm(forms.ModelForm):
    products: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        Product.objects.none(),
        required=False,
        label=gettext_lazy("Products"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    categories: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        Category.objects.none(),
        required=False,
        label=gettext_lazy("Categories"),
        help_text=gettext_lazy("With their subcategories. No product and no category: on everything."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    tiers: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        LoyaltyTier.objects.none(),
        required=False,
        label=gettext_lazy("Loyalty tiers"),
        help_text=gettext_lazy("Only for customers in one of these tiers. None ticked: not limited to a tier."),
        widget=forms.CheckboxSelectMultiple,
    )
    days = forms.MultipleChoiceField(
        choices=WEEKDAYS,
        required=False,
        label=gettext_lazy("Weekdays"),
        help_text=gettext_lazy("None ticked: every day."),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Promotion
        fields = [
            "name",
            "kind",
            "percent",
            "amount",
            "buy_quantity",
            "get_quantity",
            "bundle_size",
            "starts_at",
            "ends_at",
            "time_from",
            "time_until",
            "customers_only",
            "coupon_code",
            "max_uses",
            "priority",
            "is_active",
        ]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "time_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "time_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "percent": gettext_lazy("Percent kind: off each line. Buy X get Y: off the Y pieces (empty: free)."),
            "amount": gettext_lazy("Amount kind: off each unit (per kg on weighed goods). Bundle: its price."),
            "time_from": gettext_lazy("In the store's time, e.g. 18:00 for an evening offer."),
            "coupon_code": gettext_lazy("Only with this code, entered or scanned at the register."),
            "max_uses": gettext_lazy("How many sales may use the coupon; empty: no limit."),
            "priority": gettext_lazy("Decides between two offers that save the same."),
        }

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = Product.objects.filter(organization=organization).order_by("name")  # type: ignore[attr-defined]
        self.fields["categories"].queryset = Category.objects.filter(organization=organization).order_by("name")  # type: ignore[attr-defined]
        self.fields["tiers"].queryset = LoyaltyTier.objects.filter(organization=organization).order_by("threshold")  # type: ignore[attr-defined]
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]  # type: ignore[attr-defined]
        if self.instance.pk:
            self.initial["products"] = list(self.instance.product_ids)
            self.initial["categories"] = list(self.instance.category_ids)
            self.initial["days"] = list(self.instance.weekdays)
            self.initial["tiers"] = list(self.instance.tier_ids)

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        data["coupon_code"] = data["coupon_code"] or ""
        data["product_ids"] = [str(p.pk) for p in self.cleaned_data.get("products") or []]
        data["category_ids"] = [str(c.pk) for c in self.cleaned_data.get("categories") or []]
        data["tier_ids"] = [str(t.pk) for t in self.cleaned_data.get("tiers") or []]
        data["weekdays"] = "".join(self.cleaned_data.get("days") or [])
        return data
