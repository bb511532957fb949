"""Forms of the bookkeeping pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kasse.bookkeeping.models import ExportFormat
from kasse.tenancy.models import Store


class DateInput(forms.DateInput):
    input_type = "date"


class SalesExportForm(forms.Form):
    date_from = forms.DateField(label=_("from"), widget=DateInput(format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("to"), widget=DateInput(format="%Y-%m-%d"))
    store: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Store"), queryset=Store.objects.none(), required=False, empty_label=_("All my stores")
    )
    format = forms.ChoiceField(label=_("Format"), choices=ExportFormat.choices, initial=ExportFormat.XLSX)

    def __init__(self, *args: Any, stores: QuerySet[Store], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        store_field = self.fields["store"]
        assert isinstance(store_field, forms.ModelChoiceField)
        store_field.queryset = stores
