"""The receipt journal's filter form: what the owner may ask for, checked before any query runs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kasse.sales.journal import JournalError, JournalFilter
from kasse.sales.models import PaymentMethod, SaleKind

# Every query parameter the journal understands; any other is refused with a message (a typo in a
# bookmarked link should not silently show every receipt).
KNOWN_PARAMETERS = frozenset(
    {
        "date_from",
        "date_to",
        "store",
        "register",
        "employee",
        "customer",
        "customer_id",
        "payment_method",
        "amount_min",
        "amount_max",
        "number",
        "product",
        "kind",
        "cursor",
    }
)


DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class JournalFilterForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DATE_INPUT)
    store = forms.ChoiceField(label=gettext_lazy("Store"), required=False)
    register = forms.ChoiceField(label=gettext_lazy("Register"), required=False)
    employee = forms.ChoiceField(label=gettext_lazy("Employee"), required=False)
    customer = forms.IntegerField(label=gettext_lazy("Customer number"), required=False, min_value=1, max_value=10**12)
    customer_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    payment_method = forms.ChoiceField(
        label=gettext_lazy("Payment"), required=False, choices=[("", gettext_lazy("any"))] + PaymentMethod.choices
    )
    amount_min = forms.DecimalField(
        label=gettext_lazy("Amount from"), required=False, max_digits=12, decimal_places=2, min_value=-(10**9)
    )
    amount_max = forms.DecimalField(
        label=gettext_lazy("Amount to"), required=False, max_digits=12, decimal_places=2, max_value=10**9
    )
    number = forms.IntegerField(
        label=gettext_lazy("Receipt number"), required=False, min_value=1, max_value=9_000_000_000_000_000_000
    )
    product = forms.CharField(
        label=gettext_lazy("Product"),
        required=False,
        max_length=100,
        strip=True,
        help_text=gettext_lazy("SKU, barcode or the start of its name"),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), required=False, choices=[("", gettext_lazy("all"))] + SaleKind.choices
    )

    def __init__(self, data: Any, *, stores: list[Any], registers: list[Any], employees: list[Any]) -> None:
        super().__init__(data)
        any_choice = [("", _("all"))]
        choices = {
            "store": [(str(s.pk), s.name) for s in stores],
            "register": [(str(r.pk), f"{r.store.name} · {r.name}") for r in registers],
            "employee": [(str(e.pk), e.display_name) for e in employees],
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = any_choice + options

    def unknown_parameters(self) -> list[str]:
        return sorted(k for k in self.data if k not in KNOWN_PARAMETERS)

    def journal_filter(self) -> JournalFilter:
        """The filter, checked (:class:`JournalError` for an impossible request); call after ``is_valid()``."""
        d = self.cleaned_data
        f = JournalFilter(
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
            store_id=_uuid(d.get("store")),
            register_id=_uuid(d.get("register")),
            employee_id=_uuid(d.get("employee")),
            customer_number=d.get("customer"),
            customer_id=d.get("customer_id"),
            payment_method=d.get("payment_method") or "",
            amount_min=d.get("amount_min"),
            amount_max=d.get("amount_max"),
            receipt_number=d.get("number"),
            product=d.get("product") or "",
            kind=d.get("kind") or "",
        )
        f.check()
        return f


def _uuid(value: str | None) -> Any:
    import uuid

    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as exc:  # the choice fields only let known ids through; defence in depth
        raise JournalError(_("Unknown selection.")) from exc
