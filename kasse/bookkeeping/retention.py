"""Export files are kept for ``KASSE_EXPORT_RETENTION_DAYS`` (7) after they were finished, then deleted.

Receipts are kept in the database for ten years; an export is a copy made for one hand-over, and a
copy of a year's receipts lying on the server for ever is a copy nobody looks after. After the
retention time the file is deleted and the export shows "deleted after its retention time" (status
``expired``); it can be asked for again. Files in the export directory that no finished export owns
(a temporary ``.part`` left by a stopped worker, a file whose export row is gone) are deleted once
they are older than the retention time too.

Pruned where exports are used (the export page, the end of every export task) and by
``kasse prune_exports`` for a daily cron job.
"""

from __future__ import annotations

import datetime
import logging
import uuid

from django.conf import settings
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.bookkeeping.models import ExportStatus, SalesExport
from kasse.bookkeeping.services import export_dir

logger = logging.getLogger(__name__)


def retention() -> datetime.timedelta:
    return datetime.timedelta(days=settings.KASSE_EXPORT_RETENTION_DAYS)


def prune_exports(*, organization_id: uuid.UUID | None = None, now: datetime.datetime | None = None) -> int:
    """Delete the files of exports finished longer ago than the retention time (of one organization, or
    of all) and mark them expired; delete stray files of that age. Returns how many exports expired."""
    now = now or timezone.now()
    limit = now - retention()
    with scopes_disabled():
        old = SalesExport.objects.filter(status=ExportStatus.DONE, finished_at__lt=limit)
        if organization_id is not None:
            old = old.filter(organization_id=organization_id)
        expired = 0
        for export in old.only("pk", "organization_id", "file_name"):
            if export.file_name:
                (export_dir() / str(export.organization_id) / export.file_name).unlink(missing_ok=True)
            # Compare-and-set: an export expires once, whoever prunes at the same time.
            expired += SalesExport.objects.filter(pk=export.pk, status=ExportStatus.DONE).update(
                status=ExportStatus.EXPIRED, updated_at=now
            )
        kept = set(
            SalesExport.objects.filter(status__in=[ExportStatus.DONE, ExportStatus.RUNNING, ExportStatus.QUEUED])
            .exclude(file_name="")
            .values_list("file_name", flat=True)
        )
    _delete_stray_files(organization_id, kept, limit.timestamp())
    if expired:
        logger.info("deleted the files of %s exports older than %s", expired, retention())
    return expired


def _delete_stray_files(organization_id: uuid.UUID | None, kept: set[str], before: float) -> None:
    root = export_dir()
    folders = [root / str(organization_id)] if organization_id is not None else [p for p in root.glob("*")]
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.name in kept or not path.is_file():
                continue
            try:
                if path.stat().st_mtime < before:
                    path.unlink(missing_ok=True)
            except FileNotFoundError:  # deleted by another prune at the same moment
                continue
