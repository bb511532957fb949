"""Forms of the DSFinV-K export (a store, optionally one of its registers, a date range) and of the
register details for the tax office notification."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kasse.fiscal.datev_forms import DateInput
from kasse.fiscal.models import RegisterDetails
from kasse.tenancy.models import Register, Store


class RegisterChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.store.name} · {obj.name} ({obj.serial_number})"


class DsfinvkExportForm(forms.Form):
    store: forms.ModelChoiceField = forms.ModelChoiceField(label=_("store"), queryset=Store.objects.none())
    register: forms.ModelChoiceField = RegisterChoiceField(
        label=_("register"), queryset=Register.objects.none(), required=False, empty_label=_("All registers")
    )
    date_from = forms.DateField(label=_("from"), widget=DateInput(format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("to"), widget=DateInput(format="%Y-%m-%d"))

    def __init__(self, *args: Any, stores: QuerySet[Store], with_store: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        register_field = self.fields["register"]
        assert isinstance(register_field, forms.ModelChoiceField)
        register_field.queryset = (
            Register.objects.filter(store__in=stores).select_related("store").order_by("store__number", "number")
        )
        if with_store:
            store_field = self.fields["store"]
            assert isinstance(store_field, forms.ModelChoiceField)
            store_field.queryset = stores
        else:
            del self.fields["store"]

    def registers(self, store: Store) -> list[Register]:
        """The registers to export: the one chosen (it must be of ``store``), else all of the store."""
        chosen = self.cleaned_data.get("register")
        if chosen is not None:
            if chosen.store_id != store.pk:
                raise forms.ValidationError(_("This register is not in the chosen store."))
            return [chosen]
        return list(Register.objects.filter(store=store).select_related("store", "organization").order_by("number"))


class RegisterDetailsForm(forms.ModelForm):
    """What the tax office is told about a register beyond its serial number."""

    class Meta:
        model = RegisterDetails
        fields = ["brand", "model", "purchased_on", "in_use_since", "decommissioned_on"]
        widgets = {
            "purchased_on": DateInput(format="%Y-%m-%d"),
            "in_use_since": DateInput(format="%Y-%m-%d"),
            "decommissioned_on": DateInput(format="%Y-%m-%d"),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        bought, used, ended = data.get("purchased_on"), data.get("in_use_since"), data.get("decommissioned_on")
        if bought and used and used < bought:
            self.add_error("in_use_since", _("A register cannot be in use before it was bought."))
        if used and ended and ended < used:
            self.add_error("decommissioned_on", _("A register cannot go out of use before it was in use."))
        return data
