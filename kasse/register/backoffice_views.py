"""Back-office pages for registers as devices: pairing codes, paired devices, register settings."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kasse.backoffice.access import backoffice_view
from kasse.core.actors import Actor
from kasse.register.models import RegisterDevice, RegisterSettings
from kasse.register.node_gate import node_pair_url, serving_node
from kasse.register.selectors import register_settings
from kasse.register.services.pairing import PAIRING_CODE_TTL, create_pairing_code, revoke_device
from kasse.register.services.settings import FIELDS as SETTINGS_FIELDS
from kasse.register.services.settings import save_register_settings
from kasse.tenancy.models import Register, Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest


@backoffice_view(Capability.MANAGE_SETTINGS)
def device_list(request: HttpRequest) -> HttpResponse:
    registers = Register.objects.select_related("store").prefetch_related("devices").order_by("store__number", "number")
    return render(
        request,
        "register/backoffice/devices.html",
        {
            "registers": registers,
            "stores": Store.objects.order_by("number"),
        },
    )


@require_POST
@backoffice_view(Capability.MANAGE_SETTINGS)
def pairing_code(request: BackofficeRequest, register_id: uuid.UUID) -> HttpResponse:
    register: Register = get_object_or_404(Register.objects.select_related("store"), pk=register_id)
    for_display = request.POST.get("display") == "1"
    code = create_pairing_code(actor=Actor.for_user(request.user), register=register, for_display=for_display)
    node = serving_node(register.store_id)
    # A store that sells through its node pairs its registers there: the node's address, never the cloud's.
    pair_url = node_pair_url(node) if node else request.build_absolute_uri("/register/pair/")
    qr_svg = ""
    if pair_url:
        import segno

        qr_svg = segno.make(f"{pair_url}?{urlencode({'code': code})}", error="m").svg_inline(
            scale=5, title=_("Pairing link")
        )
    return render(
        request,
        "register/backoffice/pairing_code.html",
        {
            "register": register,
            "code": f"{code[:4]} {code[4:]}",
            "for_display": for_display,
            "minutes": int(PAIRING_CODE_TTL.total_seconds() // 60),
            "pair_url": pair_url,
            "node_name": node["name"] if node else "",
            "qr_svg": mark_safe(qr_svg),  # noqa: S308 - segno's own SVG
        },
    )


@require_POST
@backoffice_view(Capability.MANAGE_SETTINGS)
def device_revoke(request: BackofficeRequest, device_id: uuid.UUID) -> HttpResponse:
    device: RegisterDevice = get_object_or_404(RegisterDevice.objects.select_related("register"), pk=device_id)
    revoke_device(actor=Actor.for_user(request.user), device=device)
    messages.success(request, _("The device can no longer use the register."))
    return redirect("register-backoffice:device-list")


class RegisterSettingsForm(forms.ModelForm):
    # Timings and codes of the scanner's keyboard bursts: the defaults fit nearly every scanner, and the
    # owner reading the page first should not meet "ms between keys" (shown under "Advanced").
    advanced_fields = (
        "scanner_prefix",
        "scanner_suffix",
        "scanner_max_gap_ms",
        "scanner_min_length",
        "scanner_pause_ms",
        "scanner_late_suffix_ms",
        "scale_label_pattern",
    )

    @property
    def advanced_has_errors(self) -> bool:
        return any(name in self.errors for name in self.advanced_fields)

    class Meta:
        model = RegisterSettings
        fields = list(SETTINGS_FIELDS)  # the fields save_register_settings takes


@backoffice_view(Capability.MANAGE_SETTINGS)
def store_settings(request: BackofficeRequest, store_id: uuid.UUID) -> HttpResponse:
    store = get_object_or_404(Store, pk=store_id)
    current = register_settings(store)
    form = RegisterSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            save_register_settings(actor=Actor.for_user(request.user), store=store, data=form.cleaned_data)
        except forms.ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Register settings saved."))
            return redirect("register-backoffice:device-list")
    return render(request, "register/backoffice/settings.html", {"form": form, "store": store})
