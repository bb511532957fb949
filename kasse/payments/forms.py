"""Back-office forms: a register's card terminal, and a manager's decision on an unclear card payment."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kasse.payments.models import CardTerminal, TerminalConnection
from kasse.tenancy.models import Register, Store

BAUD_RATES = (9600, 19200, 38400, 57600, 115200)


class CardTerminalForm(forms.ModelForm):
    register: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Register"), queryset=Register.objects.none())
    password = forms.CharField(
        label=_("terminal password"),
        max_length=6,
        min_length=6,
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("Six digits, set on the terminal (often 000000). Leave empty to keep the saved one."),
    )

    class Meta:
        model = CardTerminal
        fields = [
            "name",
            "register",
            "connection",
            "host",
            "port",
            "serial_device",
            "baud_rate",
            "password",
            "print_merchant_copy",
            "print_customer_copy",
            "is_active",
        ]

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        self.fields["register"].queryset = Register.objects.filter(  # type: ignore[attr-defined]
            store=store, is_active=True
        ).order_by("number")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password = data.get("password") or ""
        if not password and self.instance.pk:
            data["password"] = self.instance.password  # kept: the form never shows it
        elif not (len(password) == 6 and password.isdigit()):
            self.add_error("password", _("The terminal password has six digits."))
        if data.get("connection") == TerminalConnection.TCP and not data.get("host"):
            self.add_error("host", _("Needed for this connection."))
        if data.get("connection") == TerminalConnection.SERIAL:
            device = data.get("serial_device") or ""
            if not device.startswith("/dev/"):
                self.add_error("serial_device", _("A device under /dev/, please."))
            if data.get("baud_rate") not in BAUD_RATES:
                self.add_error("baud_rate", _("One of %(rates)s, please.") % {"rates": ", ".join(map(str, BAUD_RATES))})
        return data

    def terminal_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields or ()}


class ResolveForm(forms.Form):
    paid = forms.TypedChoiceField(
        label=_("What the terminal's journal says"),
        choices=(("1", _("The card was charged")), ("0", _("The card was not charged"))),
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)
