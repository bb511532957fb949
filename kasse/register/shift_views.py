"""Shifts at the register: open with a counted float, cash in/out, X report, close with a count, Z reports."""

from __future__ import annotations

import contextlib
import json
import uuid
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kasse.core.actors import Actor
from kasse.core.money import round_money
from kasse.register.access import approver_from_request, register_view
from kasse.register.end_of_day_views import reconciliation_or_wait
from kasse.register.inputs import parse_amount, parse_page, parse_pieces
from kasse.register.selectors import register_settings
from kasse.register.services.training import in_training
from kasse.register.services.tse_recovery import settle_before_close
from kasse.sales.card_reconciliation import card_reconciliation
from kasse.sales.models import (
    CASH_CATEGORIES_IN,
    CASH_CATEGORIES_OUT,
    CashCategory,
    CashMovementKind,
    PaymentMethod,
    Shift,
    ShiftStatus,
)
from kasse.sales.services import shifts
from kasse.sales.services.errors import SaleError
from kasse.tenancy.requests import CashierRequest

COUNT_PREFIX = "d-"


def _actor(request: CashierRequest) -> Actor:
    return Actor.for_employee(request.cashier)


def _message(exc: SaleError) -> str:
    return " ".join(exc.messages)


# --- counting by denomination ---------------------------------------------------


def _raw_count(data: QueryDict) -> dict[str, str]:
    """What was typed per denomination, as typed (kept to show the form again)."""
    return {
        name[len(COUNT_PREFIX) :]: str(data.get(name, "")).strip() for name in data if name.startswith(COUNT_PREFIX)
    }


def _parse_count(raw: dict[str, str]) -> dict[str, int]:
    """Pieces per denomination; empty and zero rows are left out, the service checks the rest."""
    count: dict[str, int] = {}
    for key, value in raw.items():
        if not value:
            continue
        count[key] = parse_pieces(value, shifts.MAX_PIECES)
    shifts.count_total(count)  # refuses unknown denominations and bad numbers before anything is written
    return {key: pieces for key, pieces in count.items() if pieces}


def _count_rows(raw: dict[str, str] | None = None) -> list[dict[str, Any]]:
    raw = raw or {}
    return [
        {"key": str(value), "value": value, "is_note": value >= 5, "pieces": raw.get(str(value), "")}
        for value in shifts.DENOMINATIONS
    ]


def _counted_rows(count: dict[str, int]) -> list[dict[str, Any]]:
    """The non-empty rows of a count for reports, largest denomination first."""
    rows = []
    for value in shifts.DENOMINATIONS:
        pieces = next((p for k, p in count.items() if Decimal(k) == value), 0)
        if pieces:
            rows.append({"value": value, "pieces": pieces, "amount": round_money(value * pieces)})
    return rows


def _page(request: CashierRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    register = request.register
    base = {"register": register, "cashier": request.cashier, "settings": register_settings(register.store)}
    return render(request, template, {**base, **context}, status=status)


# --- opening ---------------------------------------------------------------------


def open_page(
    request: CashierRequest, *, raw: dict[str, str] | None = None, error: str = "", status: int = 200
) -> HttpResponse:
    """The open-shift screen; the selling screen shows it while the register has no open shift."""
    return _page(request, "register/shift/open.html", {"rows": _count_rows(raw), "error": error}, status)


@require_http_methods(["GET", "POST"])
@register_view()
def open_shift_view(request: CashierRequest) -> HttpResponse:
    register = request.register
    if request.method == "GET":
        if shifts.current_shift(register) is not None:
            return redirect("register:main")
        return open_page(request)
    raw = _raw_count(request.POST)
    try:
        shifts.open_shift(actor=_actor(request), register=register, employee=request.cashier, count=_parse_count(raw))
    except SaleError as exc:
        return open_page(request, raw=raw, error=_message(exc), status=422)
    return redirect("register:main")


# --- the shift menu and cash in/out ------------------------------------------------


@require_GET
@register_view()
def menu(request: CashierRequest) -> HttpResponse:
    shift = shifts.current_shift(request.register)
    training = in_training(request.register)
    return render(request, "register/shift/partials/menu.html", {"shift": shift, "training": training})


def _cash_form(
    request: HttpRequest, kind: str, *, error: str = "", status: int = 200, data: dict[str, str] | None = None
) -> HttpResponse:
    response = render(
        request,
        "register/shift/partials/cash_form.html",
        {
            "kind": kind,
            "kind_label": CashMovementKind(kind).label,
            "categories": [
                (value, CashCategory(value).label)
                for value in (CASH_CATEGORIES_IN if kind == CashMovementKind.PAY_IN else CASH_CATEGORIES_OUT)
            ],
            "error": error,
            "data": data or {},
        },
        status=status,
    )
    return response  # a refusal is shown in the form itself (role=alert), not also as a toast


@require_http_methods(["GET", "POST"])
@register_view()
def cash_movement(request: CashierRequest) -> HttpResponse:
    """Cash in or out with an amount and a reason; needs cash management rights (a manager PIN)."""
    kind = request.POST.get("kind") or request.GET.get("kind") or ""
    if kind not in CashMovementKind.values:
        raise Http404
    if request.method == "GET":
        return _cash_form(request, kind)
    data = {
        "amount": request.POST.get("amount", "")[:20],
        "reason": request.POST.get("reason", "")[:200],
        "approver": request.POST.get("approver", "")[:40],
        "category": request.POST.get("category", "")[:20] or CashCategory.OTHER,
    }
    try:
        amount = parse_amount(request.POST.get("amount", ""))
        shift = shifts.current_shift(request.register)
        if shift is None:
            raise SaleError(_("Please open a shift on this register first."))
        movement = shifts.record_cash_movement(
            actor=_actor(request),
            shift=shift,
            employee=request.cashier,
            approver=approver_from_request(request),
            kind=kind,
            amount=amount,
            reason=data["reason"],
            category=data["category"],
        )
    except SaleError as exc:
        return _cash_form(request, kind, error=_message(exc), status=422, data=data)
    response = render(request, "register/shift/partials/cash_done.html", {"movement": movement})
    response["HX-Trigger"] = json.dumps({"kasse:cash-moved": str(movement.pk)})
    return response


# --- reports ----------------------------------------------------------------------


def _report_context(shift: Shift) -> dict[str, Any]:
    figures = shifts.shift_figures(shift)
    labels = dict(PaymentMethod.choices)
    by_payment = [
        {"method": method, "label": labels.get(method, method), "amount": amount}
        for method, amount in sorted(figures.by_payment.items())
    ]
    return {
        "shift": shift,
        "figures": figures,
        "by_payment": by_payment,
        "by_employee": sorted(figures.by_employee.items()),
        "movements": list(shift.cash_movements.select_related("employee")),
        "opening_rows": _counted_rows(shift.opening_count),
        "closing_rows": _counted_rows(shift.closing_count),
        "store": shift.store,
        "organization": shift.store.organization,
        "cash_payments": figures.by_payment.get(PaymentMethod.CASH, Decimal("0.00")),
        # A closed shift shows what was recorded at closing; an open one what the drawer should hold now.
        "expected": shift.expected_cash if shift.status == ShiftStatus.CLOSED else figures.expected_cash,
        "card": card_reconciliation(shift),
    }


@require_GET
@register_view()
def x_report(request: CashierRequest) -> HttpResponse:
    """Interim figures of the open shift, any time, without a number and without closing anything."""
    shift = shifts.current_shift(request.register)
    if shift is None:
        return redirect("register:main")
    shift = Shift.objects.select_related("store__organization", "register", "opened_by").get(pk=shift.pk)
    return _page(
        request,
        "register/shift/report.html",
        {
            **_report_context(shift),
            "is_z": False,
            "printed_at": timezone.now(),
        },
    )


@require_GET
@register_view()
def z_report(request: CashierRequest, shift_id: uuid.UUID) -> HttpResponse:
    """A closed shift's Z report, for the screen and the browser's print dialog (reprint any time)."""
    shift: Shift = get_object_or_404(
        Shift.objects.select_related("store__organization", "register", "opened_by", "closed_by"),
        pk=shift_id,
        register=request.register,
        status=ShiftStatus.CLOSED,
    )
    return _page(request, "register/shift/report.html", {**_report_context(shift), "is_z": True})


@require_GET
@register_view()
def z_reports(request: CashierRequest) -> HttpResponse:
    """The register's past Z reports, newest first, to reprint."""
    before = request.GET.get("before", "")
    listed = shifts.closed_shifts(request.register, before=parse_page(before))
    older = listed[-1].closing_number if len(listed) == 50 else None
    return _page(request, "register/shift/z_list.html", {"shifts": listed, "older": older})


# --- closing ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@register_view()
def close(request: CashierRequest) -> HttpResponse:
    """Count the drawer, see expected against counted, confirm, and get the Z report.

    The confirm step names the shift it closes, so a second tap finds it closed
    and says so instead of closing anything else.
    """
    register = request.register
    step = request.POST.get("step", "")
    if step == "confirm":
        return _confirm_close(request)
    shift = shifts.current_shift(register)
    if shift is None:
        return _page(request, "register/shift/no_shift.html", {}, status=409 if request.method == "POST" else 200)
    raw = _raw_count(request.POST) if request.method == "POST" else {}
    if request.method == "GET" or step != "review":
        return _page(request, "register/shift/close.html", {"shift": shift, "rows": _count_rows(raw)})
    try:
        count = _parse_count(raw)
        preview = shifts.preview_closing(shift, count)
    except SaleError as exc:
        return _page(
            request,
            "register/shift/close.html",
            {"shift": shift, "rows": _count_rows(raw), "error": _message(exc)},
            status=422,
        )
    return _page(
        request,
        "register/shift/review.html",
        {
            "shift": shift,
            "preview": preview,
            "count": count,
            "counted_rows": _counted_rows(count),
        },
    )


def _confirm_close(request: CashierRequest) -> HttpResponse:
    register = request.register
    try:
        shift_id = uuid.UUID(request.POST.get("shift", ""))
    except ValueError as exc:
        raise Http404 from exc
    shift = get_object_or_404(Shift, pk=shift_id, register=register)
    raw = _raw_count(request.POST)
    try:
        if shift.status != ShiftStatus.OPEN:
            raise SaleError(_("This shift is already closed."))
        settle_before_close(register)  # open TSE transactions whose sale or abort is known (docs/fiscal.md)
        count = _parse_count(raw)
        card = reconciliation_or_wait(request, shift, raw, _page)  # the card terminal's end-of-day first
        if isinstance(card, HttpResponse):
            return card
        closed = shifts.close_shift(
            actor=_actor(request), shift=shift, employee=request.cashier, count=count, card_reconciliation=card
        )
    except SaleError as exc:
        shift.refresh_from_db()
        if shift.status == ShiftStatus.CLOSED:
            return _page(request, "register/shift/no_shift.html", {"error": _message(exc), "closed": shift}, status=409)
        return _page(
            request,
            "register/shift/close.html",
            {"shift": shift, "rows": _count_rows(raw), "error": _message(exc)},
            status=422,
        )
    _print_z_report(request, closed)
    if request.headers.get("HX-Request"):  # closed from the end-of-day page, once the terminal finished
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("register:shift-z", kwargs={"shift_id": closed.pk})
        return response
    return redirect("register:shift-z", shift_id=closed.pk)


def _print_z_report(request: CashierRequest, shift: Shift) -> None:
    """The Z report goes to the register's receipt printer when there is one (it is on screen anyway)."""
    from kasse.printing.services import enqueue_shift_report

    with contextlib.suppress(SaleError):  # no printer set up for this register
        enqueue_shift_report(actor=_actor(request), shift=shift, register=request.register)
