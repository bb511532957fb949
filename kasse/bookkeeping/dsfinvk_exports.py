"""The DSFinV-K export as a background task, like the sales export: the back office asks for it (checked
and counted in the request, nothing written), ``kasse worker`` writes the ZIP, the person who asked
follows its progress (closings written) in Verkäufe → Exporte and downloads it from there.

A year of one register is about 30 s of work and a 15 MB ZIP (docs/benchmarks.md, "DSFinV-K export"):
too long for a request that a proxy may cut off, and a file a person may want to fetch twice. The rows
are read from the journal by :mod:`kasse.sales.dsfinvk`; ``kasse dsfinvk_export`` still writes in the
foreground, to a path.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from kasse.bookkeeping.models import ExportFormat, ExportStatus, SalesExport
from kasse.bookkeeping.services import ExportError, export_path
from kasse.core.actors import Actor
from kasse.core.services import tenant_service
from kasse.sales.dsfinvk.request import DsfinvkExportError, DsfinvkRequest, log_export, prepare, write_zip
from kasse.sales.models import Shift
from kasse.tenancy.models import Organization, Register, Store, User

logger = logging.getLogger(__name__)


@tenant_service
def request_dsfinvk_export(
    *,
    actor: Actor,
    organization: Organization,
    user: User,
    store: Store,
    registers: list[Register],
    date_from: date,
    date_to: date,
) -> SalesExport:
    """Check the request (the period, registers, closings in it), record the hand-over in the audit log and
    queue the task that writes the ZIP. Refused with :class:`ExportError` (nothing stored)."""
    request = DsfinvkRequest(organization=organization, registers=registers, date_from=date_from, date_to=date_to)
    try:
        shifts = prepare(request)
    except DsfinvkExportError as exc:
        raise ExportError(str(exc)) from exc
    numbers = ", ".join(register.name for register in registers)
    export = SalesExport.objects.create(
        organization=organization,
        requested_by=user,
        store_ids=[str(store.pk)],
        register_ids=[str(register.pk) for register in registers],
        store_names=f"{store.name}: {numbers}"[:500],
        date_from=date_from,
        date_to=date_to,
        format=ExportFormat.DSFINVK,
        line_count=len(shifts),
        download_name=request.filename(),
    )
    log_export(actor, request, shifts)
    from kasse.bookkeeping.tasks import write_dsfinvk_export

    export_id = str(export.pk)
    transaction.on_commit(lambda: write_dsfinvk_export.enqueue(export_id))
    return export


def _counted(export: SalesExport, shifts: list[Shift]) -> Iterator[Shift]:
    """The closings, reporting each one written as progress."""
    for done, shift in enumerate(shifts):
        if done:
            SalesExport.objects.filter(pk=export.pk).update(lines_written=done, updated_at=timezone.now())
        yield shift


def run_dsfinvk_export(export_id: str) -> None:
    """Write one queued DSFinV-K export; a second call for the same export does nothing (compare-and-set)."""
    with scopes_disabled():
        export = SalesExport.objects.select_related("organization").filter(pk=export_id).first()
    if export is None or export.format != ExportFormat.DSFINVK:
        return
    with scope(organization=export.organization):
        now = timezone.now()
        taken = SalesExport.objects.filter(pk=export.pk, status=ExportStatus.QUEUED).update(
            status=ExportStatus.RUNNING, started_at=now, updated_at=now
        )
        if not taken:
            return
        export.file_name = f"{export.pk}.zip"
        path = export_path(export)
        partial = path.with_name(path.name + ".part")
        try:
            registers = list(
                Register.objects.filter(pk__in=export.register_ids).select_related("store", "organization")
            )
            registers.sort(key=lambda register: register.number)
            request = DsfinvkRequest(export.organization, registers, export.date_from, export.date_to)
            shifts = prepare(request)
            path.parent.mkdir(parents=True, exist_ok=True)
            with partial.open("wb") as target:
                write_zip(request, _counted(export, shifts), target)
            partial.replace(path)
        except Exception as exc:
            partial.unlink(missing_ok=True)
            logger.exception("DSFinV-K export %s failed", export.pk)
            reason = str(exc) if isinstance(exc, DsfinvkExportError) else type(exc).__name__
            SalesExport.objects.filter(pk=export.pk).update(
                status=ExportStatus.FAILED,
                error=str(_("The export could not be written (%(reason)s).") % {"reason": reason})[:500],
                finished_at=timezone.now(),
            )
            return
        SalesExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.DONE,
            file_name=export.file_name,
            file_size=path.stat().st_size,
            lines_written=export.line_count,
            finished_at=timezone.now(),
        )
