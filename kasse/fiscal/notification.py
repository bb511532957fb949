"""The data for notifying the tax office of a store's registers (§146a (4) AO), as a page, CSV and PDF.

Since 1 January 2025 every business reports its electronic recording systems to its tax office through
ELSTER, one notice per permanent establishment (Betriebsstätte, here: a store) listing all its systems:
the taxpayer's name and tax number, the establishment's address, and per system its kind, software and
version, serial number, the TSE with its serial number, and the dates of purchase, of start of use and
(when that happens) of decommissioning. kasse gathers what it knows (registers, TSEs, software version)
and the owner enters the rest once per register (:class:`RegisterDetails`); the owner then types it into
ELSTER, or hands the CSV/PDF to the tax adviser who does.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from fpdf import FPDF

from kasse import __version__
from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.fiscal.models import Backend, DeviceState, RegisterDetails, TseClientRegistration, TseDevice
from kasse.tenancy.models import Register, Store

SOFTWARE = "kasse"
KIND_OF_SYSTEM = "PC-/Tablet-Kassensystem (Browser)"


@dataclass(frozen=True)
class RegisterEntry:
    register: Register
    details: RegisterDetails | None
    tse: TseDevice | None

    @property
    def brand(self) -> str:
        return self.details.brand if self.details else ""

    @property
    def model(self) -> str:
        return self.details.model if self.details else ""

    @property
    def purchased_on(self) -> date | None:
        return self.details.purchased_on if self.details else None

    @property
    def in_use_since(self) -> date | None:
        return self.details.in_use_since if self.details else None

    @property
    def decommissioned_on(self) -> date | None:
        return self.details.decommissioned_on if self.details else None

    @property
    def tse_kind(self) -> str:
        if self.tse is None:
            return ""
        if self.tse.backend == Backend.FISKALY:
            return "fiskaly SIGN DE (Cloud-TSE)"
        return _("development TSE (not certified)")

    @property
    def missing(self) -> list[str]:
        """What the tax office needs that is not entered yet."""
        gaps = []
        if self.purchased_on is None:
            gaps.append(str(_("date of purchase")))
        if self.in_use_since is None:
            gaps.append(str(_("start of use")))
        if self.tse is None or not self.tse.serial_number:
            gaps.append(str(_("TSE")))
        return gaps


@dataclass(frozen=True)
class StoreNotification:
    store: Store
    entries: list[RegisterEntry]
    software_version: str = __version__

    @property
    def complete(self) -> bool:
        return all(not entry.missing for entry in self.entries)


def store_notification(store: Store) -> StoreNotification:
    """Every register of ``store`` with its details and the TSE it signs with."""
    registers = list(Register.objects.filter(store=store).order_by("number"))
    details = {d.register_id: d for d in RegisterDetails.objects.filter(register__in=registers)}
    clients = {
        c.register_id: c.device
        for c in TseClientRegistration.objects.filter(register__in=registers)
        .exclude(device__state=DeviceState.RETIRED)
        .select_related("device")
    }
    return StoreNotification(
        store=store,
        entries=[RegisterEntry(r, details.get(r.pk), clients.get(r.pk)) for r in registers],
    )


@tenant_service
def save_register_details(*, actor: Actor, register: Register, data: dict[str, Any]) -> RegisterDetails:
    """Brand, model and the dates of a register for the tax office (validated), with an audit entry."""
    row = RegisterDetails.objects.filter(register=register).first() or RegisterDetails(
        organization_id=register.organization_id, register=register
    )
    for name, value in data.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    log_action(
        register.organization,
        actor,
        "fiscal.register_details.saved",
        row,
        {k: str(v) if v is not None else None for k, v in data.items()},
    )
    return row


def _day(value: date | None) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def table(notification: StoreNotification) -> tuple[list[str], list[list[str]]]:
    """The notice as a header and one row per register (the CSV and the PDF)."""
    header = [
        str(_("register")),
        str(_("kind of system")),
        str(_("serial number")),
        str(_("brand of the device")),
        str(_("model of the device")),
        str(_("software")),
        str(_("software version")),
        str(_("TSE")),
        str(_("TSE serial number")),
        str(_("TSE certificate valid until")),
        str(_("purchased on")),
        str(_("in use since")),
        str(_("out of use since")),
    ]
    rows = [
        [
            f"{e.register.number} {e.register.name}",
            KIND_OF_SYSTEM,
            e.register.serial_number,
            e.brand,
            e.model,
            SOFTWARE,
            notification.software_version,
            e.tse_kind,
            e.tse.serial_number if e.tse else "",
            _day(e.tse.certificate_expires_at.date()) if e.tse and e.tse.certificate_expires_at else "",
            _day(e.purchased_on),
            _day(e.in_use_since),
            _day(e.decommissioned_on),
        ]
        for e in notification.entries
    ]
    return header, rows


def _heading(notification: StoreNotification) -> list[str]:
    store = notification.store
    organization = store.organization
    return [
        f"{organization.legal_name or organization.name}",
        f"{_('tax number')}: {organization.tax_number or '-'}",
        f"{_('store')}: {store.name}, {store.street}, {store.postal_code} {store.city}",
    ]


def notification_csv(notification: StoreNotification) -> bytes:
    """UTF-8 with a byte order mark (Excel opens it), ``;`` between fields, CR LF."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for line in _heading(notification):
        writer.writerow([line])
    writer.writerow([])
    header, rows = table(notification)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe(text: str) -> str:
    return text.encode("windows-1252", "replace").decode("windows-1252")


def notification_pdf(notification: StoreNotification) -> bytes:
    """One A4 landscape page per store: the heading and the registers, one row each."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_creator("kasse")
    pdf.set_title(_safe(str(_("Registers for the tax office")) + f" - {notification.store.name}"))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(
        0,
        8,
        _safe(str(_("Notification of electronic recording systems (§146a (4) AO)"))),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("Helvetica", "", 10)
    for line in _heading(notification):
        pdf.cell(0, 6, _safe(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    header, rows = table(notification)
    pdf.set_font("Helvetica", "", 7)
    with pdf.table(text_align="LEFT", line_height=4) as grid:
        head = grid.row()
        for text in header:
            head.cell(_safe(text))
        for values in rows:
            row = grid.row()
            for text in values:
                row.cell(_safe(text))
    return bytes(pdf.output())
