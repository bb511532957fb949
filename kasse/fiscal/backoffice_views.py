"""Back-office pages of the fiscal app: the DATEV export and its settings, the audit log, the DSFinV-K
export, the notification of the registers to the tax office."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kasse.backoffice.access import backoffice_view
from kasse.bookkeeping.dsfinvk_exports import request_dsfinvk_export
from kasse.bookkeeping.services import ExportError
from kasse.bookkeeping.tse_exports import request_tse_export
from kasse.core.actors import Actor
from kasse.fiscal import audit_log, tse_pages
from kasse.fiscal.datev_export import (
    DatevExportError,
    ExportRequest,
    export_lines,
    filename,
    log_export,
    prepare_export,
    save_datev_settings,
    settings_for,
)
from kasse.fiscal.datev_forms import DatevExportForm, DatevSettingsForm
from kasse.fiscal.datev_settings import DatevSettings
from kasse.fiscal.dsfinvk_forms import DsfinvkExportForm, RegisterDetailsForm
from kasse.fiscal.models import RegisterDetails
from kasse.fiscal.notification import notification_csv, notification_pdf, save_register_details, store_notification
from kasse.fiscal.services import FiscalSetupError
from kasse.sales import daily_sums
from kasse.tenancy.models import Register, Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest
from kasse.tenancy.selectors import stores_with_capability


def actor_of(request: BackofficeRequest) -> Actor:
    return Actor.for_user(request.user)


def _export_stores(request: BackofficeRequest) -> QuerySet[Store]:
    """The stores whose revenue this user may export: every store for owners and all-stores managers."""
    stores = Store.objects.filter(organization=request.organization).order_by("number", "name")
    allowed = stores_with_capability(request.employee, Capability.VIEW_REPORTS)
    return stores if allowed is None else stores.filter(pk__in=allowed)


def _export_page(
    request: BackofficeRequest, form: DatevExportForm, status: int = 200, store: Store | None = None
) -> HttpResponse:
    settings = settings_for(request.organization)
    return render(
        request,
        "fiscal/datev_export.html",
        {
            "form": form,
            "settings": settings,
            "store": store,
            "accounts": settings.accounts(),
            "may_configure": request.user.is_authenticated and _may_configure(request),
        },
        status=status,
    )


def _may_configure(request: BackofficeRequest) -> bool:
    from kasse.tenancy.selectors import has_capability

    return has_capability(request.employee, Capability.MANAGE_SETTINGS)


def _download(
    request: BackofficeRequest, form: DatevExportForm, stores: list[Store], store: Store | None = None
) -> HttpResponseBase:
    export = ExportRequest(
        organization=request.organization,
        stores=stores,
        date_from=form.cleaned_data["date_from"],
        date_to=form.cleaned_data["date_to"],
    )
    try:
        settings = prepare_export(export)
    except DatevExportError as exc:
        form.add_error(None, str(exc))
        return _export_page(request, form, status=400, store=store)
    log_export(actor_of(request), export)
    response = StreamingHttpResponse(
        export_lines(export, settings, daily_sums), content_type="text/csv; charset=windows-1252"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename(export)}"'
    return response


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def datev_export(request: BackofficeRequest) -> HttpResponseBase:
    """The export page; with dates in the query it answers with the file (all permitted stores or one)."""
    stores = _export_stores(request)
    if "date_from" not in request.GET:
        return _export_page(request, DatevExportForm(stores=stores))
    form = DatevExportForm(request.GET, stores=stores)
    if not form.is_valid():
        return _export_page(request, form, status=400)
    chosen = form.cleaned_data.get("store")
    return _download(request, form, [chosen] if chosen else list(stores))


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def datev_store_export(request: BackofficeRequest, store_pk: str) -> HttpResponseBase:
    """One store's file (a link a user can keep); a store they may not see is a 404 like a missing one."""
    store = _export_stores(request).filter(pk=store_pk).first()
    if store is None:
        raise Http404
    form = DatevExportForm(
        request.GET if "date_from" in request.GET else None, stores=Store.objects.none(), with_store=False
    )
    if not form.is_bound:
        return _export_page(request, form, store=store)
    if not form.is_valid():
        return _export_page(request, form, status=400, store=store)
    return _download(request, form, [store], store=store)


@require_http_methods(["GET", "POST"])
@backoffice_view(Capability.MANAGE_SETTINGS)
def datev_settings(request: BackofficeRequest) -> HttpResponse:
    """Consultant and client number, fiscal year, chart and accounts (owners)."""
    current = settings_for(request.organization)
    draft = (
        DatevSettings.objects.get(pk=current.pk)
        if current.pk and not current._state.adding
        else DatevSettings(organization=request.organization)
    )
    form = DatevSettingsForm(request.POST or None, instance=draft)
    if request.method == "POST":
        if form.is_valid():
            try:
                save_datev_settings(
                    actor=actor_of(request),
                    organization=request.organization,
                    data={name: form.cleaned_data[name] for name in form.fields},
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("The DATEV settings have been saved."))
                return redirect("fiscal:datev-export")
        return render(request, "fiscal/datev_settings.html", {"form": form}, status=400)
    return render(request, "fiscal/datev_settings.html", {"form": form})


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def audit_log_list(request: BackofficeRequest) -> HttpResponse:
    """The audit log: every entry the user may read, newest first, filtered by who, what, when and store."""
    organization_wide = _may_configure(request)
    stores = audit_log.visible_stores(request.organization, request.employee)
    form = audit_log.AuditFilterForm(request.GET or None, stores=stores, organization_wide=organization_wide)
    entries = audit_log.visible_entries(request.organization, request.employee)
    status = 200
    if form.is_bound and not form.is_valid():
        entries, status = entries.none(), 400
    data = form.cleaned_data if form.is_bound and status == 200 else {}
    page = Paginator(audit_log.filtered(entries, data, timezone.get_current_timezone()), audit_log.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(entry, audit_log.who(entry), audit_log.details(entry)) for entry in page.object_list]
    context = {"form": form, "page": page, "rows": rows, "filter_query": form.query_string()}
    template = "fiscal/audit_log.html"
    if getattr(request, "htmx", None) and request.htmx.target == "audit-results":
        template = "fiscal/partials/audit_results.html"
    return render(request, template, context, status=status)


# --- DSFinV-K export ------------------------------------------------------------------------------------


def _dsfinvk_page(
    request: BackofficeRequest, form: DsfinvkExportForm, status: int = 200, store: Store | None = None
) -> HttpResponse:
    return render(request, "fiscal/dsfinvk_export.html", {"form": form, "store": store}, status=status)


def _dsfinvk_queue(
    request: BackofficeRequest, form: DsfinvkExportForm, store: Store, page_store: Store | None = None
) -> HttpResponseBase:
    """Queue the export (written by the export worker, like the sales export) and show it in Exports."""
    try:
        registers = form.registers(store)
    except ValidationError as exc:
        form.add_error("register", exc)
        return _dsfinvk_page(request, form, status=400, store=page_store)
    try:
        export = request_dsfinvk_export(
            actor=actor_of(request),
            organization=request.organization,
            user=request.user,
            store=store,
            registers=registers,
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
    except ExportError as exc:
        form.add_error(None, exc)
        return _dsfinvk_page(request, form, status=400, store=page_store)
    messages.success(request, _("The DSFinV-K export is being written; it appears below when it is ready."))
    return redirect(f"{reverse('bookkeeping:export-list')}#export-{export.pk}")


@require_http_methods(["GET", "POST"])
@backoffice_view(Capability.VIEW_REPORTS)
def dsfinvk_export(request: BackofficeRequest) -> HttpResponseBase:
    """The DSFinV-K page (a store and dates in the query fill the form in); posted, it queues the export
    (a store this user may not see is not offered: a 400 like any wrong choice)."""
    stores = _export_stores(request)
    if request.method != "POST":
        return _dsfinvk_page(request, DsfinvkExportForm(stores=stores, initial=request.GET.dict()))
    form = DsfinvkExportForm(request.POST, stores=stores)
    if not form.is_valid():
        return _dsfinvk_page(request, form, status=400)
    return _dsfinvk_queue(request, form, form.cleaned_data["store"])


@require_http_methods(["GET", "POST"])
@backoffice_view(Capability.VIEW_REPORTS)
def dsfinvk_store_export(request: BackofficeRequest, store_pk: str) -> HttpResponseBase:
    """One store's export (a link a user can keep); a store they may not see is a 404 like a missing one."""
    store = _export_stores(request).filter(pk=store_pk).first()
    if store is None:
        raise Http404
    stores = Store.objects.filter(pk=store.pk)
    if request.method != "POST":
        form = DsfinvkExportForm(stores=stores, with_store=False, initial=request.GET.dict())
        return _dsfinvk_page(request, form, store=store)
    form = DsfinvkExportForm(request.POST, stores=stores, with_store=False)
    if not form.is_valid():
        return _dsfinvk_page(request, form, status=400, store=store)
    return _dsfinvk_queue(request, form, store, page_store=store)


# --- notification of the registers to the tax office (§146a (4) AO) ---------------------------------------


@require_GET
@backoffice_view(Capability.MANAGE_SETTINGS)
def notification_list(request: BackofficeRequest) -> HttpResponse:
    """The stores, each a link to its notice."""
    stores = Store.objects.filter(organization=request.organization).order_by("number", "name")
    return render(request, "fiscal/notification_list.html", {"stores": stores})


@require_GET
@backoffice_view(Capability.MANAGE_SETTINGS)
def notification_store(request: BackofficeRequest, store_pk: str) -> HttpResponseBase:
    """One store's notice; ``?format=csv`` or ``?format=pdf`` downloads it."""
    store = Store.objects.filter(organization=request.organization, pk=store_pk).first()
    if store is None:
        raise Http404
    notification = store_notification(store)
    kind = request.GET.get("format")
    name = f"Kassenmeldung_Filiale{store.number}"
    if kind == "csv":
        response = HttpResponse(notification_csv(notification), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if kind == "pdf":
        response = HttpResponse(notification_pdf(notification), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    return render(request, "fiscal/notification_store.html", {"n": notification})


@require_http_methods(["GET", "POST"])
@backoffice_view(Capability.MANAGE_SETTINGS)
def notification_register_edit(request: BackofficeRequest, register_pk: str) -> HttpResponse:
    """Brand, model and dates of one register."""
    register = (
        Register.objects.filter(organization=request.organization, pk=register_pk).select_related("store").first()
    )
    if register is None:
        raise Http404
    current = RegisterDetails.objects.filter(register=register).first()
    form = RegisterDetailsForm(request.POST or None, instance=current)
    if request.method == "POST":
        if form.is_valid():
            save_register_details(
                actor=actor_of(request),
                register=register,
                data={name: form.cleaned_data[name] for name in form.fields},
            )
            messages.success(request, _("The register details have been saved."))
            return redirect("fiscal:notification-store", store_pk=register.store_id)
        return render(request, "fiscal/notification_register.html", {"form": form, "register": register}, status=400)
    return render(request, "fiscal/notification_register.html", {"form": form, "register": register})


# -- the TSE pages ---------------------------------------------------------------------------------------


def _tse_store(request: BackofficeRequest, store_pk: str) -> Store:
    store = tse_pages.visible_stores(request.organization, request.employee).filter(pk=store_pk).first()
    if store is None:
        raise Http404
    return store


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def tse_overview(request: BackofficeRequest) -> HttpResponse:
    """Every store the user may see: its TSE, how many registers are not clients, outages, unsigned receipts."""
    stores = [tse_pages.store_tse(store) for store in tse_pages.visible_stores(request.organization, request.employee)]
    return render(request, "fiscal/tse_overview.html", {"stores": stores, "may_configure": _may_configure(request)})


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def tse_store(request: BackofficeRequest, store_pk: str) -> HttpResponse:
    """One store: the TSE's device information, the registers as clients, outages and unsigned receipts."""
    store = _tse_store(request, store_pk)
    return _tse_store_page(request, store)


def _tse_store_page(
    request: BackofficeRequest, store: Store, setup: tse_pages.SetUpForm | None = None, status: int = 200
) -> HttpResponse:
    situation = tse_pages.store_tse(store)
    form = tse_pages.IncidentFilterForm(request.GET or None, registers=[row.register for row in situation.registers])
    if form.is_bound and not form.is_valid():
        outages, receipts = tse_pages.incidents(store, None)
        status = 400
    else:
        outages, receipts = tse_pages.incidents(store, form.cleaned_data if form.is_bound else {})
    return render(
        request,
        "fiscal/tse_store.html",
        {
            "situation": situation,
            "store": store,
            "device": situation.device,
            "form": form,
            "outages": [(o, tse_pages.reason_label(o.reason)) for o in outages],
            "receipts": receipts,
            "limit": tse_pages.LIST_LIMIT,
            "may_configure": _may_configure(request),
            "setup": setup or tse_pages.SetUpForm(),
        },
        status=status,
    )


@require_POST
@backoffice_view(Capability.VIEW_REPORTS)
def tse_store_export(request: BackofficeRequest, store_pk: str) -> HttpResponseBase:
    """Queue the export of the store's TSE (written in the background, downloaded from Exports)."""
    store = _tse_store(request, store_pk)
    try:
        export = request_tse_export(
            actor=actor_of(request), organization=request.organization, user=request.user, store=store
        )
    except ExportError as exc:
        messages.error(request, str(exc))
        return redirect("fiscal:tse-store", store_pk=store.pk)
    messages.success(request, _("The TSE export is being written; it appears below when it is ready."))
    return redirect(f"{reverse('bookkeeping:export-list')}#export-{export.pk}")


@require_POST
@backoffice_view(Capability.MANAGE_SETTINGS)
def tse_store_setup(request: BackofficeRequest, store_pk: str) -> HttpResponse:
    """Set up a TSE of the store's own (development or fiskaly), every register its client (owners)."""
    store = _tse_store(request, store_pk)
    form = tse_pages.SetUpForm(request.POST)
    if form.is_valid():
        try:
            tse_pages.set_up_store_tse(
                store=store,
                actor=actor_of(request),
                backend=form.cleaned_data["backend"],
                api_key=form.cleaned_data["api_key"],
                api_secret=form.cleaned_data["api_secret"],
            )
        except FiscalSetupError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The TSE of %(store)s is set up.") % {"store": store.name})
            return redirect("fiscal:tse-store", store_pk=store.pk)
    return _tse_store_page(request, store, setup=form, status=400)


@require_POST
@backoffice_view(Capability.MANAGE_SETTINGS)
def tse_store_clients(request: BackofficeRequest, store_pk: str) -> HttpResponse:
    """Register the store's registers that are not yet clients of its TSE (a register added later)."""
    store = _tse_store(request, store_pk)
    try:
        added = tse_pages.register_missing_clients(store=store, actor=actor_of(request))
    except FiscalSetupError as exc:
        messages.error(request, str(exc))
        return redirect("fiscal:tse-store", store_pk=store.pk)
    messages.success(
        request,
        ngettext(
            "%(count)d register is now a client of the TSE.", "%(count)d registers are now clients of the TSE.", added
        )
        % {"count": added},
    )
    return redirect("fiscal:tse-store", store_pk=store.pk)
