"""``kasse demo``: set up the demo (migrate, seed) and run it on this machine.

``kasse/cli.py`` sets ``KASSE_ENV=demo`` and ``KASSE_DATA_DIR=var/demo/cloud``
before settings load. The programs of the demo run as child processes of a
small supervisor (:mod:`kasse.demo.supervisor`): the cloud, the virtual devices
(:mod:`kasse.demo.devices`) and a store node for the first store, which drives
those devices. ``kasse demo --scan CODE`` hands a code to the running demo's
virtual scanner.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from kasse.demo import shop
from kasse.demo.devices import CARD_TERMINAL_PASSWORD, DemoDevices
from kasse.demo.seed import seed_demo
from kasse.demo.supervisor import Supervisor


class Command(BaseCommand):
    help = "Set up the demo shop (migrate, seed) and serve it on http://127.0.0.1:8000 until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        parser.add_argument(
            "--no-serve", action="store_true", help="only migrate, seed and print the logins, then exit"
        )
        parser.add_argument(
            "--node-port",
            type=int,
            default=8100,
            help="port of the store node that serves the first store's registers (default 8100)",
        )
        parser.add_argument(
            "--printer-port", type=int, default=9100, help="TCP port of the virtual receipt printer (default 9100)"
        )
        parser.add_argument(
            "--label-printer-port", type=int, default=9101, help="TCP port of the virtual label printer (default 9101)"
        )
        parser.add_argument(
            "--scan",
            metavar="CODE",
            help="do not start anything: send CODE to the running demo's virtual scanner and exit",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # What the demo prints is in the installation's language (KASSE_LANGUAGE), like its pages.
        with translation.override(settings.LANGUAGE_CODE):
            self._handle(**options)

    def _handle(self, **options: Any) -> None:
        if settings.KASSE_ENV == "production":
            raise CommandError(_("kasse demo does not run with KASSE_ENV=production."))
        devices = DemoDevices(
            Path(settings.DATA_DIR).parent,
            printer_port=options["printer_port"],
            label_printer_port=options["label_printer_port"],
        )
        if options["scan"] is not None:
            self._scan(devices, options["scan"])
            return
        self.stdout.write(_("Database: %(name)s") % {"name": settings.DATABASES["default"]["NAME"]})
        call_command("migrate", interactive=False, verbosity=0)
        with scopes_disabled():
            organization = shop.find_demo_organization()
        if organization is None:
            self.stdout.write(_("Seeding the demo shop (once; delete var/demo/ to start over) …"))
            seed_demo(progress=lambda message: self.stdout.write(f"  {message}"))
        self._check_static_files()
        register = self._first_register()
        if register is not None:
            devices.ensure_rows(register.store, register)
        base = f"http://{options['host']}:{options['port']}"
        if options["host"] in {"0.0.0.0", "::"}:  # noqa: S104 - only to print a URL one can open
            base = f"http://127.0.0.1:{options['port']}"
        node_base = f"http://127.0.0.1:{options['node_port']}"
        banner = (
            self._banner(base, node_base)
            + self._pairing_lines(base, node_base)
            + self._device_lines(devices, base, register)
        )
        if options["no_serve"]:
            self.stdout.write(banner)
            return
        supervisor = Supervisor(log=lambda message: self.stderr.write(message))
        supervisor.add(
            "cloud",
            [sys.executable, "-m", "kasse.cli", "cloud", "--host", options["host"], "--port", str(options["port"])],
            ready_url=f"{base}/health",
        )
        # Background tasks (sales exports): django-tasks' database worker, as in production.
        supervisor.add("task-worker", [sys.executable, "-m", "kasse.cli", "worker"])
        # The devices come before the node: it opens the scanner's and the display's ptys on start.
        devices.clear_stale_links()
        devices.add_processes(supervisor)
        # The first store sells through a store node: its own process and database, paired with the
        # cloud on first start (an unused code is harmless: it expires in a day).
        supervisor.add(
            "store-node",
            [
                sys.executable,
                "-m",
                "kasse.cli",
                "store",
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(options["node_port"]),
                "--poll",
                "10",
                "--pair",
                self._node_code(),
                "--cloud",
                base,
            ],
            env={
                "KASSE_DATA_DIR": str(Path(settings.DATA_DIR).parent / "store"),
                "KASSE_ROLE": "store",
                "DATABASE_URL": f"sqlite:///{Path(settings.DATA_DIR).parent / 'store' / 'kasse.sqlite3'}",
            },
            ready_url=f"{node_base}/health",
        )
        stop = _("Press Ctrl-C to stop.")
        code = supervisor.run(on_ready=lambda: self.stdout.write(f"{banner}\n{stop}\n"))
        if code:
            raise CommandError(_("The demo stopped (exit code %(code)s).") % {"code": code})

    def _first_register(self) -> Any:
        """The first store's first register: the store node serves it, the virtual devices are its own."""
        from kasse.tenancy.models import Register

        with scopes_disabled():
            return (
                Register.objects.filter(organization=shop.find_demo_organization(), is_active=True)
                .select_related("store")
                .order_by("store__number", "number")
                .first()
            )

    def _scan(self, devices: DemoDevices, code: str) -> None:
        from kasse.hardware.scanners.virtual_scanner import InboxUnavailable, send_to_inbox

        try:
            send_to_inbox(devices.scanner_inbox, code)
        except ValueError as exc:
            raise CommandError(_("Nothing sent: %(reason)s.") % {"reason": exc}) from exc
        except InboxUnavailable as exc:
            raise CommandError(
                _(
                    "The demo's virtual scanner is not running (%(reason)s). Start the demo first "
                    "(`make demo`) in this folder."
                )
                % {"reason": exc}
            ) from exc
        self.stdout.write(
            _(
                "Scanned %(code)s on the virtual scanner. It lands in the cart of the register page "
                "that is open and unlocked on the store node."
            )
            % {"code": code.strip()}
        )

    def _device_lines(self, devices: DemoDevices, base: str, register: Any) -> str:
        """Where to see what each virtual device did, and how to scan."""
        if register is None:
            return ""
        sample = self._sample_code(register.organization_id)
        kasse = ".venv/bin/kasse" if Path(".venv/bin/kasse").exists() else "kasse"
        scan = (
            _("`%(command)s` puts %(product)s into its cart")
            % {"command": f"{kasse} demo --scan {sample[0]}", "product": sample[1]}
            if sample
            else _("`%(command)s` sends CODE to it") % {"command": f"{kasse} demo --scan CODE"}
        )
        values = {
            "store": register.store.name,
            "register": register.name,
            "printers": f"{base}/devices/printers/",
            "peripherals": f"{base}/devices/peripherals/",
            "folder": "",
        }
        return "\n".join(
            [
                "  " + _("Virtual devices of %(store)s, driven by the store node (set up under") % values,
                "  " + _("%(printers)s and %(peripherals)s):") % values,
                _row(
                    _("Receipt printer"),
                    f"127.0.0.1:{devices.printer_port} (ESC/POS): " + _("receipts, X and Z reports; what it printed:"),
                ),
                _row("", _("back office → Printers, and %(folder)s") % {"folder": f"{_shown(devices.printer_dir)}/"}),
                _row(
                    _("Label printer"),
                    f"127.0.0.1:{devices.label_printer_port} (TSPL): "
                    + _("shelf labels (back office → Printers → Print labels,"),
                ),
                _row("", _("or at the register: tap the printer symbol, scan, Print label); each label")),
                _row("", _("drawn to %(folder)s") % {"folder": f"{_shown(devices.label_printer_dir)}/"}),
                _row(
                    _("Scanner"),
                    _("%(device)s (serial) → %(register)s; with the register page open and unlocked,")
                    % {**values, "device": _shown(devices.scanner_link)},
                ),
                _row("", scan),
                _row(
                    _("Pole display"),
                    _("%(device)s (serial) → %(register)s; shows the cart on this console")
                    % {**values, "device": _shown(devices.display_link)},
                ),
                _row("", _("and in %(file)s") % {"file": _shown(devices.display_out)}),
                _row(
                    _("Card terminal"),
                    _("%(address)s (ZVT, password %(password)s) → %(register)s; tap Card at the pay step:")
                    % {
                        **values,
                        "address": f"127.0.0.1:{devices.card_terminal_port}",
                        "password": CARD_TERMINAL_PASSWORD,
                    },
                ),
                _row("", _("the virtual terminal asks for the card and the PIN and approves")),
                _row(
                    "Bluecode",
                    f"127.0.0.1:{devices.bluecode_port}: "
                    + _("QR payments; scan 98802222100100123456 (paid) or 98804444000000402007 (declined)"),
                ),
                _row(
                    "", _("at the pay step: `%(command)s`") % {"command": f"{kasse} demo --scan 98802222100100123456"}
                ),
                "",
            ]
        )

    @staticmethod
    def _sample_code(organization_id: Any) -> tuple[str, str] | None:
        """A barcode of a plain product the cashier knows (the demo's first roll)."""
        from kasse.catalog.models import Barcode

        with scopes_disabled():
            codes = Barcode.objects.filter(
                organization_id=organization_id,
                variant__is_active=True,
                variant__product__is_active=True,
                variant__product__is_measured=False,
            )
            found = (
                codes.filter(variant__product__name="Schrippe").first()
                or codes.order_by("code").select_related("variant__product").first()
            )
            return (found.code, found.variant.product.name) if found else None

    def _node_code(self) -> str:
        from kasse.core.actors import Actor
        from kasse.sync.cloud.services import create_node_pairing_code
        from kasse.tenancy.models import Store

        with scopes_disabled():
            store = Store.objects.filter(organization=shop.find_demo_organization()).order_by("number").first()
        assert store is not None  # seeded above
        return create_node_pairing_code(actor=Actor.system("demo"), store=store)

    def _pairing_lines(self, base: str, node_base: str) -> str:
        """Fresh one-time pairing links for the first register (on the store node) and its display."""
        from kasse.core.actors import Actor
        from kasse.register.services.pairing import PAIRING_CODE_TTL, create_pairing_code
        from kasse.tenancy.models import Register

        with scopes_disabled():
            organization = shop.find_demo_organization()
            register = (
                Register.objects.filter(organization=organization, is_active=True)
                .select_related("store")
                .order_by("store__number", "number")
                .first()
            )
        if register is None:
            return ""
        actor = Actor.system("demo")
        register_code = create_pairing_code(actor=actor, register=register)
        display_code = create_pairing_code(actor=actor, register=register, for_display=True)
        minutes = int(PAIRING_CODE_TTL.total_seconds() // 60)
        values = {
            "store": register.store.name,
            "register": register.name,
            "minutes": minutes,
            "devices": f"{base}/devices/",
        }
        as_register, as_display = _("register"), _("customer display")
        return "\n".join(
            [
                "",
                "  " + _("Pair a browser as %(store)s · %(register)s, served by the store node") % values,
                "  " + _("(one-time links, %(minutes)s minutes; more under %(devices)s):") % values,
                f"    {as_register:<18}{node_base}/register/pair/?code={register_code}",
                f"    {as_display:<18}{node_base}/register/pair/?code={display_code}  "
                + _("(in a second browser/profile)"),
                "",
            ]
        )

    def _check_static_files(self) -> None:
        htmx = Path(settings.BASE_DIR) / "static" / "vendor" / "htmx.min.js"
        if not htmx.exists():
            self.stderr.write(
                self.style.WARNING(
                    _("%(file)s is missing, so pages will not update in place. Run `make install` first.")
                    % {"file": htmx}
                )
            )

    def _banner(self, base: str, node_base: str) -> str:
        from kasse.tenancy.permissions import Role

        owner = shop.OWNER
        stores = {s["number"]: s["name"] for s in shop.STORES}
        all_stores = _("all stores")
        lines = [
            "",
            self.style.SUCCESS(f"kasse demo: {shop.DEMO_ORGANIZATION_NAME}"),
            "",
            _row(_("Back office"), f"{base}/login/", indent=2),
            _row(
                _("Store node"),
                f"{node_base}/register/  " + _("(registers of the first store; offline-capable,"),
                indent=2,
            ),
            _row("", _("syncs with the cloud; status under %(url)s)") % {"url": f"{base}/nodes/"}, indent=2),
            _row(
                _("Register"), f"{base}/register/  " + _("(second store, selling directly through the cloud;"), indent=2
            ),
            _row("", _("pair the browser first: back office → %(url)s)") % {"url": f"{base}/devices/"}, indent=2),
            _row(_("API docs"), f"{base}/api/v1/docs", indent=2),
            _row(_("Health"), f"{base}/health", indent=2),
            "",
            "  "
            + _("Back-office logins (password for all: %(password)s)")
            % {"password": self.style.WARNING(shop.DEMO_PASSWORD)},
            f"    {owner.email:<34} {owner.name} ({Role(owner.role).label})",
        ]
        lines += [
            f"    {p.email:<34} {p.name} ({Role(p.role).label}, {stores[p.store or 0]})" for p in shop.PEOPLE if p.email
        ]
        lines += ["", "  " + _("Register PINs")]
        lines.append(f"    {owner.pin}  {owner.name} ({Role(owner.role).label}, {all_stores})")
        for person in shop.PEOPLE:
            lines.append(f"    {person.pin}  {person.name} ({Role(person.role).label}, {stores[person.store or 0]})")
        return "\n".join(lines) + "\n"


def _shown(path: Path) -> str:
    """``path`` relative to the current folder when it is inside it (shorter to read and to type)."""
    try:
        return os.path.relpath(path) if Path(path).resolve().is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


def _row(label: str, text: str, *, indent: int = 4) -> str:
    """One line of the summary: a label column (as wide as the longest label in either language), then text."""
    width = 17 if indent == 4 else 16
    return f"{' ' * indent}{label:<{width}}{text}"
