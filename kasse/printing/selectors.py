"""Reads for printing: which printer a register uses, recent jobs, what the virtual printers printed."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from kasse.printing.models import JobStatus, Printer, PrinterKind, PrinterState, PrintJob, RegisterPrinter
from kasse.sync.engine.device_states import is_fresh
from kasse.tenancy.models import Register, Store


def receipt_printer_for(register: Register) -> Printer | None:
    """The register's receipt printer: the one assigned to it, else the store's only active receipt printer."""
    link = RegisterPrinter.objects.filter(register=register, printer__is_active=True).select_related("printer").first()
    if link is not None:
        return link.printer
    printers = list(Printer.objects.filter(store_id=register.store_id, kind=PrinterKind.RECEIPT, is_active=True)[:2])
    return printers[0] if len(printers) == 1 else None


def label_printer_for(store: Store) -> Printer | None:
    """The store's label printer for the register (the first active one by name)."""
    return Printer.objects.filter(store=store, kind=PrinterKind.LABEL, is_active=True).order_by("name").first()


def printers_of_store(store: Store) -> QuerySet[Printer]:
    return Printer.objects.filter(store=store).select_related("state").order_by("kind", "name")


def recent_jobs(*, printer: Printer | None = None, register: Register | None = None, limit: int = 20) -> list[PrintJob]:
    jobs = PrintJob.objects.select_related("printer").defer("payload").order_by("-created_at")
    if printer is not None:
        jobs = jobs.filter(printer=printer)
    if register is not None:
        jobs = jobs.filter(register=register)
    return list(jobs[:limit])


def open_problems(register: Register, *, limit: int = 10) -> list[PrintJob]:
    """Failed jobs of the register's printer from the last day: what the cashier may want to print again."""
    since = timezone.now() - timedelta(days=1)
    return list(
        PrintJob.objects.filter(register=register, status=JobStatus.FAILED, created_at__gte=since)
        .select_related("printer")
        .defer("payload")
        .order_by("-created_at")[:limit]
    )


def waiting_jobs(printer: Printer) -> int:
    return PrintJob.objects.filter(printer=printer, status__in=[JobStatus.QUEUED, JobStatus.PRINTING]).count()


def state_of(printer: Printer) -> PrinterState | None:
    """The last known state, or None when the worker has not asked recently (shown as "unknown")."""
    state = PrinterState.objects.filter(printer=printer).first()
    if state is None or not is_fresh(state.checked_at):  # older: nobody is asking the printer any more
        return None
    return state


def discovery_allowed() -> bool:
    """Whether this process may probe networks and list USB devices for the back office.

    On the multi-tenant cloud in production a probe would scan the cloud's own network on a tenant's
    behalf, so it is off there unless ``KASSE_DEVICE_DISCOVERY`` says otherwise; on a store node, in
    development and in the demo (the machine that shares the shop's LAN) it is on.
    """
    configured = getattr(settings, "KASSE_DEVICE_DISCOVERY", None)
    if configured is not None:
        return bool(configured)
    if os.environ.get("KASSE_DEVICE_DISCOVERY", "").strip():
        return os.environ["KASSE_DEVICE_DISCOVERY"].strip().lower() in {"1", "true", "yes", "on"}
    return settings.KASSE_ENV != "production" or settings.KASSE_ROLE == "store"


# --- the virtual printers' output (demo and development) ----------------------------------------------


@dataclass(frozen=True)
class VirtualJob:
    number: int
    text: str
    has_picture: bool


# Per kind of printer: the setting naming the folder its virtual printer writes to, the folder's name next
# to the demo's data, and how its files are called (the receipt printer's ``job-0001.txt/.png``, the label
# printer's ``label-0001.txt/.png``).
_VIRTUAL_OUTPUT = {
    PrinterKind.RECEIPT: ("KASSE_VIRTUAL_PRINTER_DIR", "virtual-printer", "job"),
    PrinterKind.LABEL: ("KASSE_VIRTUAL_LABEL_PRINTER_DIR", "virtual-label-printer", "label"),
}


def virtual_printer_dir(kind: str = PrinterKind.RECEIPT) -> Path | None:
    """Where the virtual printer of ``kind`` writes what it printed (``KASSE_VIRTUAL_PRINTER_DIR``,
    ``KASSE_VIRTUAL_LABEL_PRINTER_DIR``; in the demo ``var/demo/virtual-printer`` and
    ``var/demo/virtual-label-printer``); None when not configured."""
    setting, demo_folder, _prefix = _VIRTUAL_OUTPUT[PrinterKind(kind)]
    configured = getattr(settings, setting, "") or os.environ.get(setting, "")
    if configured:
        return Path(configured)
    if settings.KASSE_ENV == "demo":
        return Path(settings.DATA_DIR).parent / demo_folder
    return None


def _virtual_files(printer: Printer) -> tuple[Path, re.Pattern[str], str] | None:
    """The folder, file pattern and prefix of what the virtual printer at ``printer``'s address printed
    (only printers on this machine's loopback address have one)."""
    folder = virtual_printer_dir(printer.kind) if printer.is_loopback else None
    if folder is None:
        return None
    prefix = _VIRTUAL_OUTPUT[PrinterKind(printer.kind)][2]
    return folder, re.compile(rf"{prefix}-(\d{{4,}})\.txt"), prefix


VIRTUAL_SCAN = 200  # files looked at, newest first, to find the organization's own
MIN_PART = 16  # bytes: a shorter job part is not taken as evidence of anything


def _own_payloads(printer: Printer) -> list[bytes]:
    """The bytes this printer's organization sent to loopback printers of its kind (newest first).

    One virtual printer on this machine serves every organization's loopback printers (the demo),
    so what it printed is matched to a viewer's organization by the bytes that organization sent.
    """
    payloads = (
        PrintJob.objects.filter(
            organization_id=printer.organization_id,
            printer__kind=printer.kind,
            printer__host__in=("127.0.0.1", "localhost", "::1"),
        )
        .exclude(payload=b"")
        .order_by("-created_at")
        .values_list("payload", flat=True)[:VIRTUAL_SCAN]
    )
    return [bytes(p) for p in payloads]


def _is_own(raw: bytes, payloads: list[bytes]) -> bool:
    return any(payload in raw or (len(raw) >= MIN_PART and raw in payload) for payload in payloads)


def _own_numbers(printer: Printer, limit: int) -> list[int]:
    """Numbers of the newest files of the virtual printer that hold this organization's jobs."""
    found = _virtual_files(printer)
    if found is None or not found[0].is_dir():
        return []
    folder, pattern, prefix = found
    numbers = sorted((int(m.group(1)) for p in folder.iterdir() if (m := pattern.fullmatch(p.name))), reverse=True)[
        :VIRTUAL_SCAN
    ]
    payloads = _own_payloads(printer)
    own: list[int] = []
    for number in numbers:
        try:
            raw = (folder / f"{prefix}-{number:04d}.bin").read_bytes()
        except OSError:
            continue  # without the bytes it cannot be told whose it is: not shown
        if raw and _is_own(raw, payloads):
            own.append(number)
            if len(own) == limit:
                break
    return own


def virtual_jobs(printer: Printer, limit: int = 5) -> list[VirtualJob]:
    """The last jobs (receipts) or labels of ``printer``'s organization that the virtual printer at its
    address printed, newest first; other organizations' jobs on the same virtual printer are not shown."""
    found = _virtual_files(printer)
    if found is None:
        return []
    folder, _pattern, prefix = found
    jobs = []
    for number in _own_numbers(printer, limit):
        stem = folder / f"{prefix}-{number:04d}"
        try:
            text = stem.with_suffix(".txt").read_text(encoding="utf-8", errors="replace")[:20_000]
        except OSError:
            continue
        jobs.append(VirtualJob(number, text, stem.with_suffix(".png").is_file()))
    return jobs


def virtual_job_picture(printer: Printer, number: int) -> bytes | None:
    found = _virtual_files(printer)
    if found is None or number < 0:
        return None
    folder, _pattern, prefix = found
    try:
        raw = (folder / f"{prefix}-{number:04d}.bin").read_bytes()
        if not _is_own(raw, _own_payloads(printer)):
            return None
        return (folder / f"{prefix}-{number:04d}.png").read_bytes()
    except OSError:
        return None


# --- what a status looks like on screen -------------------------------------------------------------


@dataclass(frozen=True)
class StatusView:
    code: str  # ok | paper_near_end | paper_out | cover_open | offline | unreachable | error | unknown
    label: str
    level: str  # ok | warning | fault | unknown


def status_view(state: PrinterState | None) -> StatusView:
    """The one word (and colour level) the register and the back office show for a printer."""
    from django.utils.translation import gettext as _

    if state is None:
        return StatusView("unknown", _("status unknown"), "unknown")
    if not state.reachable:
        return StatusView("unreachable", _("not reachable"), "fault")
    if state.paper_out:
        return StatusView("paper_out", _("paper out"), "fault")
    if state.cover_open:
        return StatusView("cover_open", _("cover open"), "fault")
    if state.online is False:
        return StatusView("offline", _("offline"), "fault")
    if state.error:
        return StatusView("error", _("printer error"), "fault")
    if state.paper_near_end:
        return StatusView("paper_near_end", _("paper near end"), "warning")
    if state.online is None:
        return StatusView("unknown", _("no status answer"), "unknown")
    return StatusView("ok", _("ready"), "ok")


@dataclass(frozen=True)
class DrawerView:
    code: str  # open | closed | unknown
    label: str


def drawer_view(printer: Printer, state: PrinterState | None) -> DrawerView | None:
    """The cash drawer on a receipt printer that opens it (DLE EOT 1 as last reported); None when there is none."""
    from django.utils.translation import gettext as _

    if printer.kind != PrinterKind.RECEIPT or not printer.drawer_on_cash:
        return None
    if (
        state is None
        or not state.reachable
        or state.drawer_open is None
        or not is_fresh(state.checked_at, timezone.now())
    ):
        return DrawerView("unknown", _("drawer: unknown"))
    return DrawerView("open", _("drawer open")) if state.drawer_open else DrawerView("closed", _("drawer closed"))


def drawers_by_printer(printers: list[Printer]) -> dict[object, DrawerView | None]:
    states = {s.printer_id: s for s in PrinterState.objects.filter(printer__in=printers)}
    return {p.pk: drawer_view(p, states.get(p.pk)) for p in printers}


def states_by_printer(printers: list[Printer]) -> dict[object, StatusView]:
    states = {s.printer_id: s for s in PrinterState.objects.filter(printer__in=printers)}
    now = timezone.now()
    return {p.pk: status_view(s if (s := states.get(p.pk)) and is_fresh(s.checked_at, now) else None) for p in printers}
