"""The customer display page: the second screen of a register, live over a WebSocket."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


def display(request: HttpRequest) -> HttpResponse:
    """Any browser paired to the register (as display or as the register itself) can show it."""
    device = getattr(request, "register_device", None)
    if device is None:
        return redirect("register:pair")
    return render(request, "register/display.html", {
        "register": device.register, "store": device.register.store,
        "organization": device.register.organization,
    })
