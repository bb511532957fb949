"""Back-office pages for scanners and pole displays (mounted at /devices/peripherals/): the list with
each device's status and last scan, add and edit per store, switch off, test a display."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kasse.backoffice.access import backoffice_view
from kasse.core.actors import Actor
from kasse.peripherals import selectors, services
from kasse.peripherals.forms import PoleDisplayForm, ScannerForm, StoreDeviceForm
from kasse.peripherals.models import PoleDisplay, Scanner
from kasse.tenancy.models import Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest


def _actor(request: BackofficeRequest) -> Actor:
    return Actor.for_user(request.user)


def _errors(exc: services.PeripheralError) -> str:
    return " ".join(exc.messages)


@backoffice_view(Capability.MANAGE_SETTINGS)
def device_list(request: HttpRequest) -> HttpResponse:
    return render(request, "peripherals/backoffice/list.html", {"stores": selectors.devices_by_store()})


@require_GET
@backoffice_view(Capability.MANAGE_SETTINGS)
def live(request: HttpRequest) -> HttpResponse:
    """The per-store tables with status and last scan, polled by the list page."""
    return render(request, "peripherals/backoffice/partials/live.html", {"stores": selectors.devices_by_store()})


def _device_page(
    request: BackofficeRequest,
    form: StoreDeviceForm,
    save: Callable[[dict[str, Any]], Any],
    saved: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The add/edit page of a scanner or display: ``save`` the valid form's data, or show it again (422)."""
    if request.method == "POST" and form.is_valid():
        try:
            device = save(form.device_data())
        except services.PeripheralError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, saved % {"name": device.name})
            return redirect("peripherals:device-list")
    return render(request, template, {"form": form, **context}, status=422 if request.method == "POST" else 200)


def _scanner_page(request: BackofficeRequest, store: Store, scanner: Scanner | None) -> HttpResponse:
    return _device_page(
        request,
        ScannerForm(request.POST or None, instance=scanner, store=store),
        lambda data: services.save_scanner(actor=_actor(request), store=store, scanner=scanner, data=data),
        _("Scanner “%(name)s” saved."),
        "peripherals/backoffice/scanner_form.html",
        {"store": store, "scanner": scanner},
    )


@backoffice_view(Capability.MANAGE_SETTINGS)
def scanner_create(request: BackofficeRequest, store_id: uuid.UUID) -> HttpResponse:
    return _scanner_page(request, get_object_or_404(Store, pk=store_id), None)


@backoffice_view(Capability.MANAGE_SETTINGS)
def scanner_edit(request: BackofficeRequest, scanner_id: uuid.UUID) -> HttpResponse:
    scanner: Scanner = get_object_or_404(Scanner.objects.select_related("store"), pk=scanner_id)
    return _scanner_page(request, scanner.store, scanner)


@require_POST
@backoffice_view(Capability.MANAGE_SETTINGS)
def scanner_deactivate(request: BackofficeRequest, scanner_id: uuid.UUID) -> HttpResponse:
    scanner: Scanner = get_object_or_404(Scanner, pk=scanner_id)
    services.deactivate_scanner(actor=_actor(request), scanner=scanner)
    messages.success(request, _("Scanner “%(name)s” switched off.") % {"name": scanner.name})
    return redirect("peripherals:device-list")


def _display_page(request: BackofficeRequest, store: Store, display: PoleDisplay | None) -> HttpResponse:
    return _device_page(
        request,
        PoleDisplayForm(request.POST or None, instance=display, store=store),
        lambda data: services.save_pole_display(actor=_actor(request), store=store, display=display, data=data),
        _("Pole display “%(name)s” saved."),
        "peripherals/backoffice/display_form.html",
        {"store": store, "display": display},
    )


@backoffice_view(Capability.MANAGE_SETTINGS)
def display_create(request: BackofficeRequest, store_id: uuid.UUID) -> HttpResponse:
    return _display_page(request, get_object_or_404(Store, pk=store_id), None)


@backoffice_view(Capability.MANAGE_SETTINGS)
def display_edit(request: BackofficeRequest, display_id: uuid.UUID) -> HttpResponse:
    display: PoleDisplay = get_object_or_404(PoleDisplay.objects.select_related("store"), pk=display_id)
    return _display_page(request, display.store, display)


@require_POST
@backoffice_view(Capability.MANAGE_SETTINGS)
def display_deactivate(request: BackofficeRequest, display_id: uuid.UUID) -> HttpResponse:
    display: PoleDisplay = get_object_or_404(PoleDisplay, pk=display_id)
    services.deactivate_pole_display(actor=_actor(request), display=display)
    messages.success(request, _("Pole display “%(name)s” switched off.") % {"name": display.name})
    return redirect("peripherals:device-list")


@require_POST
@backoffice_view(Capability.MANAGE_SETTINGS)
def display_test(request: BackofficeRequest, display_id: uuid.UUID) -> HttpResponse:
    display: PoleDisplay = get_object_or_404(PoleDisplay, pk=display_id)
    try:
        services.request_display_test(actor=_actor(request), display=display)
    except services.PeripheralError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("The test text goes to “%(name)s” within a few seconds.") % {"name": display.name})
    return redirect("peripherals:device-list")
