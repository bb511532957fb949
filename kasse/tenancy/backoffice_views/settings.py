"""Settings pages: organization, stores and their registers (capability MANAGE_SETTINGS)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kasse.backoffice.access import backoffice_view
from kasse.tenancy.backoffice_views import actor_of, show_service_errors
from kasse.tenancy.forms import OrganizationForm, RegisterForm, StoreForm
from kasse.tenancy.models import Organization, Register, Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest
from kasse.tenancy.services import save_register, save_store, update_organization

settings_view = backoffice_view(Capability.MANAGE_SETTINGS)


@require_GET
@settings_view
def settings_overview(request: BackofficeRequest) -> HttpResponse:
    org = request.organization
    stores = Store.objects.filter(organization=org).annotate(register_count=Count("registers"))
    return render(request, "tenancy/settings.html", {"org": org, "stores": stores})


@require_http_methods(["GET", "POST"])
@settings_view
def organization_edit(request: BackofficeRequest) -> HttpResponse:
    org = request.organization
    # The form validates on its own copy, so a refused save leaves the request's object alone.
    draft = Organization.objects.get(pk=org.pk)
    form = OrganizationForm(request.POST or None, instance=draft)
    if request.method == "POST":
        if form.is_valid():
            try:
                update_organization(
                    actor=actor_of(request), organization=Organization.objects.get(pk=org.pk), data=form.cleaned_data
                )
            except ValidationError as exc:
                show_service_errors(form, exc)
            else:
                messages.success(request, _("The organization settings have been saved."))
                return redirect("tenancy:organization")
        return render(request, "tenancy/organization_form.html", {"form": form}, status=400)
    return render(request, "tenancy/organization_form.html", {"form": form})


@require_GET
@settings_view
def store_list(request: BackofficeRequest) -> HttpResponse:
    org = request.organization
    stores = Store.objects.filter(organization=org).annotate(register_count=Count("registers"))
    return render(request, "tenancy/store_list.html", {"stores": stores})


def _store_page(request: BackofficeRequest, store: Store | None) -> HttpResponse:
    org = request.organization
    draft = Store.objects.get(pk=store.pk) if store else Store(organization=org)
    form = StoreForm(request.POST or None, instance=draft)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if not (k == "number" and v is None)}
            try:
                saved = save_store(
                    actor=actor_of(request),
                    organization=org,
                    data=data,
                    store=Store.objects.get(pk=store.pk) if store else None,
                )
            except ValidationError as exc:
                show_service_errors(form, exc)
            else:
                messages.success(request, _("“%(name)s” has been saved.") % {"name": saved.name})
                return redirect("tenancy:store-edit", pk=saved.pk)
        status = 400
    registers = Register.objects.filter(store=store) if store else []
    return render(
        request, "tenancy/store_form.html", {"form": form, "store": store, "registers": registers}, status=status
    )


@require_http_methods(["GET", "POST"])
@settings_view
def store_create(request: BackofficeRequest) -> HttpResponse:
    return _store_page(request, None)


@require_http_methods(["GET", "POST"])
@settings_view
def store_edit(request: BackofficeRequest, pk: str) -> HttpResponse:
    return _store_page(request, get_object_or_404(Store.objects, pk=pk))


def _register_page(request: BackofficeRequest, store: Store, register: Register | None) -> HttpResponse:
    org = request.organization
    draft = Register.objects.get(pk=register.pk) if register else Register(organization=org, store=store)
    form = RegisterForm(request.POST or None, instance=draft)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if v is not None}
            try:
                saved = save_register(
                    actor=actor_of(request),
                    organization=org,
                    store=store,
                    data=data,
                    register=Register.objects.get(pk=register.pk) if register else None,
                )
            except ValidationError as exc:
                show_service_errors(form, exc)
            else:
                messages.success(request, _("“%(name)s” has been saved.") % {"name": saved.name})
                return redirect("tenancy:store-edit", pk=store.pk)
        status = 400
    return render(
        request, "tenancy/register_form.html", {"form": form, "store": store, "register": register}, status=status
    )


@require_http_methods(["GET", "POST"])
@settings_view
def register_create(request: BackofficeRequest, store_pk: str) -> HttpResponse:
    return _register_page(request, get_object_or_404(Store.objects, pk=store_pk), None)


@require_http_methods(["GET", "POST"])
@settings_view
def register_edit(request: BackofficeRequest, pk: str) -> HttpResponse:
    register: Register = get_object_or_404(Register.objects.select_related("store"), pk=pk)
    return _register_page(request, register.store, register)
