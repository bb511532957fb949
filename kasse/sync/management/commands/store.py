"""``kasse store``: the store node role.

* ``kasse store pair CODE --cloud URL [--name NAME]``: pair with the cloud and download the replica;
* ``kasse store run [--host H] [--port P]``: serve the registers on the LAN and sync with the cloud;
* ``kasse store status``: online, last push and pull, records waiting (and the oldest one's age), records
  set aside, the last error and since when, as JSON; exits with 1 when sync needs a person (an error,
  set-aside records or feed events, records waiting longer than ``KASSE_SYNC_ALERT_MINUTES``, revoked,
  not paired).
* ``kasse store devices``: the USB devices and serial ports of this machine (where USB and serial printers are
  plugged in), with the ids the back office's printer form asks for.
* ``kasse store restored``: after restoring the data directory from a backup: no receipt number is handed
  out until the cloud said which numbers it already holds (``kasse store run`` asks it first thing).

``kasse/cli.py`` sets ``KASSE_ROLE=store`` (and ``KASSE_DATA_DIR=./var/store``) before settings load.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kasse.core.management.commands.cloud import LOG_LEVELS, uvicorn_options


def _as_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        return math.nan
    return seconds if math.isfinite(seconds) else math.nan


def positive_seconds(value: str) -> float:
    """``--poll``, ``--retry``: a wait of more than nothing (0 or less would make the loop spin)."""
    seconds = _as_seconds(value)
    if not seconds > 0:  # also NaN
        message = _("%(value)s is not a number of seconds greater than zero.")
        raise argparse.ArgumentTypeError(message % {"value": value})
    return seconds


def seconds_or_off(value: str) -> float:
    """``--watch-outbox``: 0 switches it off."""
    seconds = _as_seconds(value)
    if not seconds >= 0:
        raise argparse.ArgumentTypeError(_("%(value)s is not a number of seconds (0 or more).") % {"value": value})
    return seconds


class Command(BaseCommand):
    help = "Run kasse as a store node: pair, run, status."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        pair = sub.add_parser("pair", help="pair this node with the cloud using a code from the back office")
        pair.add_argument("code")
        pair.add_argument("--cloud", required=True, help="the cloud's URL, e.g. https://kasse.example.com")
        pair.add_argument("--name", default="", help="a name for this node (default: the store's name)")
        run = sub.add_parser("run", help="serve the registers and sync with the cloud")
        run.add_argument(
            "--host",
            default="0.0.0.0",  # noqa: S104 - registers on the LAN reach the node
            help="address to listen on (default 0.0.0.0: the shop's LAN)",
        )
        run.add_argument("--port", type=int, default=8100, help="port (default 8100)")
        run.add_argument(
            "--lan-url",
            default="",
            metavar="URL",
            help="the address registers in the shop open, e.g. http://192.168.1.10:8100 (default: "
            "the listening address, or the first private address of this machine)",
        )
        run.add_argument("--poll", type=positive_seconds, default=10.0, help="seconds between pulls without a nudge")
        run.add_argument(
            "--retry",
            type=positive_seconds,
            default=2.0,
            metavar="SECONDS",
            help="the longest wait after a failed round, doubling with each failure in a row up to 60 s (default 2)",
        )
        run.add_argument(
            "--watch-outbox",
            type=seconds_or_off,
            default=0.0,
            metavar="SECONDS",
            help="also push within SECONDS when another process writes sales (0: off; sales made "
            "through this node's registers are pushed at once anyway)",
        )
        run.add_argument("--log-level", default="info", choices=LOG_LEVELS)
        run.add_argument(
            "--pair",
            default="",
            metavar="CODE",
            help="pair first with this code if the node is not paired yet (waits for the cloud)",
        )
        run.add_argument("--cloud", default="", help="the cloud's URL, with --pair")
        sub.add_parser("status", help="print the sync status as JSON; exit 1 when sync is stopped")
        sub.add_parser("devices", help="list this machine's USB devices and serial ports (for adding printers)")
        sub.add_parser(
            "restored",
            help="after restoring a backup: sell only after the cloud said which receipt numbers it already holds",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.KASSE_ROLE != "store":
            raise CommandError("kasse store runs with KASSE_ROLE=store (the kasse command sets it).")
        call_command("migrate", interactive=False, verbosity=0)
        action = options["action"]
        if action == "pair":
            self._pair(options)
        elif action == "run":
            self._run(options)
        elif action == "devices":
            from kasse.printing.discovery import local_devices_text

            self.stdout.write(local_devices_text())
        elif action == "restored":
            from kasse.sync.node.catch_up import mark_restored

            if not mark_restored():
                raise CommandError("This node is not paired: nothing to do.")
            self.stdout.write(
                "The registers sell again as soon as the cloud said where their receipt and Z "
                "numbers stand (kasse store run asks it when it starts)."
            )
        else:
            from kasse.sync.node.steps import STOPPING_PROBLEMS, status

            current = status()
            self.stdout.write(json.dumps(current, indent=2))
            if not current.get("paired") or set(current.get("problems", ())) & STOPPING_PROBLEMS:
                raise SystemExit(1)

    def _pair(self, options: dict[str, Any]) -> None:
        from kasse.sync.node.client import CloudRefused, CloudUnreachable
        from kasse.sync.node.steps import AlreadyPaired, pair

        try:
            state = pair(options["cloud"], options["code"], options["name"])
        except (AlreadyPaired, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        except CloudRefused as exc:
            raise CommandError(f"The cloud refused: {exc.detail or exc.code}") from exc
        except CloudUnreachable as exc:
            raise CommandError(f"The cloud at {options['cloud']} is unreachable: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Paired as node {state.pk} of store {state.store_id}; "
                f"replica downloaded (feed position {state.cursor})."
            )
        )

    def _pair_when_cloud_is_up(self, options: dict[str, Any], timeout: float = 120.0) -> Any:
        import time

        from kasse.sync.node.client import CloudRefused, CloudUnreachable
        from kasse.sync.node.steps import pair

        if not options["cloud"]:
            raise CommandError("--pair needs --cloud URL")
        deadline = time.monotonic() + timeout
        while True:
            try:
                return pair(options["cloud"], options["pair"])
            except CloudRefused as exc:
                raise CommandError(f"The cloud refused: {exc.detail or exc.code}") from exc
            except CloudUnreachable as exc:
                if time.monotonic() > deadline:
                    raise CommandError(f"The cloud at {options['cloud']} is unreachable: {exc}") from exc
                time.sleep(0.5)

    def _run(self, options: dict[str, Any]) -> None:
        import uvicorn

        from kasse.sync.node.runner import SyncRunner
        from kasse.sync.node.status_feed import publish_node_status
        from kasse.sync.node.steps import state

        node = state()
        if node is None and options["pair"]:
            node = self._pair_when_cloud_is_up(options)
        if node is None:
            raise CommandError("This node is not paired yet: kasse store pair CODE --cloud URL")
        from kasse.sync.engine.lan_address import advertised_url, guess_lan_url, set_advertised_url

        set_advertised_url(options["lan_url"] or guess_lan_url(options["host"], options["port"]))
        _load_application()
        runner = SyncRunner(
            node,
            poll_seconds=options["poll"],
            first_backoff=options["retry"],
            on_change=publish_node_status,
            watch_outbox=options["watch_outbox"],
        )
        runner.start()
        try:  # TSE transactions a crash left open (docs/fiscal.md); never keeps the node from selling
            call_command("tse_recover", stdout=self.stdout)
        except Exception as exc:
            self.stderr.write(f"Open TSE transactions were not recovered: {exc}")
        tse_sweep = _tse_sweep().start()  # and again every few minutes, as the cloud's task worker does
        from kasse.printing.worker import PrintWorkerPool

        printers = PrintWorkerPool(store_ids=[node.store_id]).start()  # one worker per printer of the store
        from kasse.peripherals.runner import PeripheralRunner

        peripherals = PeripheralRunner(store_ids=[node.store_id]).start()  # scanners and pole displays
        from kasse.payments.runner import CardTerminalPool

        terminals = CardTerminalPool(store_ids=[node.store_id]).start()  # one worker per card terminal
        from kasse.payments.qr.runner import QrPaymentRunner

        qr_payments = QrPaymentRunner(store_ids=[node.store_id]).start()  # QR payments to their provider
        self.stdout.write(
            f"Registers pair and sell at {advertised_url() or '(address unknown: use --lan-url)'}/register/pair/"
        )
        self.stdout.write(
            f"Store node for store {node.store_id}, syncing with {node.cloud_url}; "
            f"{len(printers.workers)} printer(s), {len(peripherals.scanners)} scanner(s), "
            f"{len(peripherals.displays)} pole display(s), {len(terminals.workers)} card terminal(s)"
        )
        try:
            uvicorn.run(**uvicorn_options({**options, "workers": 1, "forwarded_allow_ips": "127.0.0.1"}))
        finally:
            qr_payments.stop()
            terminals.stop()
            peripherals.stop()
            printers.stop()
            tse_sweep.stop()
            runner.stop()


def _tse_sweep() -> Any:
    """A thread that settles the TSE transactions left open every ``KASSE_TSE_SWEEP_MINUTES`` (the node has
    no task worker; in the cloud ``kasse.register.tasks.settle_open_tse_transactions`` does it): ``kasse
    tse_recover --sweep``, called by name (the command lives with the register; docs/fiscal.md)."""
    import io
    import time

    from kasse.core.supervisor import Supervisor

    seconds = 60 * float(getattr(settings, "KASSE_TSE_SWEEP_MINUTES", 5))
    started = time.monotonic()

    def step() -> float:
        if time.monotonic() - started >= seconds:  # the first run one interval after the start's recovery
            call_command("tse_recover", "--sweep", stdout=io.StringIO())
        return max(seconds, 1.0)

    return Supervisor("kasse-tse-sweep", step, idle_seconds=0.0, database=True)


def _load_application() -> None:
    """Import the ASGI application and every view (the URL configuration) before the sync loop starts, as a
    server preloads its application: the registers' first request does not wait for it, and a backlog the
    node replays at start does not share the CPU with these imports (``docs/benchmarks.md``, "Sync")."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils.module_loading import import_string

    import_string(settings.ASGI_APPLICATION)  # the application uvicorn serves, loaded now

    get_resolver().url_patterns  # noqa: B018 - reading it imports every view module
    from kasse.core.preload import preload

    preload()  # and every app's tasks (kasse/core/preload.py)
