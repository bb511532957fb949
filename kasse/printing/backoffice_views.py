"""Back-office printer pages (mounted at /devices/printers/): list with live status, add and edit,
discover (TCP probe of a given range, mDNS), USB devices, test print, recent jobs and retry, labels,
and what the virtual receipt and label printers printed."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kasse.backoffice.access import backoffice_view
from kasse.catalog.models import Variant
from kasse.catalog.selectors import search_products
from kasse.core.actors import Actor
from kasse.printing import selectors, services
from kasse.printing.documents import LabelRequest
from kasse.printing.forms import DiscoverForm, PrinterForm, swap_data
from kasse.printing.models import Printer, PrinterKind, PrintJob
from kasse.sync.backoffice.selectors import serving_nodes
from kasse.sync.engine.local import is_node
from kasse.tenancy.models import Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest
from kasse.tenancy.selectors import has_capability

MAX_COPIES = 999


def _actor(request: BackofficeRequest) -> Actor:
    return Actor.for_user(request.user)


def _errors(exc: services.PrintingError) -> str:
    return " ".join(exc.messages)


def _list_context() -> dict[str, Any]:
    stores = list(Store.objects.filter(is_active=True).order_by("number"))
    printers = list(Printer.objects.select_related("store").order_by("store__number", "kind", "name"))
    statuses = selectors.states_by_printer(printers)
    drawers = selectors.drawers_by_printer(printers)
    nodes = serving_nodes(stores)
    return {
        "stores": [
            {
                "store": s,
                "node": nodes.get(s.pk),
                "rows": [
                    {"printer": p, "status": statuses[p.pk], "drawer": drawers[p.pk]}
                    for p in printers
                    if p.store_id == s.pk
                ],
            }
            for s in stores
        ],
        "jobs": selectors.recent_jobs(limit=20),
    }


def _virtual_output(printers: list[Printer]) -> list[dict[str, Any]]:
    """What the virtual printers on this machine printed, per printer on the loopback address."""
    shown = [{"printer": p, "jobs": selectors.virtual_jobs(p, limit=3)} for p in printers if p.is_loopback]
    return [entry for entry in shown if entry["jobs"]]


@backoffice_view(Capability.MANAGE_SETTINGS)
def printer_list(request: HttpRequest) -> HttpResponse:
    context = _list_context()
    printers = [row["printer"] for entry in context["stores"] for row in entry["rows"]]
    return render(request, "printing/backoffice/printers.html", {**context, "virtual": _virtual_output(printers)})


@require_GET
@backoffice_view(Capability.MANAGE_SETTINGS)
def live(request: HttpRequest) -> HttpResponse:
    """The status table and the recent jobs, polled by the list page."""
    return render(request, "printing/backoffice/partials/live.html", _list_context())


def _printer_page(request: BackofficeRequest, store: Store, printer: Printer | None) -> HttpResponse:
    if request.method == "GET" and request.htmx:
        # The connection or kind changed: the same form with what was typed so far, fields for the new choice.
        swapped = PrinterForm(swap_data(request.GET, printer), instance=printer, store=store, fields_url=request.path)
        return render(request, "printing/backoffice/partials/printer_fields.html", {"form": swapped})
    initial = {
        key: request.GET[key]
        for key in ("host", "port", "usb_vendor_id", "usb_product_id", "connection", "name", "kind")
        if key in request.GET
    }
    form = PrinterForm(request.POST or None, instance=printer, store=store, initial=initial, fields_url=request.path)
    if request.method == "POST" and form.is_valid():
        saved = services.save_printer(
            actor=_actor(request),
            store=store,
            printer=printer,
            data=form.printer_data(),
            registers=form.cleaned_data.get("registers", []),
        )
        messages.success(request, _("Printer “%(name)s” saved.") % {"name": saved.name})
        return redirect("printing:printer-list")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "printing/backoffice/printer_form.html",
        {"form": form, "store": store, "printer": printer},
        status=status,
    )


@backoffice_view(Capability.MANAGE_SETTINGS)
def printer_create(request: BackofficeRequest, store_id: uuid.UUID) -> HttpResponse:
    return _printer_page(request, get_object_or_404(Store, pk=store_id), None)


@backoffice_view(Capability.MANAGE_SETTINGS)
def printer_edit(request: BackofficeRequest, printer_id: uuid.UUID) -> HttpResponse:
    printer: Printer = get_object_or_404(Printer.objects.select_related("store"), pk=printer_id)
    return _printer_page(request, printer.store, printer)


@require_POST
@backoffice_view(Capability.MANAGE_SETTINGS)
def printer_test(request: BackofficeRequest, printer_id: uuid.UUID) -> HttpResponse:
    printer: Printer = get_object_or_404(Printer.objects.select_related("store"), pk=printer_id)
    job = services.enqueue_test_page(actor=_actor(request), printer=printer, language=get_language() or "de")
    if job.on_node:
        messages.success(request, _("Test page for “%(name)s” sent to the store node.") % {"name": printer.name})
    else:
        messages.success(request, _("Test page queued for “%(name)s”.") % {"name": printer.name})
    return redirect("printing:printer-list")


@require_POST
@backoffice_view(Capability.MANAGE_SETTINGS)
def job_retry(request: BackofficeRequest, job_id: uuid.UUID) -> HttpResponse:
    job: PrintJob = get_object_or_404(PrintJob.objects.defer("payload"), pk=job_id)
    try:
        services.retry_job(actor=_actor(request), job=job)
    except services.PrintingError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("The job is queued again."))
    return redirect("printing:printer-list")


@require_GET
@backoffice_view(Capability.MANAGE_SETTINGS)
def virtual_picture(request: HttpRequest, printer_id: uuid.UUID, number: int) -> HttpResponse:
    """A job or label as the virtual printer drew it (only for printers on this machine's loopback address)."""
    printer = get_object_or_404(Printer, pk=printer_id)
    picture = selectors.virtual_job_picture(printer, number)
    if picture is None:
        raise Http404
    return HttpResponse(picture, content_type="image/png")


@backoffice_view(Capability.MANAGE_SETTINGS)
def discover(request: HttpRequest) -> HttpResponse:
    """Probe an address range the owner typed (status query only) and optionally browse mDNS."""
    form = DiscoverForm(request.POST or None)
    context: dict[str, Any] = {
        "form": form,
        "stores": Store.objects.filter(is_active=True).order_by("number"),
        "allowed": selectors.discovery_allowed(),
    }
    if not context["allowed"]:
        return render(request, "printing/backoffice/discover.html", context, status=403 if request.POST else 200)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "printing/backoffice/discover.html", context, status=422)
        from kasse.hardware.discovery.tcp_probe import probe_range

        results = probe_range(form.cleaned_data["targets"], port=form.cleaned_data["port"], timeout=0.5, max_hosts=256)
        context["probed"] = len(results)
        context["found"] = [r for r in results if r.escpos]
        context["answered_otherwise"] = [r for r in results if r.reachable and not r.escpos]
        if form.cleaned_data["mdns_interface"]:
            from kasse.hardware.discovery.zeroconf_browse import browse_printers

            browsed = browse_printers(interfaces=[form.cleaned_data["mdns_interface"]], wait=3.0)
            context["services"] = browsed.services
            context["mdns_reason"] = browsed.reason
    return render(request, "printing/backoffice/discover.html", context)


def _usb_reason(code: str, detail: str) -> str:
    """The enumeration's reason in the user's language (the hardware library says it in English)."""
    texts = {
        "no_pyusb": _("The USB library (pyusb) is not installed on this store node."),
        "no_backend": _("The USB driver library libusb is missing on this store node (apt install libusb-1.0-0)."),
        "none_visible": _(
            "No USB devices are visible: none is attached, or this store node may not read /dev/bus/usb."
        ),
    }
    if code in texts:
        return texts[code]
    return _("Listing the USB devices failed: %(detail)s") % {"detail": detail} if detail else ""


@require_GET
@backoffice_view(Capability.MANAGE_SETTINGS)
def usb(request: HttpRequest) -> HttpResponse:
    """USB devices are listed where they are plugged in: on a store node its own bus. The cloud never lists
    its own USB bus for a store; it tells which node to ask (``kasse store devices``), store by store."""
    stores = list(Store.objects.filter(is_active=True).order_by("number"))
    if not is_node():
        nodes = serving_nodes(stores)
        return render(
            request,
            "printing/backoffice/usb.html",
            {"in_cloud": True, "stores": [{"store": s, "node": nodes.get(s.pk)} for s in stores]},
        )
    from kasse.hardware.discovery.usb_enum import list_usb_devices

    found = list_usb_devices()
    printers = [d for d in found.devices if d.kind in {"receipt_printer", "label_printer", "printer"}]
    return render(
        request,
        "printing/backoffice/usb.html",
        {
            "printers": printers,
            "others": [d for d in found.devices if d not in printers],
            "reason": _usb_reason(found.code, found.reason),
            "stores": stores,
        },
    )


def _decimal(value: str, default: Decimal) -> Decimal:
    try:
        return Decimal((value or "").replace(",", ".")) if value else default
    except InvalidOperation as exc:
        raise services.PrintingError(_("Please enter the label size in millimetres.")) from exc


def _label_requests(request: HttpRequest) -> list[LabelRequest]:
    wanted: dict[uuid.UUID, int] = {}
    for name in request.POST:
        value = str(request.POST.get(name, ""))
        if not name.startswith("count-") or not value.strip():
            continue
        try:
            variant_id = uuid.UUID(name.removeprefix("count-"))
            copies = int(value)
        except ValueError as exc:
            raise services.PrintingError(_("Please enter whole numbers of labels.")) from exc
        if not 0 <= copies <= MAX_COPIES:
            raise services.PrintingError(_("From 0 to %(max)s labels per product, please.") % {"max": MAX_COPIES})
        if copies:
            wanted[variant_id] = copies
    variants = {v.pk: v for v in Variant.objects.filter(pk__in=wanted).select_related("product")}
    if len(variants) != len(wanted):
        raise services.PrintingError(_("Some of these products do not exist (any more)."))
    return [LabelRequest(variants[pk], copies) for pk, copies in wanted.items()]


def _goods_receipt_rows(request: HttpRequest) -> tuple[Any, list[dict[str, Any]]]:
    """The goods receipt whose products the page starts with (``?goods_receipt=<id>``), and its rows:
    the variants with the label counts the receipt gives (typed counts win when the form comes back)."""
    from kasse.inventory.models import GoodsReceipt
    from kasse.inventory.selectors import label_counts

    raw = request.POST.get("goods_receipt") or request.GET.get("goods_receipt") or ""
    if not raw:
        return None, []
    try:
        receipt_id = uuid.UUID(raw)
    except ValueError as exc:
        raise Http404 from exc
    receipt: GoodsReceipt = get_object_or_404(GoodsReceipt.objects.select_related("store"), pk=receipt_id)
    rows = [
        {"variant": variant, "count": request.POST.get(f"count-{variant.pk}", copies)}
        for variant, copies in label_counts(receipt, MAX_COPIES)
    ]
    return receipt, rows


@backoffice_view(Capability.MANAGE_CATALOG)
def labels(request: BackofficeRequest) -> HttpResponse:
    """Shelf labels: search products, type counts, choose the label printer and size, print. Opened from a
    goods receipt, the receipt's products come with their counts and the store's label printer is chosen.
    Whoever manages products and prices in a store may print on that store's label printers."""
    label_printers = [
        p
        for p in Printer.objects.filter(kind=PrinterKind.LABEL, is_active=True).select_related("store")
        if has_capability(request.employee, Capability.MANAGE_CATALOG, p.store)
    ]
    query = (request.POST.get("q") or request.GET.get("q") or "").strip()[:100]
    found = (
        list(search_products(request.organization, query, active=True).prefetch_related("variants")[:30])
        if query
        else []
    )
    receipt, receipt_rows = _goods_receipt_rows(request)
    chosen = request.POST.get("printer") or next(
        (str(p.pk) for p in label_printers if receipt is not None and p.store_id == receipt.store_id), ""
    )
    context: dict[str, Any] = {
        "printers": label_printers,
        "query": query,
        "products": found,
        "error": "",
        "receipt": receipt,
        "receipt_rows": receipt_rows,
        "chosen_printer": chosen,
        "receipt_variants": {row["variant"].pk for row in receipt_rows},
    }
    if request.method == "POST" and request.POST.get("action") == "print":
        printer_id = request.POST.get("printer", "")
        printer = next((p for p in label_printers if str(p.pk) == printer_id), None)
        try:
            if printer is None:
                raise services.PrintingError(_("Please choose an active label printer."))
            requests = _label_requests(request)
            width = _decimal(request.POST.get("width_mm", ""), printer.label_width_mm)
            height = _decimal(request.POST.get("height_mm", ""), printer.label_height_mm)
            job = services.enqueue_labels(
                actor=_actor(request), printer=printer, requests=requests, width_mm=width, height_mm=height
            )
        except services.PrintingError as exc:
            context["error"] = _errors(exc)
            return render(request, "printing/backoffice/labels.html", context, status=422)
        count = sum(r.copies for r in requests)
        if job.on_node:
            messages.success(
                request,
                ngettext(
                    "%(count)s label for “%(name)s” sent to the store node.",
                    "%(count)s labels for “%(name)s” sent to the store node.",
                    count,
                )
                % {"count": count, "name": printer.name},
            )
        else:
            messages.success(
                request,
                ngettext("%(count)s label queued for “%(name)s”.", "%(count)s labels queued for “%(name)s”.", count)
                % {"count": count, "name": printer.name},
            )
        return redirect("printing:label-list")
    return render(request, "printing/backoffice/labels.html", context)
