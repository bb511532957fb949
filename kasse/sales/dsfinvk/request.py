"""One DSFinV-K export as the back office and ``kasse dsfinvk_export`` ask for it: registers and a date range
→ the cash point closings in it → a ZIP, and the audit entry that says who exported what."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import IO

from django.utils.translation import gettext as _
from django_scopes import scope

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.fiscal.dsfinvk.writer import ExportFiles
from kasse.sales.dsfinvk.export import closings, write_export
from kasse.sales.models import Shift
from kasse.tenancy.models import Organization, Register

# A tax audit asks for years; ten years (the retention period) is the longest range that makes sense.
MAX_DAYS = 3700


class DsfinvkExportError(ValueError):
    """A request the export refuses before anything is written (the message is translated)."""


@dataclass(frozen=True)
class DsfinvkRequest:
    organization: Organization
    registers: list[Register]
    date_from: date
    date_to: date

    def filename(self) -> str:
        numbers = "-".join(str(r.number) for r in self.registers) if len(self.registers) <= 4 else "alle"
        store = self.registers[0].store.number if self.registers else 0
        return f"DSFinV-K_Filiale{store}_Kasse{numbers}_{self.date_from:%Y%m%d}-{self.date_to:%Y%m%d}.zip"


def prepare(request: DsfinvkRequest) -> list[Shift]:
    """The closings of the request, checked (raises :class:`DsfinvkExportError`)."""
    if request.date_to < request.date_from:
        raise DsfinvkExportError(_("The end of the period lies before its start."))
    if (request.date_to - request.date_from).days > MAX_DAYS:
        raise DsfinvkExportError(_("Export at most ten years at once."))
    if not request.registers:
        raise DsfinvkExportError(_("This store has no register."))
    with scope(organization=request.organization):
        found = closings(request.registers, request.date_from, request.date_to)
    if not found:
        raise DsfinvkExportError(_("No register of this choice was closed (Z report) in this period."))
    return found


def write_zip(request: DsfinvkRequest, shifts: Iterable[Shift], target: IO[bytes]) -> dict[str, int]:
    """The export as a ZIP into ``target``; the number of rows per file."""
    with scope(organization=request.organization), ExportFiles() as files:
        write_export(shifts, files)
        files.write_zip(target)
        return dict(files.counts)


def log_export(actor: Actor, request: DsfinvkRequest, shifts: list[Shift]) -> None:
    """Who handed which closings to the tax office (GoBD: a traceable hand-over)."""
    with scope(organization=request.organization):
        log_action(
            request.organization,
            actor,
            "fiscal.dsfinvk.exported",
            None,
            {
                "from": request.date_from.isoformat(),
                "to": request.date_to.isoformat(),
                "registers": [str(r.pk) for r in request.registers],
                "closings": len(shifts),
            },
        )
