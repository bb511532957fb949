"""Requesting a sales export and writing it (the background task's body); cash book entries and their
corrections."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from kasse.bookkeeping.models import (
    CASH_OUT_CATEGORIES,
    CashBookCategory,
    CashBookEntry,
    ExportFormat,
    ExportStatus,
    SalesExport,
)
from kasse.bookkeeping.sales_export import count_lines, write_export
from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.tenancy.models import Organization, Store, User

logger = logging.getLogger(__name__)

# The longest range one export covers, and the most lines it may have: an XLSX sheet ends at 1,048,576
# rows; a CSV export of ten million lines is about a gigabyte before compression.
MAX_DAYS = 3 * 366
MAX_LINES: dict[str, int] = {ExportFormat.CSV: 10_000_000, ExportFormat.XLSX: 1_000_000}
# A running export whose progress has not moved for this long lost its worker.
STALE_AFTER_SECONDS = 15 * 60


class ExportError(ValidationError):
    """An export that cannot be made as asked; the message is for the person who asked."""


def export_dir() -> Path:
    return Path(settings.DATA_DIR) / "exports"


def export_path(export: SalesExport) -> Path:
    return export_dir() / str(export.organization_id) / export.file_name


@tenant_service
def request_sales_export(
    *,
    actor: Actor,
    organization: Organization,
    user: User,
    stores: list[Store],
    date_from: date,
    date_to: date,
    fmt: str,
    language: str = "de",
) -> SalesExport:
    """Check the request, count what it covers and queue the task that writes the file.

    Refused (nothing stored): an impossible or too long range, no store, an unknown format, more lines
    than the format's limit."""
    if fmt not in ExportFormat.values:
        raise ExportError(_("Unknown format."))
    if not stores:
        raise ExportError(_("Choose at least one store."))
    if date_to < date_from:
        raise ExportError(_("The end date is before the start date."))
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise ExportError(_("One export covers at most %(days)s days; split the range.") % {"days": MAX_DAYS})
    receipts, lines = count_lines(stores, date_from, date_to)
    if lines > MAX_LINES[fmt]:
        raise ExportError(
            _("These %(lines)s lines are more than one %(format)s export holds (%(max)s); choose a shorter range.")
            % {"lines": f"{lines:,}", "format": fmt.upper(), "max": f"{MAX_LINES[fmt]:,}"}
        )
    export = SalesExport.objects.create(
        organization=organization,
        requested_by=user,
        store_ids=[str(store.pk) for store in stores],
        store_names=", ".join(store.name for store in stores)[:500],
        date_from=date_from,
        date_to=date_to,
        format=fmt,
        language=language[:5],
        line_count=lines,
        receipt_count=receipts,
    )
    log_action(
        organization,
        actor,
        "bookkeeping.sales_export.requested",
        export,
        {"from": date_from.isoformat(), "to": date_to.isoformat(), "stores": export.store_ids, "lines": lines},
    )
    from kasse.bookkeeping.tasks import write_sales_export

    export_id = str(export.pk)
    transaction.on_commit(lambda: write_sales_export.enqueue(export_id))
    return export


@contextmanager
def _progress_writer(export: SalesExport) -> Iterator[Callable[[int], None]]:
    """How the task reports lines written. On PostgreSQL through a connection of its own: the export's
    connection is busy streaming ``COPY``, and a second statement on it would wait for the copy to end."""
    if connection.vendor != "postgresql":

        def update(lines: int) -> None:
            SalesExport.objects.filter(pk=export.pk).update(lines_written=lines, updated_at=timezone.now())

        yield update
        return
    side = connections.create_connection(DEFAULT_DB_ALIAS)

    def report(lines: int) -> None:
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {SalesExport._meta.db_table} SET lines_written = %s, updated_at = %s WHERE id = %s",  # noqa: S608 - our table name
                [lines, timezone.now(), export.pk],
            )

    try:
        yield report
    finally:
        side.close()


def run_sales_export(export_id: str, *, language: str | None = None) -> None:
    """Write one queued export; a second call for the same export does nothing (compare-and-set)."""
    with scopes_disabled():
        export = SalesExport.objects.select_related("organization").filter(pk=export_id).first()
    if export is None:
        return
    with scope(organization=export.organization):
        now = timezone.now()
        taken = SalesExport.objects.filter(pk=export.pk, status=ExportStatus.QUEUED).update(
            status=ExportStatus.RUNNING, started_at=now, updated_at=now
        )
        if not taken:
            return
        stores = list(Store.objects.filter(pk__in=export.store_ids).order_by("number"))
        export.file_name = f"{export.pk}.{'zip' if export.format == ExportFormat.CSV else 'xlsx'}"

        try:
            with _progress_writer(export) as progress:
                size = write_export(
                    export_path(export),
                    export.format,
                    stores,
                    export.date_from,
                    export.date_to,
                    progress,
                    language or export.language,
                )
        except Exception as exc:
            logger.exception("sales export %s failed", export.pk)
            SalesExport.objects.filter(pk=export.pk).update(
                status=ExportStatus.FAILED,
                error=str(_("The export could not be written (%(reason)s).") % {"reason": type(exc).__name__})[:500],
                finished_at=timezone.now(),
            )
            return
        SalesExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.DONE,
            file_name=export.file_name,
            file_size=size,
            lines_written=export.line_count,
            finished_at=timezone.now(),
        )


@tenant_service
def fail_stale_exports(*, organization: Organization) -> int:
    """Running exports whose progress stood still for ``STALE_AFTER_SECONDS`` lost their worker (a
    restart, a crash): they are failed, so nobody waits for them, and can be asked for again."""
    limit = timezone.now() - timedelta(seconds=STALE_AFTER_SECONDS)
    stale = SalesExport.objects.filter(organization=organization, status=ExportStatus.RUNNING, updated_at__lt=limit)
    for pk in stale.values_list("pk", flat=True):
        (export_dir() / str(organization.pk) / f"{pk}.zip.part").unlink(missing_ok=True)
        (export_dir() / str(organization.pk) / f"{pk}.xlsx.part").unlink(missing_ok=True)
    return stale.update(
        status=ExportStatus.FAILED,
        error=str(_("The export stopped (the worker was restarted); please ask for it again."))[:500],
        finished_at=timezone.now(),
    )


# --- the cash book ----------------------------------------------------------------------------------------

MAX_ENTRY = Decimal("999999.99")


class CashBookError(ValidationError):
    """A cash book entry that cannot be made; the message is for the person entering it."""


def _signed(category: str, amount: Decimal) -> Decimal:
    return -amount if category in CASH_OUT_CATEGORIES else amount


@tenant_service
def add_cash_book_entry(
    *, actor: Actor, store: Store, user: User, day: date, category: str, amount: Decimal, text: str
) -> CashBookEntry:
    """Enter cash of the store moved outside a register (or the opening balance). ``amount`` is positive;
    the category says whether it went in or out. Days in the future are refused."""
    if category not in CashBookCategory.values:
        raise CashBookError(_("Unknown category."))
    if day > timezone.now().astimezone(store.tzinfo).date():
        raise CashBookError(_("The day is in the future."))
    if amount <= 0 and category != CashBookCategory.OPENING_BALANCE:
        raise CashBookError(_("The amount must be greater than zero."))
    if abs(amount) > MAX_ENTRY or amount != amount.quantize(Decimal("0.01")):
        raise CashBookError(_("Enter an amount in euros with at most two decimals, up to 999,999.99."))
    if not text.strip():
        raise CashBookError(_("Please say what the entry is for."))
    entry = CashBookEntry.objects.create(
        organization_id=store.organization_id,
        store=store,
        day=day,
        category=category,
        amount=_signed(category, amount),
        text=text.strip()[:200],
        entered_by=user,
    )
    log_action(
        store.organization_id,
        actor,
        "bookkeeping.cash_book.entered",
        entry,
        {"day": day.isoformat(), "category": category, "amount": str(entry.amount)},
        store=store,
    )
    return entry


@tenant_service
def correct_cash_book_entry(
    *, actor: Actor, entry: CashBookEntry, user: User, amount: Decimal | None, text: str
) -> list[CashBookEntry]:
    """Correct an entry by new ones on its day: one that reverses it and, when ``amount`` is given, one with
    the right amount. Both reference it; it stays as it was. An entry is corrected once."""
    entry = CashBookEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.correction_of_id is not None:
        raise CashBookError(_("This entry is itself a correction; correct the original entry instead."))
    if entry.corrections.exists():
        raise CashBookError(_("This entry has been corrected already."))
    if not text.strip():
        raise CashBookError(_("Please say why the entry is corrected."))
    if amount is not None and (amount < 0 or amount > MAX_ENTRY or amount != amount.quantize(Decimal("0.01"))):
        raise CashBookError(_("Enter an amount in euros with at most two decimals, up to 999,999.99."))
    reason = text.strip()[:150]
    made = [
        CashBookEntry.objects.create(
            organization_id=entry.organization_id,
            store_id=entry.store_id,
            day=entry.day,
            category=entry.category,
            amount=-entry.amount,
            text=str(_("Reversal: %(reason)s") % {"reason": reason})[:200],
            correction_of=entry,
            entered_by=user,
        )
    ]
    if amount is not None and amount != 0:
        made.append(
            CashBookEntry.objects.create(
                organization_id=entry.organization_id,
                store_id=entry.store_id,
                day=entry.day,
                category=entry.category,
                amount=_signed(entry.category, amount),
                text=str(_("Corrected: %(text)s") % {"text": entry.text})[:200],
                correction_of=entry,
                entered_by=user,
            )
        )
    log_action(
        entry.organization_id,
        actor,
        "bookkeeping.cash_book.corrected",
        entry,
        {"reason": reason, "new_amount": str(made[-1].amount) if len(made) > 1 else None},
        store=entry.store_id,
    )
    return made
