"""The demo's virtual devices: where they live, the processes that play them, the rows that use them.

``kasse demo`` runs six virtual devices as child processes on this machine and makes them the
first store's devices, so the store node drives them exactly as it would drive real ones:

- the receipt printer, ESC/POS over TCP (``127.0.0.1:9100``), jobs decoded to ``virtual-printer/``;
- the label printer, TSPL over TCP (``127.0.0.1:9101``), labels drawn to ``virtual-label-printer/``;
- a serial scanner on a pty bound to the first register; its pty is always reachable through the
  link ``devices/scanner.tty``, and every line written to the named pipe ``devices/scanner.in``
  (``kasse demo --scan CODE``) is scanned;
- a ZVT card terminal on TCP (``127.0.0.1:20007``, password 000000), the first register's terminal;
- a local server that answers like Bluecode's merchant API (``127.0.0.1:8470``), the organization's
  QR payment account (kasse/payments/qr/bluecode_server.py: its documented "magic" codes);
- a pole display on a pty bound to the first register (link ``devices/pole-display.tty``); what it
  shows is printed on the demo's console and kept in ``devices/pole-display.txt``.

A pty's device name is only known once the device process has opened it and changes with every
start, so the rows name the links, never ``/dev/pts/N``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.demo.supervisor import Supervisor
from kasse.tenancy.models import Register, Store

SCANNER_NAME = "Handscanner (virtuell)"
DISPLAY_NAME = "Kundenanzeige (virtuell)"
RECEIPT_PRINTER_NAME = "Bondrucker (virtuell)"
LABEL_PRINTER_NAME = "Etikettendrucker (virtuell)"
CARD_TERMINAL_NAME = "Kartenterminal (virtuell)"
CARD_TERMINAL_PASSWORD = "000000"  # noqa: S105 - the virtual terminal's factory setting


@dataclass(frozen=True)
class DemoDevices:
    """The virtual devices of a demo whose data lives under ``root`` (``var/demo``)."""

    root: Path
    printer_port: int = 9100
    label_printer_port: int = 9101
    card_terminal_port: int = 20007
    bluecode_port: int = 8470  # the local server that answers like Bluecode (QR payments)

    @property
    def printer_dir(self) -> Path:
        return self.root / "virtual-printer"

    @property
    def label_printer_dir(self) -> Path:
        return self.root / "virtual-label-printer"

    @property
    def devices_dir(self) -> Path:
        return self.root / "devices"

    @property
    def scanner_link(self) -> Path:
        return self.devices_dir / "scanner.tty"

    @property
    def scanner_inbox(self) -> Path:
        return self.devices_dir / "scanner.in"

    @property
    def display_link(self) -> Path:
        return self.devices_dir / "pole-display.tty"

    @property
    def display_out(self) -> Path:
        return self.devices_dir / "pole-display.txt"

    def clear_stale_links(self) -> None:
        """Remove pty links a killed run left behind: the pty numbers they name may now belong to a
        terminal, which the store node must never open. The device processes make new ones."""
        for link in (self.scanner_link, self.display_link):
            if link.is_symlink():
                link.unlink()

    def add_processes(self, supervisor: Supervisor, *, quiet_display: bool = False) -> None:
        """The six virtual devices as children of ``supervisor`` (add them before the store node:
        the supervisor starts the node only once the ptys' links exist)."""
        python = sys.executable
        supervisor.add(
            "virtual-printer",
            [
                python,
                "-m",
                "kasse.hardware.virtual.network_printer",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.printer_port),
                "--out",
                str(self.printer_dir),
            ],
        )
        supervisor.add(
            "virtual-label-printer",
            [
                python,
                "-m",
                "kasse.hardware.virtual.label_printer",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.label_printer_port),
                "--out",
                str(self.label_printer_dir),
            ],
        )
        supervisor.add(
            "virtual-card-terminal",
            [
                python,
                "-m",
                "kasse.hardware.virtual.zvt_terminal",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.card_terminal_port),
                "--password",
                CARD_TERMINAL_PASSWORD,
            ],
        )
        supervisor.add(
            "virtual-bluecode",
            [
                python,
                "-m",
                "kasse.payments.qr.bluecode_server",
                "--port",
                str(self.bluecode_port),
                "--processing",
                "3",
            ],
            ready_url=f"http://127.0.0.1:{self.bluecode_port}/health",
        )
        supervisor.add(
            "virtual-scanner",
            [
                python,
                "-m",
                "kasse.hardware.scanners.virtual_scanner",
                "--link",
                str(self.scanner_link),
                "--inbox",
                str(self.scanner_inbox),
            ],
            ready_path=str(self.scanner_link),
        )
        supervisor.add(
            "virtual-pole-display",
            [
                python,
                "-m",
                "kasse.hardware.displays.virtual_pole_display",
                "--link",
                str(self.display_link),
                "--out",
                str(self.display_out),
                *(["--quiet"] if quiet_display else []),
            ],
            ready_path=str(self.display_link),
        )

    def ensure_rows(self, store: Store, register: Register) -> list[str]:
        """Make the virtual devices ``store``'s devices (scanner and display bound to ``register``).

        Idempotent: a kind of device the store already has is left alone (the owner may have
        changed it), except that a demo scanner or display whose link moved (the project folder
        was moved) is pointed at the new one. Returns the names of the devices it created.
        """
        from kasse.peripherals.models import PoleDisplay, Scanner, ScannerConnection
        from kasse.peripherals.services import save_pole_display, save_scanner
        from kasse.printing.models import Printer, PrinterKind
        from kasse.printing.services import save_printer

        actor = Actor.system("demo")
        created: list[str] = []
        with scopes_disabled():
            printers = set(Printer.objects.filter(store=store).values_list("kind", flat=True))
            scanners = list(Scanner.objects.filter(store=store))
            displays = list(PoleDisplay.objects.filter(store=store))
            registers = list(Register.objects.filter(store=store))
        if PrinterKind.RECEIPT not in printers:
            save_printer(
                actor=actor,
                store=store,
                registers=registers,
                data={
                    "name": RECEIPT_PRINTER_NAME,
                    "kind": PrinterKind.RECEIPT,
                    "connection": "tcp",
                    "host": "127.0.0.1",
                    "port": self.printer_port,
                    "profile": "epson-tm-t20",
                },
            )
            created.append(RECEIPT_PRINTER_NAME)
        if PrinterKind.LABEL not in printers:
            save_printer(
                actor=actor,
                store=store,
                data={
                    "name": LABEL_PRINTER_NAME,
                    "kind": PrinterKind.LABEL,
                    "connection": "tcp",
                    "host": "127.0.0.1",
                    "port": self.label_printer_port,
                    "label_language": "tspl",
                },
            )
            created.append(LABEL_PRINTER_NAME)
        scanner_path, display_path = str(self.scanner_link), str(self.display_link)
        if not scanners:
            save_scanner(
                actor=actor,
                store=store,
                data={
                    "name": SCANNER_NAME,
                    "register": register,
                    "connection": ScannerConnection.SERIAL,
                    "serial_device": scanner_path,
                    "baud_rate": 9600,
                },
            )
            created.append(SCANNER_NAME)
        for scanner in scanners:
            if _moved(scanner.serial_device, self.scanner_link):
                save_scanner(
                    actor=actor,
                    store=store,
                    scanner=scanner,
                    data={"register": scanner.register, "serial_device": scanner_path},
                )
        if not displays:
            save_pole_display(
                actor=actor,
                store=store,
                data={"name": DISPLAY_NAME, "register": register, "serial_device": display_path, "baud_rate": 9600},
            )
            created.append(DISPLAY_NAME)
        from kasse.payments.models import CardTerminal
        from kasse.payments.services import save_card_terminal

        with scopes_disabled():
            has_terminal = CardTerminal.objects.filter(store=store).exists()
        if not has_terminal:
            save_card_terminal(
                actor=actor,
                store=store,
                data={
                    "name": CARD_TERMINAL_NAME,
                    "register": register,
                    "connection": "tcp",
                    "host": "127.0.0.1",
                    "port": self.card_terminal_port,
                    "password": CARD_TERMINAL_PASSWORD,
                },
            )
            created.append(CARD_TERMINAL_NAME)
        created += self._ensure_bluecode(store, actor)
        for display in displays:
            if _moved(display.serial_device, self.display_link):
                save_pole_display(
                    actor=actor,
                    store=store,
                    display=display,
                    data={"register": display.register, "serial_device": display_path},
                )
        return created

    def _ensure_bluecode(self, store: Store, actor: Actor) -> list[str]:
        """The organization's Bluecode account, pointing at the demo's local Bluecode server."""
        from kasse.payments.qr.models import QrAccount
        from kasse.payments.qr.services import save_qr_account

        with scopes_disabled():
            if QrAccount.objects.filter(organization_id=store.organization_id).exists():
                return []
            save_qr_account(
                actor=actor,
                organization=store.organization,
                data={
                    "provider": "bluecode",
                    "api_url": f"http://127.0.0.1:{self.bluecode_port}/v4",
                    "username": "demo",
                    "branch_ext_id": "demo-branch",
                },
                secret="demo",  # noqa: S106 - the local Bluecode server's demo credentials
            )
        return ["Bluecode (virtuell)"]


def _moved(configured: str, link: Path) -> bool:
    """``configured`` is a demo link of the same name in another folder (``…/devices/scanner.tty``)."""
    path = Path(configured)
    return configured != str(link) and path.name == link.name and path.parent.name == link.parent.name
