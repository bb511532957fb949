"""The report filter: period, store, comparison, grouping; anything else in the query is refused."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kasse.reports.selectors import Period

MAX_DAYS = 2 * 366  # the longest period a report covers (two years; a comparison doubles the work)
EARLIEST = date(2000, 1, 1)
FILTERS = {"date_from", "date_to", "store", "compare", "group", "format"}
COMPARE = [("", _("No comparison")), ("previous", _("Previous period")), ("year", _("Same period last year"))]
GROUP = [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))]
FORMATS = [("", _("Page")), ("csv", "CSV"), ("xlsx", "XLSX"), ("pdf", "PDF")]


class DateInput(forms.DateInput):
    input_type = "date"


class ReportForm(forms.Form):
    date_from = forms.DateField(label=_("from"), widget=DateInput(format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("to"), widget=DateInput(format="%Y-%m-%d"))
    store = forms.ChoiceField(label=_("store"), required=False)
    compare = forms.ChoiceField(label=_("compare with"), choices=COMPARE, required=False)
    group = forms.ChoiceField(label=_("per"), choices=GROUP, required=False)
    format = forms.ChoiceField(choices=FORMATS, required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any, *, stores: list[Any], with_store: bool = True, **kwargs: Any) -> None:
        today = timezone.localdate()
        if data is not None and not (set(data) & {"date_from", "date_to"}):
            data = {**{k: data.get(k) for k in data}, "date_from": today.replace(day=1), "date_to": today}
        super().__init__(data, **kwargs)
        field = self.fields["store"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All my stores")), *((str(s.pk), str(s)) for s in stores)]
        if not with_store:
            del self.fields["store"]
        self.unknown = sorted(set(data or {}) - FILTERS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.unknown:
            raise forms.ValidationError(
                _("Unknown filter: %(names)s. Use the fields of this page."), params={"names": ", ".join(self.unknown)}
            )
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first is None or last is None:
            return cleaned
        latest = timezone.localdate() + timedelta(days=366)
        if first < EARLIEST or last > latest:
            raise forms.ValidationError(
                _("Choose dates between %(first)s and %(last)s."), params={"first": EARLIEST, "last": latest}
            )
        if first > last:
            raise forms.ValidationError(_("The period ends before it begins."))
        if (last - first).days + 1 > MAX_DAYS:
            raise forms.ValidationError(
                _("A report covers at most %(days)d days; choose a shorter period."), params={"days": MAX_DAYS}
            )
        return cleaned

    def period(self) -> Period:
        return Period(self.cleaned_data["date_from"], self.cleaned_data["date_to"])

    def comparison(self) -> Period | None:
        period = self.period()
        choice = self.cleaned_data.get("compare")
        if choice == "previous":
            return period.previous()
        if choice == "year":
            return period.year_before()
        return None
