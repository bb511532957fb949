"""Background tasks of bookkeeping (django-tasks; ``kasse worker`` runs them, docs/architecture.md)."""

from __future__ import annotations

from django_tasks import task

from kasse.bookkeeping.dsfinvk_exports import run_dsfinvk_export
from kasse.bookkeeping.retention import prune_exports
from kasse.bookkeeping.services import run_sales_export
from kasse.bookkeeping.tse_exports import run_tse_export


@task()
def write_sales_export(export_id: str) -> None:
    """Write a requested sales export's file, reporting progress as it goes; then delete the files that
    outlived their retention time."""
    run_sales_export(export_id)
    prune_exports()


@task()
def write_dsfinvk_export(export_id: str) -> None:
    """Write a requested DSFinV-K export's ZIP, reporting the closings written; then prune old files."""
    run_dsfinvk_export(export_id)
    prune_exports()


@task()
def write_tse_export(export_id: str) -> None:
    """Write a requested TSE export's TAR (fiskaly: trigger, poll, download); then prune old files."""
    run_tse_export(export_id)
    prune_exports()
