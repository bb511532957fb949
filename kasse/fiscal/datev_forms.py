"""Forms of the DATEV pages: the settings (owners) and the export (date range, store)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kasse.fiscal.datev_settings import ACCOUNT_ROLES, DEFAULT_ACCOUNTS, DatevSettings
from kasse.tenancy.models import Store


class DatevSettingsForm(forms.ModelForm):
    class Meta:
        model = DatevSettings
        fields = [
            "consultant_number",
            "client_number",
            "fiscal_year_start_month",
            "account_length",
            "chart",
            *ACCOUNT_ROLES,
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chart = self.instance.chart
        for role in ACCOUNT_ROLES:
            self.fields[role].widget.attrs["placeholder"] = DEFAULT_ACCOUNTS[chart][role]
            self.fields[role].widget.attrs["inputmode"] = "numeric"


class DateInput(forms.DateInput):
    input_type = "date"


class DatevExportForm(forms.Form):
    date_from = forms.DateField(label=_("from"), widget=DateInput(format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("to"), widget=DateInput(format="%Y-%m-%d"))
    store: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("store"), queryset=Store.objects.none(), required=False, empty_label=_("All my stores")
    )

    def __init__(self, *args: Any, stores: QuerySet[Store], with_store: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_store:
            store_field = self.fields["store"]
            assert isinstance(store_field, forms.ModelChoiceField)
            store_field.queryset = stores
        else:
            del self.fields["store"]
