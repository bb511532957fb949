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
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.fiscal.command_args import by_numbers, day_arg, organization_arg, whole_file
from kasse.fiscal.datev_export import DatevExportError, ExportRequest, export_lines, log_export, prepare_export
from kasse.sales import daily_sums
from kasse.tenancy.models import Store


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
        organization = organization_arg(options["org"])
        with scopes_disabled():
            stores = list(Store.objects.filter(organization=organization).order_by("number"))
        stores = by_numbers(stores, options["stores"], "store", "this organization")
        request = ExportRequest(
            organization=organization,
            stores=stores,
            date_from=day_arg(options["date_from"]),
            date_to=day_arg(options["date_to"]),
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
        with whole_file(path) as out:
            for line in export_lines(request, settings, daily_sums):
                out.write(line)
        self.stderr.write(f"{path}")
