"""What the back office's TSE pages show and do: per store its TSE, registers as clients, outages and
unsigned receipts (reads), and the owner's set-up of a TSE and its clients (services).

Who: "View sales and reports" sees the stores they may report on (owners and all-stores managers every
store, a store-bound manager theirs); setting up needs "Manage settings" (owners).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kasse.core.actors import Actor
from kasse.fiscal.fiskaly_setup import create_fiskaly_tse, register_fiskaly_client, set_up_fiskaly_tse
from kasse.fiscal.models import (
    Backend,
    DeviceState,
    OutageReason,
    Outcome,
    TseClientRegistration,
    TseDevice,
    TseOutage,
    TseTransactionRecord,
)
from kasse.fiscal.services import FiscalSetupError, create_development_tse, device_for_store, register_tse_client
from kasse.fiscal.tse.interface import Operation, TseRefused, TseUnavailable
from kasse.tenancy.models import Employee, Organization, Register, Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import stores_with_capability

LIST_LIMIT = 200  # outages and unsigned receipts shown at once (the filters narrow them)


def visible_stores(organization: Organization, employee: Employee | None) -> QuerySet[Store]:
    stores = Store.objects.filter(organization=organization).order_by("number", "name")
    allowed = stores_with_capability(employee, Capability.VIEW_REPORTS)
    return stores if allowed is None else stores.filter(pk__in=allowed)


@dataclass
class RegisterRow:
    register: Register
    registration: TseClientRegistration | None
    open_outage: TseOutage | None


@dataclass
class StoreTse:
    store: Store
    device: TseDevice | None
    registers: list[RegisterRow]
    open_outages: int
    unsigned: int

    @property
    def unregistered(self) -> int:
        return sum(1 for row in self.registers if row.registration is None)

    @property
    def shared(self) -> bool:
        return self.device is not None and self.device.store_id is None


def store_tse(store: Store) -> StoreTse:
    """One store's TSE situation (call in the organization's scope)."""
    device = device_for_store(store)
    registers = list(Register.objects.filter(store=store, is_active=True).order_by("number"))
    registrations = (
        {r.register_id: r for r in TseClientRegistration.objects.filter(device=device, register__in=registers)}
        if device is not None
        else {}
    )
    open_outages = {o.register_id: o for o in TseOutage.objects.filter(register__store=store, ended_at__isnull=True)}
    rows = [RegisterRow(r, registrations.get(r.pk), open_outages.get(r.pk)) for r in registers]
    return StoreTse(
        store=store,
        device=device,
        registers=rows,
        open_outages=len(open_outages),
        unsigned=unsigned_receipts(store).count(),
    )


def unsigned_receipts(store: Store) -> QuerySet[TseTransactionRecord]:
    """Receipts whose end the TSE did not sign (each is a receipt that says "Sicherheitseinrichtung
    ausgefallen"), newest first."""
    return (
        TseTransactionRecord.objects.filter(
            register__store=store,
            outcome=Outcome.FAILED,
            operation__in=[Operation.FINISH.value, Operation.CANCEL.value],
        )
        .select_related("register")
        .order_by("-created_at")
    )


class IncidentFilterForm(forms.Form):
    register = forms.ChoiceField(label=_lazy("Register"), required=False)
    date_from = forms.DateField(label=_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    open_only = forms.BooleanField(label=_lazy("Open outages only"), required=False)

    def __init__(self, *args: Any, registers: list[Register], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["register"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _lazy("All registers")), *((str(r.pk), str(r.name)) for r in registers)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def incidents(store: Store, data: dict[str, Any] | None) -> tuple[list[TseOutage], list[TseTransactionRecord]]:
    """The store's outages and unsigned receipts, narrowed by a valid filter form's data (whole local days
    of the store); ``None`` (the filters were refused): none."""
    if data is None:
        return [], []
    outages = TseOutage.objects.filter(register__store=store).select_related("register").order_by("-started_at")
    receipts = unsigned_receipts(store)
    if data.get("register"):
        outages = outages.filter(register_id=data["register"])
        receipts = receipts.filter(register_id=data["register"])
    zone = store.tzinfo
    if data.get("date_from"):
        start = dt.datetime.combine(data["date_from"], dt.time(), zone)
        outages = outages.exclude(ended_at__lt=start)
        receipts = receipts.filter(created_at__gte=start)
    if data.get("date_to"):
        end = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time(), zone)
        outages = outages.filter(started_at__lt=end)
        receipts = receipts.filter(created_at__lt=end)
    if data.get("open_only"):
        outages = outages.filter(ended_at__isnull=True)
    return list(outages[:LIST_LIMIT]), list(receipts[:LIST_LIMIT])


ALERT_DAYS = 7


def alerts(organization: Organization, employee: Employee | None) -> list[dict[str, Any]]:
    """For the Übersicht: the stores (of those the user may see) with an open outage or receipts left
    unsigned in the last seven days, ``[{"store", "open_outages", "unsigned"}]``."""
    from collections import Counter

    from django.utils import timezone

    stores = {store.pk: store for store in visible_stores(organization, employee)}
    if not stores:
        return []
    open_outages = Counter(
        TseOutage.objects.filter(register__store_id__in=stores, ended_at__isnull=True).values_list(
            "register__store_id", flat=True
        )
    )
    unsigned = Counter(
        TseTransactionRecord.objects.filter(
            register__store_id__in=stores,
            outcome=Outcome.FAILED,
            operation__in=[Operation.FINISH.value, Operation.CANCEL.value],
            created_at__gte=timezone.now() - dt.timedelta(days=ALERT_DAYS),
        ).values_list("register__store_id", flat=True)
    )
    return [
        {"store": store, "open_outages": open_outages[pk], "unsigned": unsigned[pk]}
        for pk, store in stores.items()
        if open_outages[pk] or unsigned[pk]
    ]


def reason_label(reason: str) -> str:
    return str(OutageReason(reason).label) if reason in OutageReason.values else reason


# -- set-up (owners) ---------------------------------------------------------------------------------------


class SetUpForm(forms.Form):
    backend = forms.ChoiceField(label=_lazy("Kind"), choices=Backend.choices)
    api_key = forms.CharField(label=_lazy("fiskaly API key"), required=False, max_length=200)
    api_secret = forms.CharField(
        label=_lazy("fiskaly API secret"), required=False, max_length=400, widget=forms.PasswordInput
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("backend") == Backend.FISKALY and not (data.get("api_key") and data.get("api_secret")):
            raise forms.ValidationError(_("fiskaly needs an API key and its secret"))
        if data.get("backend") == Backend.DEVELOPMENT and settings.KASSE_ENV == "production":
            raise forms.ValidationError(_("The development TSE is not certified and cannot be used in production."))
        return data


def set_up_store_tse(*, store: Store, actor: Actor, backend: str, api_key: str = "", api_secret: str = "") -> TseDevice:
    """A TSE of the store's own (refused while it has one), ready to sign, every active register its
    client. fiskaly: the TSS is created, personalised and initialised at fiskaly first."""
    own = TseDevice.objects.filter(store=store).exclude(state=DeviceState.RETIRED).first()
    if own is not None and own.state == DeviceState.READY:
        raise FiscalSetupError(_("This store has a TSE already."))
    try:
        if backend == Backend.DEVELOPMENT:
            device = create_development_tse(organization=store.organization, actor=actor, store=store)
        else:
            device = own or create_fiskaly_tse(
                organization=store.organization, actor=actor, store=store, api_key=api_key, api_secret=api_secret
            )
            device = set_up_fiskaly_tse(device=device, actor=actor)
    except (TseUnavailable, TseRefused) as exc:
        raise FiscalSetupError(_("fiskaly did not set the TSE up: %(reason)s") % {"reason": exc}) from exc
    register_missing_clients(store=store, actor=actor)
    return device


def register_missing_clients(*, store: Store, actor: Actor) -> int:
    """Every active register of the store that is not yet a client of the store's TSE becomes one (a
    register added after the TSE was set up); returns how many."""
    device = device_for_store(store)
    if device is None or device.state != DeviceState.READY:
        raise FiscalSetupError(_("no TSE is set up for this store"))
    known = set(TseClientRegistration.objects.filter(device=device).values_list("register_id", flat=True))
    added = 0
    for register in Register.objects.filter(store=store, is_active=True).exclude(pk__in=known).order_by("number"):
        try:
            if device.backend == Backend.FISKALY:
                register_fiskaly_client(register=register, actor=actor)
            else:
                register_tse_client(register=register, actor=actor)
        except (TseUnavailable, TseRefused) as exc:
            raise FiscalSetupError(
                _("fiskaly did not register %(register)s: %(reason)s") % {"register": register.name, "reason": exc}
            ) from exc
        added += 1
    return added
