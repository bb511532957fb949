"""The DATEV export: a store's daily revenue per VAT rate and its payments per account, as a Buchungsstapel.

Bookings per store and local day (the store's time zone), following the
clearing-account scheme many German registers use for their tax advisers:

- revenue per VAT rate: clearing account (Soll) to the rate's revenue account (Haben),
  sales and returns in separate lines (a return is the reversed booking, "H");
- payments per payment account: the payment's account (cash → Kasse, card → Geldtransit …)
  (Soll) to the clearing account (Haben); refunds reversed;
- each cash movement (cash in / cash out) on its own line: Kasse against the
  cash-transfer account, with its reason.

Revenue and payments of a day are the same money, so the clearing account nets
to zero per day (exchange credit, booked to the clearing account itself, stays
there until it is redeemed). A receipt paid partly in cash and partly by card
needs no splitting of its VAT: every amount is a plain sum of stored rows, so
the file equals the sales to the cent.

Memory: the sums are grouped by day in the database; per store the export holds
one day's sums at a time plus the list of days, never the receipts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.fiscal import datev
from kasse.fiscal.datev_settings import PAYMENT_LABELS, REFUND, Accounts, DatevSettings
from kasse.tenancy.models import Organization, Store

BERLIN = ZoneInfo("Europe/Berlin")


class DailySums(Protocol):
    """Where the sums come from: ``kasse.sales.daily_sums`` (the sales app sits above fiscal, so its
    data is handed in by the caller, a view or command, instead of imported here)."""

    def revenue_by_day(
        self, store: Store, date_from: date, date_to: date
    ) -> dict[date, list[tuple[str, Decimal, Decimal]]]: ...

    def payments_by_day(
        self, store: Store, date_from: date, date_to: date
    ) -> dict[date, list[tuple[str, str, Decimal]]]: ...

    def cash_movements_by_day(
        self, store: Store, date_from: date, date_to: date
    ) -> Iterator[tuple[date, list[Any]]]: ...


class DatevExportError(ValueError):
    """The export cannot be made as asked (translated message for the user)."""


@dataclass(frozen=True)
class ExportRequest:
    organization: Organization
    stores: list[Store]
    date_from: date
    date_to: date


def settings_for(organization: Organization) -> DatevSettings:
    """The organization's DATEV settings (an unsaved row with the defaults when none were saved)."""
    with scope(organization=organization):
        found = DatevSettings.objects.filter(organization=organization).first()
    return found or DatevSettings(organization=organization)


@tenant_service
def save_datev_settings(*, actor: Actor, organization: Organization, data: dict[str, Any]) -> DatevSettings:
    """Create or change the organization's DATEV settings (validated), with an audit entry."""
    row = DatevSettings.objects.filter(organization=organization).first() or DatevSettings(organization=organization)
    for field, value in data.items():
        setattr(row, field, value)
    row.full_clean()
    row.save()
    log_action(
        organization,
        actor,
        "fiscal.datev_settings.saved",
        row,
        {k: str(v) if v is not None else None for k, v in data.items()},
    )
    return row


def fiscal_year_start(settings: DatevSettings, day: date) -> date:
    month = settings.fiscal_year_start_month
    return date(day.year if day.month >= month else day.year - 1, month, 1)


def check_request(settings: DatevSettings, date_from: date, date_to: date) -> None:
    """Refuse what DATEV would refuse: no consultant/client number, a range backwards or over two fiscal years."""
    if not settings.is_complete:
        raise DatevExportError(_("Enter the consultant and client number in the DATEV settings first."))
    if date_to < date_from:
        raise DatevExportError(_("The end date is before the start date."))
    if fiscal_year_start(settings, date_from) != fiscal_year_start(settings, date_to):
        raise DatevExportError(
            _(
                "The dates span two fiscal years. DATEV takes one fiscal year per file: "
                "export each fiscal year separately."
            )
        )


def _side(value: Decimal) -> tuple[str, Decimal]:
    return ("S", value) if value > 0 else ("H", -value)


def _rate_text(rate: Decimal) -> str:
    return f"{Decimal(rate).normalize():f}"


def day_bookings(
    store: Store,
    accounts: Accounts,
    day: date,
    revenue: list[tuple[str, Decimal, Decimal]],
    payments: list[tuple[str, str, Decimal]],
    movements: list[Any],
) -> Iterator[datev.Booking]:
    """The bookings of one store's day (texts in the active language)."""
    document = f"{store.number}-{day:%Y%m%d}"
    for kind, rate, total in revenue:
        if not total:
            continue
        try:
            revenue_account = accounts.revenue(rate)
        except KeyError:
            raise DatevExportError(
                _("There is no revenue account for VAT rate %(rate)s %%.") % {"rate": _rate_text(rate)}
            ) from None
        template = (
            _("Returns %(rate)s %% VAT, %(store)s") if kind == REFUND else _("Revenue %(rate)s %% VAT, %(store)s")
        )
        side, value = _side(total)
        yield datev.Booking(
            value,
            side,
            accounts.clearing,
            revenue_account,
            day,
            document,
            template % {"rate": _rate_text(rate), "store": store.name},
        )
    # Payments summed per account (card and other payments may share Geldtransit).
    by_account: dict[tuple[str, str], tuple[Decimal, list[str]]] = {}
    for kind, method, total in payments:
        account = accounts.payment(method)
        if account == accounts.clearing:
            continue  # exchange credit: stays on the clearing account
        old_total, labels = by_account.get((kind, account), (Decimal("0"), []))
        by_account[(kind, account)] = (old_total + total, [*labels, str(PAYMENT_LABELS[method])])
    for (kind, account), (total, labels) in by_account.items():
        if not total:
            continue
        template = _("Refunds %(methods)s, %(store)s") if kind == REFUND else _("Payments %(methods)s, %(store)s")
        side, value = _side(total)
        yield datev.Booking(
            value,
            side,
            account,
            accounts.clearing,
            day,
            document,
            template % {"methods": "/".join(labels), "store": store.name},
        )
    for movement in movements:
        if not movement["amount"]:
            continue
        template = _("Cash in: %(reason)s") if movement["amount"] > 0 else _("Cash out: %(reason)s")
        side, value = _side(movement["amount"])
        yield datev.Booking(
            value, side, accounts.cash, accounts.cash_transfer, day, document, template % {"reason": movement["reason"]}
        )


def store_bookings(
    sums: DailySums, store: Store, accounts: Accounts, date_from: date, date_to: date
) -> Iterator[datev.Booking]:
    """One store's bookings, day by day."""
    revenue = sums.revenue_by_day(store, date_from, date_to)
    payments = sums.payments_by_day(store, date_from, date_to)
    movements = sums.cash_movements_by_day(store, date_from, date_to)
    next_movement = next(movements, None)
    for day in sorted(set(revenue) | set(payments)):
        while next_movement is not None and next_movement[0] < day:
            yield from day_bookings(store, accounts, next_movement[0], [], [], next_movement[1])
            next_movement = next(movements, None)
        todays: list[Any] = []
        if next_movement is not None and next_movement[0] == day:
            todays = next_movement[1]
            next_movement = next(movements, None)
        yield from day_bookings(store, accounts, day, revenue.get(day, []), payments.get(day, []), todays)
    while next_movement is not None:
        yield from day_bookings(store, accounts, next_movement[0], [], [], next_movement[1])
        next_movement = next(movements, None)


def header_for(request: ExportRequest, settings: DatevSettings, now: datetime | None = None) -> datev.Header:
    assert settings.consultant_number is not None
    assert settings.client_number is not None
    return datev.Header(
        consultant_number=settings.consultant_number,
        client_number=settings.client_number,
        fiscal_year_start=fiscal_year_start(settings, request.date_from),
        account_length=settings.account_length,
        date_from=request.date_from,
        date_to=request.date_to,
        label=f"Kasse {request.date_from:%d.%m.%y}-{request.date_to:%d.%m.%y}",
        chart=settings.chart,
        created_at=timezone.localtime(now or timezone.now(), BERLIN),
    )


def prepare_export(request: ExportRequest) -> DatevSettings:
    """Check the request before anything is streamed (raises :class:`DatevExportError`)."""
    settings = settings_for(request.organization)
    check_request(settings, request.date_from, request.date_to)
    return settings


def export_lines(
    request: ExportRequest, settings: DatevSettings, sums: DailySums, now: datetime | None = None
) -> Iterator[bytes]:
    """The Buchungsstapel file as a stream of encoded lines, texts in the organization's language."""
    header = header_for(request, settings, now)
    accounts = settings.accounts()

    def bookings() -> Iterable[datev.Booking]:
        for store in request.stores:
            yield from store_bookings(sums, store, accounts, request.date_from, request.date_to)

    with scope(organization=request.organization), translation.override(request.organization.language):
        yield from datev.write(header, bookings())


def filename(request: ExportRequest) -> str:
    return f"EXTF_Buchungsstapel_{request.date_from:%Y%m%d}_{request.date_to:%Y%m%d}.csv"


def log_export(actor: Actor, request: ExportRequest) -> None:
    """Who exported what: an audit entry per export (GoBD: traceable hand-over to the tax adviser)."""
    with scope(organization=request.organization):
        log_action(
            request.organization,
            actor,
            "fiscal.datev.exported",
            None,
            {
                "from": request.date_from.isoformat(),
                "to": request.date_to.isoformat(),
                "stores": [str(s.pk) for s in request.stores],
            },
        )
