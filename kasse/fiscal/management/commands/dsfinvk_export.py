"""``kasse dsfinvk_export``: the DSFinV-K export of a store's registers for a date range, as a ZIP.

    kasse dsfinvk_export --org <organization id> --store 1 [--register 1 --register 2] \\
        --from 2026-01-01 --to 2026-12-31 --out DSFinV-K.zip

Without ``--register`` every register of the store. The export holds the cash point closings (Z reports)
made in the period. The rows are gathered in temporary files and the ZIP is written in chunks (flat
memory); it is written next to ``--out`` and renamed when complete. A request the export refuses (no
closing in the period, an end before the start) ends with the message and exit code 1, and no file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.fiscal.command_args import by_numbers, day_arg, organization_arg, whole_file
from kasse.sales.dsfinvk.request import DsfinvkExportError, DsfinvkRequest, log_export, prepare, write_zip
from kasse.tenancy.models import Register, Store


class Command(BaseCommand):
    help = "Write the DSFinV-K export (cash point closings of a period) of a store's registers as a ZIP."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization id")
        parser.add_argument("--store", required=True, type=int, help="store number")
        parser.add_argument(
            "--register",
            dest="registers",
            action="append",
            type=int,
            default=[],
            help="register number (repeat for several; default: every register of the store)",
        )
        parser.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--out", required=True, help="the ZIP file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_arg(options["org"])
        with scopes_disabled():
            store = Store.objects.filter(organization=organization, number=options["store"]).first()
            if store is None:
                raise CommandError(f"no store number {options['store']} in this organization")
            registers = list(
                Register.objects.filter(store=store).select_related("store", "organization").order_by("number")
            )
        registers = by_numbers(registers, options["registers"], "register", "this store")
        request = DsfinvkRequest(
            organization=organization,
            registers=registers,
            date_from=day_arg(options["date_from"]),
            date_to=day_arg(options["date_to"]),
        )
        try:
            shifts = prepare(request)
        except DsfinvkExportError as exc:
            raise CommandError(str(exc)) from exc
        path = Path(options["out"])
        with whole_file(path) as out:
            counts = write_zip(request, shifts, out)
        log_export(Actor.system(), request, shifts)
        self.stderr.write(f"{path}: {len(shifts)} closings, {counts['transactions.csv']} Vorgänge")
