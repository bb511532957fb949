"""The customer display page: the second screen of a register, live over a WebSocket."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from kasse.marketing.selectors import idle_messages
from kasse.register.node_gate import refuse_in_cloud
from kasse.register.selectors import register_settings
from kasse.tenancy.models import Register


def display(request: HttpRequest) -> HttpResponse:
    """Any browser paired to the register (as display or as the register itself) can show it."""
    device = getattr(request, "register_device", None)
    if device is None:
        return redirect("register:pair")
    refusal = refuse_in_cloud(request, device.register)
    if refusal is not None:
        return refusal
    return render(request, "register/display.html", idle_context(device.register))


def idle_context(register: Register) -> dict[str, Any]:
    """What the idle customer display shows: shop name, store and the store's offers."""
    from kasse.register.services.training import in_training

    return {
        "training": in_training(register),
        "register": register,
        "store": register.store,
        "organization": register.organization,
        "offers": idle_offers(register),
    }


def idle_offers(register: Register) -> list[str]:
    """The messages of the idle screens (the customer display's and the register's lock screen): the
    campaigns scheduled for now (``kasse.marketing``), then the store's own display message, line by line."""
    settings = register_settings(register.store)
    return [
        *idle_messages(register.organization_id),
        *(line.strip() for line in settings.display_message.splitlines() if line.strip()),
    ]
