"""The audit log page (GoBD): who did what when, in which store, filtered and paginated.

Every service writes an :class:`~kasse.core.models.AuditEntry` in the transaction of its change (and a store
node sends its entries up), so this page is the organization's record of changes. It only reads.

Who sees what: owners (who manage the settings) every entry; a manager with "View sales and reports" the
entries of the stores they manage, never the organization-wide ones (team, settings, logins).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kasse.core.models import AuditEntry
from kasse.tenancy.models import Employee, Organization, Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import has_capability, stores_with_capability

PAGE_SIZE = 50
ORGANIZATION_WIDE = "organization"  # the store filter's value for entries of no store


def visible_entries(organization: Organization, employee: Employee | None) -> QuerySet[AuditEntry]:
    """The entries ``employee`` may read: all for an owner, else those of the stores they may report on."""
    entries = AuditEntry.objects.filter(organization=organization)
    if has_capability(employee, Capability.MANAGE_SETTINGS):
        return entries
    allowed = stores_with_capability(employee, Capability.VIEW_REPORTS)
    if allowed is None:
        return entries.filter(store__isnull=False)
    return entries.filter(store_id__in=allowed)


def visible_stores(organization: Organization, employee: Employee | None) -> QuerySet[Store]:
    stores = Store.objects.filter(organization=organization).order_by("number", "name")
    if has_capability(employee, Capability.MANAGE_SETTINGS):
        return stores
    allowed = stores_with_capability(employee, Capability.VIEW_REPORTS)
    return stores if allowed is None else stores.filter(pk__in=allowed)


class AuditFilterForm(forms.Form):
    who = forms.CharField(label=_("Who"), required=False, max_length=200)
    action = forms.CharField(
        label=_("What"), required=False, max_length=100, help_text=_("e.g. “sale”, “price” or “fiscal.tse”")
    )
    store = forms.ChoiceField(label=_("Store"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, stores: QuerySet[Store], organization_wide: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("", _("All stores"))]
        if organization_wide:
            choices.append((ORGANIZATION_WIDE, _("Whole organization (no store)")))
        choices += [(str(store.pk), str(store)) for store in stores]
        store_field = self.fields["store"]
        assert isinstance(store_field, forms.ChoiceField)
        store_field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def query_string(self) -> str:
        from urllib.parse import urlencode

        if not self.is_bound or not self.is_valid():
            return ""
        return urlencode({name: self.data.get(name, "") for name in self.fields if self.data.get(name)})


def filtered(entries: QuerySet[AuditEntry], data: dict[str, Any], zone: ZoneInfo) -> QuerySet[AuditEntry]:
    """``entries`` narrowed by a valid form's data; dates are whole local days of ``zone``."""
    if data.get("who"):
        entries = entries.filter(
            Q(actor_label__icontains=data["who"])
            | Q(actor_user__email__icontains=data["who"])
            | Q(actor_user__full_name__icontains=data["who"])
        )
    if data.get("action"):
        entries = entries.filter(action__icontains=data["action"])
    if data.get("store") == ORGANIZATION_WIDE:
        entries = entries.filter(store__isnull=True)
    elif data.get("store"):
        entries = entries.filter(store_id=data["store"])
    if data.get("date_from"):
        entries = entries.filter(created_at__gte=dt.datetime.combine(data["date_from"], dt.time(), zone))
    if data.get("date_to"):
        end = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time(), zone)
        entries = entries.filter(created_at__lt=end)
    return entries.select_related("store", "actor_user").order_by("-created_at", "-id")


def details(entry: AuditEntry) -> list[tuple[str, str]]:
    """The entry's data as (key, value) rows for the page (nested values as compact text)."""
    import json

    rows = []
    for key, value in sorted((entry.data or {}).items()):
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
        rows.append((str(key), text[:300]))
    return rows


def who(entry: AuditEntry) -> str:
    """The person or process behind an entry: an employee's name, a user's e-mail, a node or the system."""
    kind, _sep, label = entry.actor_label.partition(":")
    if label:
        return label if kind in ("user", "employee") else f"{label} ({kind})"
    return entry.actor_user.email if entry.actor_user is not None else kind or "–"
