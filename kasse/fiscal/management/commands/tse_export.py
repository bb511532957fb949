"""``kasse tse_export``: the TSE's own export (TR-03151 TAR: its certificate and every signed log message), to
archive with the shop's records (docs/fiscal.md, "Records, outages, immutability").

    kasse tse_export --org <organization id> [--store 1] --out TSE-2026.tar

Without ``--store`` the organization-wide TSE. The development TSE writes its stored log messages; fiskaly's
TSS export is triggered, polled and downloaded (``KASSE_FISKALY_EXPORT_TIMEOUT``). The file is written next to
``--out`` and renamed when complete; a TSE that does not answer or refuses ends with the message, exit code 1
and no file. Audited as ``fiscal.tse.exported``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.fiscal.command_args import organization_arg, whole_file
from kasse.fiscal.services import backend_for, exportable_device
from kasse.fiscal.tse.interface import TseRefused, TseUnavailable
from kasse.tenancy.models import Store


class Command(BaseCommand):
    help = "Write a TSE's export (TR-03151 TAR: certificate and signed log messages) to archive it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization id")
        parser.add_argument("--store", type=int, help="store number (default: the organization-wide TSE)")
        parser.add_argument("--out", required=True, help="the TAR file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_arg(options["org"])
        with scopes_disabled():
            store = None
            if options["store"] is not None:
                store = Store.objects.filter(organization=organization, number=options["store"]).first()
                if store is None:
                    raise CommandError(f"no store number {options['store']} in this organization")
            device = exportable_device(organization, store)
        if device is None:
            raise CommandError("no TSE set up " + (f"for store {store.number}" if store else "for the organization"))
        try:
            tar = backend_for(device).export()
        except (TseUnavailable, TseRefused) as exc:
            raise CommandError(f"the TSE did not export: {exc}") from exc
        path = Path(options["out"])
        with whole_file(path) as out:
            out.write(tar)
        with scope(organization=organization.pk):
            log_action(
                organization,
                Actor.system(),
                "fiscal.tse.exported",
                device,
                {"bytes": len(tar), "serial": device.serial_number},
            )
        self.stderr.write(f"{path}: {len(tar)} bytes from TSE {device.serial_number}")
