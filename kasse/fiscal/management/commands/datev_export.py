"""``kasse datev_export``: the DATEV booking batch of an organization's stores for a date range.

    kasse datev_export --org <organization id> --from 2026-12-01 --to 2026-12-31 \\
        [--store 1 --store 2] --out EXTF_Buchungsstapel.csv

Without ``--store`` every store of the organization; ``--out -`` writes to
standard output. The file is written line by line (flat memory). A request the
export refuses (no consultant number, two fiscal years) ends with the message
and exit code 1, and no file is written.
"""

from __future__ import annotations

import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.fiscal.datev_export import DatevExportError, ExportRequest, export_lines, log_export, prepare_export
from kasse.sales import daily_sums
from kasse.tenancy.models import Organization, Store


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc


class Command(BaseCommand):
    help = "Write the DATEV booking batch (daily revenue per VAT rate and payment method) for a date range."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization id")
        parser.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument(
            "--store",
            dest="stores",
            action="append",
            type=int,
            default=[],
            help="store number (repeat for several; default: every store)",
        )
        parser.add_argument("--out", required=True, help="file to write, or - for standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            org_id = uuid.UUID(options["org"])
        except ValueError as exc:
            raise CommandError(f"not an organization id: {options['org']}") from exc
        with scopes_disabled():
            organization = Organization.objects.filter(pk=org_id).first()
            if organization is None:
                raise CommandError(f"no organization {org_id}")
            stores = list(Store.objects.filter(organization=organization).order_by("number"))
        if options["stores"]:
            wanted = set(options["stores"])
            missing = wanted - {s.number for s in stores}
            if missing:
                raise CommandError(f"no store number {', '.join(map(str, sorted(missing)))} in this organization")
            stores = [s for s in stores if s.number in wanted]
        request = ExportRequest(
            organization=organization,
            stores=stores,
            date_from=_day(options["date_from"]),
            date_to=_day(options["date_to"]),
        )
        try:
            settings = prepare_export(request)
        except DatevExportError as exc:
            raise CommandError(str(exc)) from exc
        log_export(Actor.system(), request)
        if options["out"] == "-":
            for line in export_lines(request, settings, daily_sums):
                sys.stdout.buffer.write(line)
            sys.stdout.buffer.flush()
            return
        path = Path(options["out"])
        partial = path.with_name(path.name + ".partial")
        with partial.open("wb") as out:
            for line in export_lines(request, settings, daily_sums):
                out.write(line)
        partial.replace(path)
        self.stderr.write(f"{path}")
