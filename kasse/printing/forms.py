"""Back-office forms: a printer, the discovery range, labels."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from django import forms
from django.forms.models import model_to_dict
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from kasse.hardware.discovery.tcp_probe import expand_targets
from kasse.printing.models import CONNECTION_FIELDS, KIND_FIELDS, Connection, Printer, PrinterKind
from kasse.tenancy.models import Register, Store

_HEX4 = re.compile(r"^[0-9a-fA-F]{4}$")
_MAC = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")
_HOST = re.compile(r"^[A-Za-z0-9.\-:]{1,255}$")
DISCOVERY_MAX_HOSTS = 256
OWNER_CONNECTION_LABELS: dict[str, Any] = {
    Connection.DEVICE_FILE: _("Device file (e.g. /dev/usb/lp0)"),
    Connection.BLUETOOTH: _("Bluetooth"),
}


def printer_fields(connection: str, kind: str) -> list[str]:
    """The settings that apply to a printer on ``connection`` of ``kind``, in the order the form shows them."""
    return [
        "name",
        "kind",
        "connection",
        *CONNECTION_FIELDS.get(connection, ()),
        *KIND_FIELDS.get(kind, ()),
        "query_status",
        "is_active",
    ]


class PrinterForm(forms.ModelForm):
    """A printer's settings; only the fields of the chosen connection and kind are on the form (the page swaps
    them with htmx when either changes), the others keep their stored values."""

    registers: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Registers that print their receipts here"),
        queryset=Register.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Printer
        fields = [
            "name",
            "kind",
            "connection",
            "host",
            "port",
            "serial_device",
            "baud_rate",
            "flow_control",
            "usb_vendor_id",
            "usb_product_id",
            "device_path",
            "bluetooth_address",
            "bluetooth_channel",
            "profile",
            "codepage",
            "label_language",
            "label_width_mm",
            "label_height_mm",
            "query_status",
            "drawer_on_cash",
            "is_active",
        ]

    def __init__(self, *args: Any, store: Store, fields_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        self.connection_value = self._chosen("connection", Connection.values, Connection.TCP)
        self.kind_value = self._chosen("kind", PrinterKind.values, PrinterKind.RECEIPT)
        shown = printer_fields(self.connection_value, self.kind_value)
        if self.kind_value == PrinterKind.RECEIPT:
            shown.append("registers")
        self.fields = {name: self.fields[name] for name in shown if name in self.fields}
        self.shown_fields = ",".join(self.fields)
        # The owner reads words, not protocols (issue 15: no "RFCOMM" where the owner looks first); the stored
        # choices keep their technical labels for the integrator's admin.
        self.fields["connection"].choices = [  # type: ignore[attr-defined]
            (value, OWNER_CONNECTION_LABELS.get(value, label)) for value, label in Connection.choices
        ]
        if "bluetooth_channel" in self.fields:
            self.fields["bluetooth_channel"].label = _("Bluetooth channel")
            self.fields["bluetooth_channel"].help_text = _(
                "1 for almost every printer; another only if its manual says so."
            )
        for name in ("connection", "kind"):
            # Changing either asks the server for the matching fields (htmx swaps the rendered field set).
            self.fields[name].widget.attrs.update(
                {
                    "data-testid": f"printer-{name}",
                    "hx-get": fields_url,
                    "hx-trigger": "change",
                    "hx-include": "#printer-fields",
                    "hx-target": "#printer-fields",
                    "hx-swap": "outerHTML",
                }
            )
        if "registers" in self.fields:
            registers = self.fields["registers"]
            registers.queryset = Register.objects.filter(store=store, is_active=True)  # type: ignore[attr-defined]
            if self.instance.pk:
                registers.initial = [link.register_id for link in self.instance.register_links.all()]

    def _chosen(self, name: str, allowed: list[str], default: str) -> str:
        """The connection or kind the form is for: as posted, else as asked for (htmx swap), else stored."""
        value = self.data.get(name) if self.is_bound else self.initial.get(name)
        if value in allowed:
            return str(value)
        stored = getattr(self.instance, name, "") or default
        return str(stored) if stored in allowed else default

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        connection = data.get("connection")
        need: dict[str, list[str]] = {
            Connection.TCP: ["host", "port"],
            Connection.SERIAL: ["serial_device", "baud_rate"],
            Connection.USB: ["usb_vendor_id", "usb_product_id"],
            Connection.DEVICE_FILE: ["device_path"],
            Connection.BLUETOOTH: ["bluetooth_address", "bluetooth_channel"],
        }
        for name in need.get(str(connection), []):
            if name in self.fields and data.get(name) in (None, ""):
                self.add_error(name, _("Needed for this connection."))
        if connection == Connection.TCP and data.get("host") and not _HOST.match(data["host"]):
            self.add_error("host", _("Please enter an IP address or a host name."))
        if connection == Connection.TCP and data.get("port") is not None and not 1 <= data["port"] <= 65535:
            self.add_error("port", _("A port from 1 to 65535, please."))
        for name in ("usb_vendor_id", "usb_product_id"):
            if connection == Connection.USB and data.get(name) and not _HEX4.match(data[name]):
                self.add_error(name, _("Four hexadecimal digits, e.g. 04b8."))
        if connection == Connection.BLUETOOTH:
            if data.get("bluetooth_address") and not _MAC.match(data["bluetooth_address"]):
                self.add_error("bluetooth_address", _("An address like AA:BB:CC:DD:EE:FF, please."))
            if data.get("bluetooth_channel") is not None and not 1 <= data["bluetooth_channel"] <= 30:
                self.add_error("bluetooth_channel", _("A channel from 1 to 30, please."))
        for name in ("serial_device", "device_path"):
            value = data.get(name) or ""
            if value and not value.startswith("/dev/"):
                self.add_error(name, _("A device under /dev/, please."))
        if data.get("kind") == PrinterKind.LABEL:
            for name in ("label_width_mm", "label_height_mm"):
                value = data.get(name)
                if value is not None and not 10 <= value <= 200:
                    self.add_error(name, _("From 10 to 200 mm, please."))
        return data

    def printer_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}


def swap_data(query: QueryDict, printer: Printer | None) -> QueryDict:
    """The data of a field swap: what the page showed as typed (``_shown`` lists those fields; an unticked box
    is absent), every other field as stored, so switching the connection back and forth loses nothing."""
    shown = set(query.get("_shown", "").split(","))
    data = QueryDict(mutable=True)
    stored = model_to_dict(printer or Printer(), fields=PrinterForm.Meta.fields)
    for name, value in stored.items():
        if name in shown:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    for name in query:
        if name in shown or name in ("connection", "kind"):
            data.setlist(name, query.getlist(name))
    if printer is not None and "registers" not in shown:
        data.setlist("registers", [str(link.register_id) for link in printer.register_links.all()])
    return data


class DiscoverForm(forms.Form):
    targets = forms.CharField(
        label=_("Addresses to probe"),
        max_length=200,
        help_text=_(
            "One address, a range like 192.168.1.20-60 or a network like 192.168.1.0/24 "
            "(at most 256 addresses). Only a status query is sent; nothing is printed."
        ),
    )
    port = forms.IntegerField(label=_("Port"), initial=9100, min_value=1, max_value=65535)
    mdns_interface = forms.CharField(
        label=_("Also listen for printers announcing themselves (mDNS) on this address of the node"),
        required=False,
        max_length=45,
        help_text=_("e.g. the node's LAN address; empty: skip mDNS."),
    )

    def clean_targets(self) -> list[str]:
        raw = [part.strip() for part in re.split(r"[,\s]+", self.cleaned_data["targets"]) if part.strip()]
        try:
            return expand_targets(raw, max_hosts=DISCOVERY_MAX_HOSTS)
        except ValueError as exc:
            raise forms.ValidationError(
                _("Please enter addresses, a range or a network of at most %(max)s addresses."),
                params={"max": DISCOVERY_MAX_HOSTS},
            ) from exc

    def clean_mdns_interface(self) -> str:
        value = self.cleaned_data["mdns_interface"].strip()
        if value:
            try:
                ipaddress.ip_address(value)
            except ValueError as exc:
                raise forms.ValidationError(_("Please enter an IP address of this machine.")) from exc
        return value
