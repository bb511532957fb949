"""The TSE's own export (TR-03151 TAR: its certificate and every signed log message) as a background export,
like the DSFinV-K export: asked for on a store's TSE page, written by ``kasse worker`` (fiskaly's TSS export is
triggered and polled, which may take minutes), followed and downloaded in Verkäufe → Exporte, and audited
(``fiscal.tse.exported``). ``kasse tse_export`` writes the same file in the foreground, to a path."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from kasse.bookkeeping.models import ExportFormat, ExportStatus, SalesExport
from kasse.bookkeeping.services import ExportError, export_path
from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.fiscal.services import backend_for, exportable_device
from kasse.fiscal.tse.interface import TseRefused, TseUnavailable
from kasse.tenancy.models import Organization, Store, User

logger = logging.getLogger(__name__)


@tenant_service
def request_tse_export(*, actor: Actor, organization: Organization, user: User, store: Store) -> SalesExport:
    """Queue the export of the TSE that signs ``store``'s receipts; :class:`ExportError` when it has none."""
    device = exportable_device(organization, store)
    if device is None:
        raise ExportError(_("This store has no TSE whose data could be exported."))
    today = timezone.localdate()
    export = SalesExport.objects.create(
        organization=organization,
        requested_by=user,
        store_ids=[str(store.pk)],
        store_names=f"{store.name}: TSE {device.serial_number or device.name}"[:500],
        date_from=today,
        date_to=today,
        format=ExportFormat.TSE,
        line_count=1,
        download_name=f"TSE_{(device.serial_number or str(device.pk))[:24]}_{today:%Y%m%d}.tar",
    )
    from kasse.bookkeeping.tasks import write_tse_export

    export_id = str(export.pk)
    transaction.on_commit(lambda: write_tse_export.enqueue(export_id))
    return export


def run_tse_export(export_id: str) -> None:
    """Write one queued TSE export; a second call for the same export does nothing (compare-and-set)."""
    with scopes_disabled():
        export = SalesExport.objects.select_related("organization", "requested_by").filter(pk=export_id).first()
    if export is None or export.format != ExportFormat.TSE:
        return
    with scope(organization=export.organization):
        now = timezone.now()
        taken = SalesExport.objects.filter(pk=export.pk, status=ExportStatus.QUEUED).update(
            status=ExportStatus.RUNNING, started_at=now, updated_at=now
        )
        if not taken:
            return
        export.file_name = f"{export.pk}.tar"
        path = export_path(export)
        partial = path.with_name(path.name + ".part")
        store = Store.objects.filter(pk__in=export.store_ids).first()
        device = exportable_device(export.organization, store)
        try:
            if device is None:
                raise TseRefused(_("This store has no TSE whose data could be exported."))
            tar = backend_for(device).export()
            path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(tar)
            partial.replace(path)
        except Exception as exc:
            partial.unlink(missing_ok=True)
            logger.exception("TSE export %s failed", export.pk)
            reason = str(exc) if isinstance(exc, TseUnavailable | TseRefused) else type(exc).__name__
            SalesExport.objects.filter(pk=export.pk).update(
                status=ExportStatus.FAILED,
                error=str(_("The export could not be written (%(reason)s).") % {"reason": reason})[:500],
                finished_at=timezone.now(),
            )
            return
        log_action(
            export.organization,
            Actor.for_user(export.requested_by),
            "fiscal.tse.exported",
            device,
            {"bytes": len(tar), "serial": device.serial_number, "export_id": str(export.pk)},
        )
        SalesExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.DONE,
            file_name=export.file_name,
            file_size=len(tar),
            lines_written=1,
            finished_at=timezone.now(),
        )
