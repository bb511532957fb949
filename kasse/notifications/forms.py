"""The webhook endpoint form of the back office."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kasse.notifications.events import WEBHOOK_EVENTS


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("The https:// address of the receiving system, e.g. your online shop."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=list(WEBHOOK_EVENTS.items()),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Please choose at least one of the listed events.")},
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
