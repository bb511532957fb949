"""Background tasks of bookkeeping (django-tasks; ``kasse db_worker`` runs them, docs/architecture.md)."""

from __future__ import annotations

from django_tasks import task

from kasse.bookkeeping.retention import prune_exports
from kasse.bookkeeping.services import run_sales_export


@task()
def write_sales_export(export_id: str) -> None:
    """Write a requested sales export's file, reporting progress as it goes; then delete the files that
    outlived their retention time."""
    run_sales_export(export_id)
    prune_exports()
