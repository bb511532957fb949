"""Back-office forms: a scanner and a pole display of a store."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kasse.peripherals.models import PoleDisplay, Scanner, ScannerConnection
from kasse.tenancy.models import Register, Store

BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


def _check_serial(form: forms.ModelForm, data: dict[str, Any]) -> None:
    device = data.get("serial_device") or ""
    if not device:
        form.add_error("serial_device", _("Needed for this connection."))
    elif not device.startswith("/dev/"):
        form.add_error("serial_device", _("A device under /dev/, please."))
    if data.get("baud_rate") is not None and data["baud_rate"] not in BAUD_RATES:
        form.add_error("baud_rate", _("One of %(rates)s, please.") % {"rates": ", ".join(map(str, BAUD_RATES))})


class StoreDeviceForm(forms.ModelForm):
    register: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Register"), queryset=Register.objects.none())

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        self.fields["register"].queryset = Register.objects.filter(  # type: ignore[attr-defined]
            store=store, is_active=True
        ).order_by("number")

    def device_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields or ()}


class ScannerForm(StoreDeviceForm):
    class Meta:
        model = Scanner
        fields = [
            "name",
            "register",
            "connection",
            "serial_device",
            "baud_rate",
            "input_device",
            "strip_symbology_id",
            "gs_substitute",
            "is_active",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        connection = data.get("connection")
        if connection == ScannerConnection.SERIAL:
            _check_serial(self, data)
        elif connection == ScannerConnection.EVDEV:
            device = data.get("input_device") or ""
            if not device:
                self.add_error("input_device", _("Needed for this connection."))
            elif not device.startswith("/dev/input/"):
                self.add_error("input_device", _("A device under /dev/input/, please (best /dev/input/by-id/…)."))
        return data


class PoleDisplayForm(StoreDeviceForm):
    class Meta:
        model = PoleDisplay
        fields = ["name", "register", "serial_device", "baud_rate", "code_page", "is_active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("serial_device") is not None:
            _check_serial(self, data)
        return data
