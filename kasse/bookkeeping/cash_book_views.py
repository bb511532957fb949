"""The cash book pages: a store's month day by day, entries and corrections, CSV and PDF of a month."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kasse.backoffice.access import backoffice_view
from kasse.bookkeeping import selectors
from kasse.bookkeeping.cash_book import book_rows, cash_book, month_days
from kasse.bookkeeping.cash_book_pdf import cash_book_pdf
from kasse.bookkeeping.models import CashBookCategory, CashBookEntry
from kasse.bookkeeping.services import CashBookError, add_cash_book_entry, correct_cash_book_entry
from kasse.core.actors import Actor
from kasse.tenancy.models import Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest
from kasse.tenancy.selectors import has_capability


def _month(text: str, store: Store) -> tuple[int, int] | None:
    """``YYYY-MM`` from the query, the current month when empty, ``None`` when it is not a month."""
    if not text:
        today = timezone.now().astimezone(store.tzinfo).date()
        return today.year, today.month
    try:
        year, month = (int(part) for part in text.split("-"))
        date(year, month, 1)
    except ValueError:
        return None
    return (year, month) if 2000 <= year <= 2100 else None


def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip().replace(",", ".")) if text.strip() else None
    except InvalidOperation:
        return None


def _book_url(store: Store, month: tuple[int, int]) -> str:
    return f"{reverse('bookkeeping:cash-book')}?store={store.pk}&month={month[0]:04d}-{month[1]:02d}"


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def cash_book_page(request: BackofficeRequest) -> HttpResponse:
    """A store's cash book for one month: every day's opening balance, movements and closing balance."""
    stores = list(selectors.visible_stores(request.employee))
    wanted = request.GET.get("store", "")
    store = next((s for s in stores if str(s.pk) == wanted), None)
    if store is None and len(stores) >= 1 and not wanted:
        store = stores[0]
    if store is None:
        status = 404 if wanted else 200
        return render(request, "bookkeeping/backoffice/cash_book.html", {"stores": stores}, status=status)
    month = _month(request.GET.get("month", ""), store)
    if month is None:
        context = {"stores": stores, "store": store, "error": _("Choose a month, e.g. 2026-12.")}
        return render(request, "bookkeeping/backoffice/cash_book.html", context, status=400)
    first, last = month_days(*month)
    today = timezone.now().astimezone(store.tzinfo).date()
    days = cash_book(store, first, min(last, today)) if first <= today else []
    previous = (month[0] - 1, 12) if month[1] == 1 else (month[0], month[1] - 1)
    following = (month[0] + 1, 1) if month[1] == 12 else (month[0], month[1] + 1)
    return render(
        request,
        "bookkeeping/backoffice/cash_book.html",
        {
            "stores": stores,
            "store": store,
            "month": f"{month[0]:04d}-{month[1]:02d}",
            "month_start": first,
            "days": list(reversed(days)),
            "may_enter": has_capability(request.employee, Capability.CASH_MANAGEMENT, store),
            "categories": CashBookCategory.choices,
            "today": today.isoformat(),
            "previous_url": _book_url(store, previous),
            "next_url": _book_url(store, following) if date(*following, 1) <= today else "",
        },
    )


def _store_to_enter(request: BackofficeRequest, store_id: uuid.UUID) -> Store:
    store = selectors.visible_store(request.employee, store_id)
    if not has_capability(request.employee, Capability.CASH_MANAGEMENT, store):
        raise Http404
    return store


@require_POST
@backoffice_view(Capability.CASH_MANAGEMENT)
def cash_book_entry(request: BackofficeRequest, store_id: uuid.UUID) -> HttpResponse:
    """Enter cash moved outside a register (bank deposit from the safe, a purchase, the opening balance)."""
    store = _store_to_enter(request, store_id)
    try:
        day = date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        day = None
    amount = _amount(request.POST.get("amount", "")[:20])
    month = (day.year, day.month) if day else _month("", store) or (2000, 1)
    try:
        if day is None or amount is None:
            raise CashBookError(_("Enter a day and an amount."))
        add_cash_book_entry(
            actor=Actor.for_user(request.user),
            store=store,
            user=request.user,
            day=day,
            category=request.POST.get("category", "")[:20],
            amount=amount,
            text=request.POST.get("text", "")[:200],
        )
    except CashBookError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The entry is in the cash book."))
    return redirect(_book_url(store, month))


@require_POST
@backoffice_view(Capability.CASH_MANAGEMENT)
def cash_book_correct(request: BackofficeRequest, entry_id: uuid.UUID) -> HttpResponse:
    """Correct an entry by a reversal (and the right amount, if one is given)."""
    entry = get_object_or_404(CashBookEntry, pk=entry_id)
    store = _store_to_enter(request, entry.store_id)
    amount_text = request.POST.get("amount", "")[:20]
    amount = _amount(amount_text)
    try:
        if amount_text.strip() and amount is None:
            raise CashBookError(_("Enter an amount in euros with at most two decimals, up to 999,999.99."))
        correct_cash_book_entry(
            actor=Actor.for_user(request.user),
            entry=entry,
            user=request.user,
            amount=amount,
            text=request.POST.get("text", "")[:200],
        )
    except CashBookError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The entry is corrected."))
    return redirect(_book_url(store, (entry.day.year, entry.day.month)))


def _month_rows(request: BackofficeRequest, store_id: uuid.UUID, year: int, month: int) -> tuple[Store, list]:
    store = selectors.visible_store(request.employee, store_id)
    if not 2000 <= year <= 2100 or not 1 <= month <= 12:
        raise Http404
    first, last = month_days(year, month)
    today = timezone.now().astimezone(store.tzinfo).date()
    return store, book_rows(cash_book(store, first, min(last, today))) if first <= today else []


def _file_name(store: Store, year: int, month: int) -> str:
    return f"{_('cash-book')}-{store.number}-{year:04d}-{month:02d}"


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def cash_book_csv(request: BackofficeRequest, store_id: uuid.UUID, year: int, month: int) -> HttpResponse:
    """The month as CSV (``;``, decimal comma, UTF-8 with BOM, as German spreadsheets read it)."""
    store, rows = _month_rows(request, store_id, year, month)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Day"), _("What"), _("Detail"), _("Amount"), _("Balance")])
    for day, what, detail, amount, balance in rows:
        money = f"{amount:.2f}".replace(".", ",") if amount is not None else ""
        writer.writerow([day.isoformat(), what, detail, money, f"{balance:.2f}".replace(".", ",")])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{_("cash-book")}-{store.number}-{year:04d}-{month:02d}.csv"'
    )
    return response


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def cash_book_pdf_view(request: BackofficeRequest, store_id: uuid.UUID, year: int, month: int) -> HttpResponse:
    """The month as a PDF on A4."""
    store, rows = _month_rows(request, store_id, year, month)
    title = _("Cash book %(store)s, %(month)s") % {
        "store": store.name,
        "month": formats.date_format(date(year, month, 1), "YEAR_MONTH_FORMAT"),
    }
    response = HttpResponse(cash_book_pdf(title, rows), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{_("cash-book")}-{store.number}-{year:04d}-{month:02d}.pdf"'
    )
    return response
