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
from django_scopes import scopes_disabled

from kasse.demo import shop
from kasse.demo.devices import DemoDevices
from kasse.demo.seed import seed_demo
from kasse.demo.supervisor import Supervisor


class Command(BaseCommand):
    help = "Set up the demo shop (migrate, seed) and serve it on http://127.0.0.1:8000 until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        parser.add_argument("--no-serve", action="store_true",
                            help="only migrate, seed and print the logins, then exit")
        parser.add_argument("--node-port", type=int, default=8100,
                            help="port of the store node that serves the first store's registers (default 8100)")
        parser.add_argument("--printer-port", type=int, default=9100,
                            help="TCP port of the virtual receipt printer (default 9100)")
        parser.add_argument("--label-printer-port", type=int, default=9101,
                            help="TCP port of the virtual label printer (default 9101)")
        parser.add_argument("--scan", metavar="CODE",
                            help="do not start anything: send CODE to the running demo's virtual scanner and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.KASSE_ENV == "production":
            raise CommandError("kasse demo does not run with KASSE_ENV=production.")
        devices = DemoDevices(Path(settings.DATA_DIR).parent, printer_port=options["printer_port"],
                              label_printer_port=options["label_printer_port"])
        if options["scan"] is not None:
            self._scan(devices, options["scan"])
            return
        self.stdout.write(f"Database: {settings.DATABASES['default']['NAME']}")
        call_command("migrate", interactive=False, verbosity=0)
        with scopes_disabled():
            organization = shop.find_demo_organization()
        if organization is None:
            self.stdout.write("Seeding the demo shop (once; delete var/demo/ to start over) …")
            seed_demo(progress=lambda message: self.stdout.write(f"  {message}"))
        self._check_static_files()
        register = self._first_register()
        if register is not None:
            devices.ensure_rows(register.store, register)
        base = f"http://{options['host']}:{options['port']}"
        if options["host"] in {"0.0.0.0", "::"}:  # noqa: S104 - only to print a URL one can open
            base = f"http://127.0.0.1:{options['port']}"
        node_base = f"http://127.0.0.1:{options['node_port']}"
        banner = (self._banner(base, node_base) + self._pairing_lines(base, node_base)
                  + self._device_lines(devices, base, register))
        if options["no_serve"]:
            self.stdout.write(banner)
            return
        supervisor = Supervisor(log=lambda message: self.stderr.write(message))
        supervisor.add(
            "cloud",
            [sys.executable, "-m", "kasse.cli", "cloud", "--host", options["host"], "--port", str(options["port"])],
            ready_url=f"{base}/health",
        )
        # The devices come before the node: it opens the scanner's and the display's ptys on start.
        devices.clear_stale_links()
        devices.add_processes(supervisor)
        # The first store sells through a store node: its own process and database, paired with the
        # cloud on first start (an unused code is harmless: it expires in a day).
        supervisor.add(
            "store-node",
            [sys.executable, "-m", "kasse.cli", "store", "run", "--host", "127.0.0.1",
             "--port", str(options["node_port"]), "--poll", "10", "--pair", self._node_code(), "--cloud", base],
            env={"KASSE_DATA_DIR": str(Path(settings.DATA_DIR).parent / "store"), "KASSE_ROLE": "store",
                 "DATABASE_URL": f"sqlite:///{Path(settings.DATA_DIR).parent / 'store' / 'kasse.sqlite3'}"},
            ready_url=f"{node_base}/health",
        )
        code = supervisor.run(on_ready=lambda: self.stdout.write(banner + "\nPress Ctrl-C to stop.\n"))
        if code:
            raise CommandError(f"The demo stopped (exit code {code}).")

    def _first_register(self) -> Any:
        """The first store's first register: the store node serves it, the virtual devices are its own."""
        from kasse.tenancy.models import Register

        with scopes_disabled():
            return (Register.objects.filter(organization=shop.find_demo_organization(), is_active=True)
                    .select_related("store").order_by("store__number", "number").first())

    def _scan(self, devices: DemoDevices, code: str) -> None:
        from kasse.hardware.scanners.virtual_scanner import InboxUnavailable, send_to_inbox

        try:
            send_to_inbox(devices.scanner_inbox, code)
        except ValueError as exc:
            raise CommandError(f"Nothing sent: {exc}.") from exc
        except InboxUnavailable as exc:
            raise CommandError(f"The demo's virtual scanner is not running ({exc}). Start the demo first "
                               "(`make demo`) in this folder.") from exc
        self.stdout.write(f"Scanned {code.strip()} on the virtual scanner. It lands in the cart of the register "
                          "page that is open and unlocked on the store node.")

    def _device_lines(self, devices: DemoDevices, base: str, register: Any) -> str:
        """Where to see what each virtual device did, and how to scan."""
        if register is None:
            return ""
        sample = self._sample_code(register.organization_id)
        kasse = ".venv/bin/kasse" if Path(".venv/bin/kasse").exists() else "kasse"
        scan = (f"`{kasse} demo --scan {sample[0]}` puts {sample[1]} into its cart" if sample
                else f"`{kasse} demo --scan CODE` sends CODE to it")
        return "\n".join([
            f"  Virtual devices of {register.store.name}, driven by the store node (set up under",
            f"  {base}/devices/printers/ and {base}/devices/peripherals/):",
            f"    Receipt printer  127.0.0.1:{devices.printer_port} (ESC/POS): receipts, X and Z reports; "
            "what it printed:",
            f"                     back office → Printers, and {_shown(devices.printer_dir)}/",
            f"    Label printer    127.0.0.1:{devices.label_printer_port} (TSPL): shelf labels (back office → "
            "Printers → Print labels,",
            "                     or at the register: tap the printer symbol, scan, Print label); each label",
            f"                     drawn to {_shown(devices.label_printer_dir)}/",
            f"    Scanner          {_shown(devices.scanner_link)} (serial) → {register.name}; with the register page "
            "open and unlocked,",
            f"                     {scan}",
            f"    Pole display     {_shown(devices.display_link)} (serial) → {register.name}; shows the cart on this "
            "console",
            f"                     and in {_shown(devices.display_out)}",
            "",
        ])

    @staticmethod
    def _sample_code(organization_id: Any) -> tuple[str, str] | None:
        """A barcode of a plain product the cashier knows (the demo's first roll)."""
        from kasse.catalog.models import Barcode

        with scopes_disabled():
            codes = Barcode.objects.filter(organization_id=organization_id, variant__is_active=True,
                                           variant__product__is_active=True, variant__product__is_measured=False)
            found = (codes.filter(variant__product__name="Schrippe").first()
                     or codes.order_by("code").select_related("variant__product").first())
            return (found.code, found.variant.product.name) if found else None

    def _node_code(self) -> str:
        from kasse.core.actors import Actor
        from kasse.sync.services import create_node_pairing_code
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
            register = (Register.objects.filter(organization=organization, is_active=True)
                        .select_related("store").order_by("store__number", "number").first())
        if register is None:
            return ""
        actor = Actor.system("demo")
        register_code = create_pairing_code(actor=actor, register=register)
        display_code = create_pairing_code(actor=actor, register=register, for_display=True)
        minutes = int(PAIRING_CODE_TTL.total_seconds() // 60)
        return "\n".join([
            f"  Pair a browser as {register.store.name} · {register.name}, served by the store node",
            f"  (one-time links, {minutes} minutes; more under {base}/devices/):",
            f"    register          {node_base}/register/pair/?code={register_code}",
            f"    customer display  {node_base}/register/pair/?code={display_code}  (in a second browser/profile)",
            "",
        ])

    def _check_static_files(self) -> None:
        htmx = Path(settings.BASE_DIR) / "static" / "vendor" / "htmx.min.js"
        if not htmx.exists():
            self.stderr.write(self.style.WARNING(
                f"{htmx} is missing, so pages will not update in place. Run `make install` first."
            ))

    def _banner(self, base: str, node_base: str) -> str:
        owner = shop.OWNER
        lines = [
            "",
            self.style.SUCCESS(f"kasse demo: {shop.DEMO_ORGANIZATION_NAME}"),
            "",
            f"  Back office     {base}/login/",
            f"  Store node      {node_base}/register/  (registers of the first store; offline-capable,",
            f"                  syncs with the cloud; status under {base}/nodes/)",
            f"  Register        {base}/register/  (second store, selling directly through the cloud;",
            f"                  pair the browser first: back office → {base}/devices/)",
            f"  API docs        {base}/api/v1/docs",
            f"  Health          {base}/health",
            "",
            "  Back-office logins (password for all: " + self.style.WARNING(shop.DEMO_PASSWORD) + ")",
            f"    {owner.email:<34} {owner.name} (owner)",
        ]
        stores = {s["number"]: s["name"] for s in shop.STORES}
        lines += [f"    {p.email:<34} {p.name} (manager, {stores[p.store or 0]})" for p in shop.PEOPLE if p.email]
        lines += ["", "  Register PINs"]
        lines.append(f"    {owner.pin}  {owner.name} (owner, all stores)")
        for person in shop.PEOPLE:
            lines.append(f"    {person.pin}  {person.name} ({person.role}, {stores[person.store or 0]})")
        return "\n".join(lines) + "\n"


def _shown(path: Path) -> str:
    """``path`` relative to the current folder when it is inside it (shorter to read and to type)."""
    try:
        return os.path.relpath(path) if Path(path).resolve().is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)
