"""Back-office forms: a printer, the discovery range, labels."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kasse.hardware.discovery.tcp_probe import expand_targets
from kasse.printing.models import Connection, Printer, PrinterKind
from kasse.tenancy.models import Register, Store

_HEX4 = re.compile(r"^[0-9a-fA-F]{4}$")
_MAC = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")
_HOST = re.compile(r"^[A-Za-z0-9.\-:]{1,255}$")
DISCOVERY_MAX_HOSTS = 256


class PrinterForm(forms.ModelForm):
    registers: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Registers that print their receipts here"), queryset=Register.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Printer
        fields = ["name", "kind", "connection", "host", "port", "serial_device", "baud_rate", "usb_vendor_id",
                  "usb_product_id", "device_path", "bluetooth_address", "bluetooth_channel", "profile",
                  "label_language", "label_width_mm", "label_height_mm", "query_status", "drawer_on_cash", "is_active"]

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        registers = self.fields["registers"]
        registers.queryset = Register.objects.filter(store=store, is_active=True)  # type: ignore[attr-defined]
        if self.instance.pk:
            registers.initial = [link.register_id for link in self.instance.register_links.all()]

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
            if data.get(name) in (None, ""):
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
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class DiscoverForm(forms.Form):
    targets = forms.CharField(
        label=_("Addresses to probe"), max_length=200,
        help_text=_("One address, a range like 192.168.1.20-60 or a network like 192.168.1.0/24 "
                    "(at most 256 addresses). Only a status query is sent; nothing is printed."),
    )
    port = forms.IntegerField(label=_("Port"), initial=9100, min_value=1, max_value=65535)
    mdns_interface = forms.CharField(
        label=_("Also listen for printers announcing themselves (mDNS) on this address of the node"),
        required=False, max_length=45, help_text=_("e.g. the node's LAN address; empty: skip mDNS."),
    )

    def clean_targets(self) -> list[str]:
        raw = [part.strip() for part in re.split(r"[,\s]+", self.cleaned_data["targets"]) if part.strip()]
        try:
            return expand_targets(raw, max_hosts=DISCOVERY_MAX_HOSTS)
        except ValueError as exc:
            raise forms.ValidationError(
                _("Please enter addresses, a range or a network of at most %(max)s addresses."),
                params={"max": DISCOVERY_MAX_HOSTS}) from exc

    def clean_mdns_interface(self) -> str:
        value = self.cleaned_data["mdns_interface"].strip()
        if value:
            try:
                ipaddress.ip_address(value)
            except ValueError as exc:
                raise forms.ValidationError(_("Please enter an IP address of this machine.")) from exc
        return value
