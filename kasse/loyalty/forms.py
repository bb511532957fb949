"""Back-office forms of loyalty; the services do the writing and the checks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kasse.catalog.models import Category, Product
from kasse.loyalty.models import LoyaltyProgram, LoyaltyTier, StampCard


class ProgramForm(forms.ModelForm):
    excluded: forms.ModelMultipleChoiceField[Category] = forms.ModelMultipleChoiceField(
        label=_("Categories without points"), queryset=Category.objects.none(), required=False
    )

    class Meta:
        model = LoyaltyProgram
        fields = ["is_active", "points_per_euro", "rounding", "point_value", "min_redeem_points", "expiry_months"]
        localized_fields = ["points_per_euro", "point_value"]

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["excluded"].queryset = Category.objects.filter(organization=organization)  # type: ignore[attr-defined]
        self.fields["excluded"].initial = [str(c) for c in self.instance.excluded_category_ids or []]

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["excluded_category_ids"] = [str(c.pk) for c in self.cleaned_data["excluded"]]
        return data


class TierForm(forms.ModelForm):
    class Meta:
        model = LoyaltyTier
        fields = ["name", "threshold", "points_per_euro"]
        localized_fields = ["points_per_euro"]


class StampCardForm(forms.ModelForm):
    product: forms.ModelChoiceField[Product] = forms.ModelChoiceField(
        label=_("product"), queryset=Product.objects.none(), required=False
    )
    category: forms.ModelChoiceField[Category] = forms.ModelChoiceField(
        label=_("category"), queryset=Category.objects.none(), required=False
    )

    class Meta:
        model = StampCard
        fields = ["name", "product", "category", "stamps_needed"]

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(organization=organization, is_active=True)  # type: ignore[attr-defined]
        self.fields["category"].queryset = Category.objects.filter(organization=organization)  # type: ignore[attr-defined]


class AdjustForm(forms.Form):
    points = forms.IntegerField(label=_("Points (+/−)"), min_value=-1_000_000, max_value=1_000_000)
    note = forms.CharField(label=_("Reason"), max_length=200)
