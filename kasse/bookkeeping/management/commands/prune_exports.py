"""``kasse prune_exports``: delete export files older than ``KASSE_EXPORT_RETENTION_DAYS`` (for a daily cron job;
the export page and every export task prune their organization's files too)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from kasse.bookkeeping.retention import prune_exports


class Command(BaseCommand):
    help = "Delete the files of exports finished longer ago than KASSE_EXPORT_RETENTION_DAYS."

    def handle(self, *args: Any, **options: Any) -> None:
        expired = prune_exports()
        days = settings.KASSE_EXPORT_RETENTION_DAYS
        self.stdout.write(f"{expired} export(s) older than {days} days deleted.")
