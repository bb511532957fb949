"""kasse demo, kasse cloud and the demo's process supervisor."""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from kasse.catalog.models import Barcode
from kasse.demo import shop
from kasse.demo.supervisor import Supervisor
from kasse.peripherals.models import PoleDisplay, Scanner
from kasse.printing.models import Printer, RegisterPrinter
from kasse.tenancy.models import Organization, Register
from kasse.testing.template_db import copy_sqlite_template

PROJECT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_demo_no_serve_seeds_a_new_data_dir_and_prints_the_logins(tmp_path):
    # The data directory's database starts as the migrated template (the same `kasse migrate` built it, in a
    # child process of its own: kasse/testing/template_db.py), so this run migrates nothing and only seeds. The
    # child's settings are the installation's with the tests' cheap password and PIN hashes (nothing here logs
    # in; kasse/testing/child_settings.py).
    database = tmp_path / "var" / "demo" / "cloud" / "kasse.sqlite3"
    copy_sqlite_template(database)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "KASSE_DATA_DIR", "KASSE_ENV", "DJANGO_SETTINGS_MODULE"}
    }

    result = subprocess.run(
        [sys.executable, "-m", "kasse.cli", "demo", "--no-serve", "--port", "8123"],
        cwd=tmp_path,
        env={
            **env,
            "PYTHONPATH": str(PROJECT),
            "KASSE_LANGUAGE": "en",
            "DJANGO_SETTINGS_MODULE": "kasse.testing.child_settings",
        },
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"Database: {database}" in out
    assert "Seeding the demo shop" in out
    for expected in (
        "http://127.0.0.1:8123/login/",
        "http://127.0.0.1:8123/api/v1/docs",
        "http://127.0.0.1:8123/health",
        shop.OWNER_EMAIL,
        shop.DEMO_PASSWORD,
        "5678  Marie Klein (Cashier, Potsdam Innenstadt)",
    ):
        assert expected in out


def _up_to_schrippe() -> int:
    """How many of the demo catalog's products come up to Schrippe (the one the summary tells to scan)."""
    from kasse.demo.catalog import demo_catalog

    return 1 + next(i for i, spec in enumerate(demo_catalog()) if spec.name == "Schrippe")


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_no_serve_seeds_only_once_and_speaks_the_installations_language(settings, tmp_path, monkeypatch):
    settings.DATA_DIR = str(tmp_path / "cloud")
    settings.LANGUAGE_CODE = "de"
    # The command seeds the demo shop's stores, people and registers, but only the products up to Schrippe and no
    # customers (the whole shop is seeded by the test above and looked at in test_seed.py: seconds of CPU each).
    from kasse.demo.management.commands import demo as command
    from kasse.demo.seed import seed_demo

    monkeypatch.setattr(
        command, "seed_demo", functools.partial(seed_demo, products=_up_to_schrippe(), customers_count=0)
    )
    first, second = StringIO(), StringIO()

    call_command("demo", "--no-serve", stdout=first, stderr=StringIO())
    call_command("demo", "--no-serve", stdout=second, stderr=StringIO())

    assert "Der Demo-Laden wird angelegt" in first.getvalue()
    assert "Der Demo-Laden wird angelegt" not in second.getvalue()
    text = second.getvalue()
    for expected in (
        "111111  Anna Sonnenschein (Inhaber, alle Filialen)",
        "  Backoffice      http://127.0.0.1:8000/login/",
        "Virtuelle Geräte von Berlin Prenzlauer Berg, betrieben vom Filialserver",
        "    Etikettendrucker 127.0.0.1:9101 (TSPL): Regaletiketten (Backoffice → Drucker → Etiketten",
        "legt Schrippe in ihren Warenkorb",
    ):
        assert expected in text
    with scopes_disabled():
        assert Organization.objects.filter(name=shop.DEMO_ORGANIZATION_NAME).count() == 1


@pytest.fixture
def small_demo_shop(db):
    """The demo organization with its stores, people and registers, but only the products up to Schrippe (the
    one the summary tells to scan) and no customers: ``kasse demo`` then finds its shop and does not seed the
    whole one (seconds of CPU a test). Seeding itself is tested above and in ``test_seed.py``."""
    from kasse.demo.seed import seed_demo

    return seed_demo(products=_up_to_schrippe(), customers_count=0).organization


def test_demo_makes_the_virtual_devices_the_first_stores_devices_once(small_demo_shop, settings, tmp_path):
    # Given the demo set up twice (a restart)
    settings.DATA_DIR = str(tmp_path / "cloud")
    settings.LANGUAGE_CODE = "en"
    call_command("demo", "--no-serve", "--label-printer-port", "9111", stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("demo", "--no-serve", "--label-printer-port", "9111", stdout=out, stderr=StringIO())

    # Then the first store has each virtual device exactly once, bound to its first register
    devices = tmp_path / "devices"
    with scopes_disabled():
        register = (
            Register.objects.filter(organization=shop.find_demo_organization())
            .select_related("store")
            .order_by("store__number", "number")
            .first()
        )
        store = register.store
        printers = {p.kind: p for p in Printer.objects.filter(store=store)}
        assert Printer.objects.filter(store=store).count() == 2
        assert (printers["receipt"].host, printers["receipt"].port) == ("127.0.0.1", 9100)
        assert RegisterPrinter.objects.get(register=register).printer == printers["receipt"]
        label = printers["label"]
        assert (label.connection, label.host, label.port, label.label_language) == ("tcp", "127.0.0.1", 9111, "tspl")
        [scanner] = Scanner.objects.filter(store=store)
        assert (scanner.register, scanner.connection, scanner.serial_device) == (
            register,
            "serial",
            str(devices / "scanner.tty"),
        )
        [display] = PoleDisplay.objects.filter(store=store)
        assert (display.register, display.serial_device) == (register, str(devices / "pole-display.tty"))
        # And the second store has none of them
        assert not Scanner.objects.exclude(store=store).exists()
        assert not Printer.objects.exclude(store=store).exists()
    # And the summary says where to see each one and how to scan
    text = out.getvalue()
    assert "Label printer    127.0.0.1:9111 (TSPL): shelf labels (back office → Printers → Print labels," in text
    assert f"drawn to {tmp_path / 'virtual-label-printer'}/" in text
    assert f"Scanner          {devices / 'scanner.tty'} (serial) → Kasse 1" in text
    with scopes_disabled():
        schrippe = Barcode.objects.get(variant__product__name="Schrippe").code
    assert re.search(rf"kasse demo --scan {schrippe}` puts Schrippe into its cart", text)
    assert f"Pole display     {devices / 'pole-display.tty'} (serial) → Kasse 1; shows the cart" in text


def test_demo_runs_the_virtual_card_terminal_as_the_first_registers_terminal(
    small_demo_shop, settings, tmp_path, monkeypatch
):
    # Given `kasse demo` started (its supervisor records what it would run instead of running it)
    from kasse.demo.management.commands import demo as demo_command
    from kasse.payments.models import CardTerminal

    started: list[Supervisor] = []

    class Recording(Supervisor):
        def run(self, on_ready=None) -> int:
            started.append(self)
            on_ready()  # prints the summary, as once every child is ready
            return 0

    monkeypatch.setattr(demo_command, "Supervisor", Recording)
    settings.DATA_DIR = str(tmp_path / "cloud")
    settings.LANGUAGE_CODE = "en"
    out = StringIO()
    call_command("demo", stdout=out, stderr=StringIO())
    # Then it runs the virtual ZVT terminal on 127.0.0.1:20007 with the password 000000 …
    [supervisor] = started
    [child] = [c for c in supervisor.children if c.name == "virtual-card-terminal"]
    argv = child.argv[1:]
    assert argv == [
        "-m",
        "kasse.hardware.virtual.zvt_terminal",
        "--host",
        "127.0.0.1",
        "--port",
        "20007",
        "--password",
        "000000",
    ]
    # … before the store node that drives it
    names = [c.name for c in supervisor.children]
    assert names.index("virtual-card-terminal") < names.index("store-node")
    # And that terminal is the first register's (the first store's first register), active, at that address
    with scopes_disabled():
        register = (
            Register.objects.filter(organization=shop.find_demo_organization())
            .order_by("store__number", "number")
            .first()
        )
        [terminal] = CardTerminal.objects.filter(organization=register.organization)
    assert (terminal.register_id, terminal.is_active, terminal.connection) == (register.pk, True, "tcp")
    assert (terminal.host, str(terminal.port), terminal.password) == ("127.0.0.1", argv[5], argv[7])
    # And the summary says so
    assert "Card terminal    127.0.0.1:20007 (ZVT, password 000000) → Kasse 1; tap Card at the pay step:" in (
        out.getvalue()
    )


def test_demo_points_its_scanner_and_display_at_the_links_of_a_moved_folder(small_demo_shop, settings, tmp_path):
    settings.DATA_DIR = str(tmp_path / "old" / "cloud")
    call_command("demo", "--no-serve", stdout=StringIO(), stderr=StringIO())

    settings.DATA_DIR = str(tmp_path / "new" / "cloud")
    call_command("demo", "--no-serve", stdout=StringIO(), stderr=StringIO())

    with scopes_disabled():
        assert list(Scanner.objects.values_list("serial_device", flat=True)) == [
            str(tmp_path / "new" / "devices" / "scanner.tty")
        ]
        assert list(PoleDisplay.objects.values_list("serial_device", flat=True)) == [
            str(tmp_path / "new" / "devices" / "pole-display.tty")
        ]


def test_demo_scan_without_a_running_demo_says_so(settings, tmp_path):
    settings.DATA_DIR = str(tmp_path / "cloud")
    settings.LANGUAGE_CODE = "en"

    with pytest.raises(
        CommandError,
        match=r"The demo's virtual scanner is not running \(no virtual scanner is "
        r"running \(.*scanner\.in does not exist\)\)",
    ):
        call_command("demo", "--scan", "4006381333931")


@pytest.fixture
def uvicorn_calls(monkeypatch):
    import uvicorn

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda **kwargs: calls.append(kwargs))
    return calls


def test_cloud_passes_host_port_and_workers_to_uvicorn(uvicorn_calls):
    call_command(
        "cloud", "--host", "0.0.0.0", "--port", "9001", "--workers", "3", "--log-level", "warning", stderr=StringIO()
    )

    [options] = uvicorn_calls
    assert options["app"] == "kasse.asgi:application"
    assert (options["host"], options["port"], options["workers"], options["log_level"]) == (
        "0.0.0.0",
        9001,
        3,
        "warning",
    )
    assert options["proxy_headers"] is True


def test_cloud_defaults_to_loopback_port_8000(uvicorn_calls):
    call_command("cloud")

    assert (uvicorn_calls[0]["host"], uvicorn_calls[0]["port"], uvicorn_calls[0]["workers"]) == ("127.0.0.1", 8000, 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "0"], "--port must be between 1 and 65535"),
        (["--workers", "0"], "--workers must be 1 or more"),
    ],
)
def test_cloud_rejects_bad_arguments(uvicorn_calls, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("cloud", *args)
    assert uvicorn_calls == []


@pytest.mark.django_db
def test_cloud_migrate_flag_migrates_first(uvicorn_calls):
    out = StringIO()

    call_command("cloud", "--migrate", stdout=out)

    assert "No migrations to apply" in out.getvalue()
    assert len(uvicorn_calls) == 1


def test_supervisor_stops_the_others_when_one_child_exits():
    messages: list[str] = []
    supervisor = Supervisor(stop_timeout=5, log=messages.append)
    sleeper = supervisor.add("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"])
    supervisor.add("quitter", [sys.executable, "-c", "import sys; sys.exit(3)"])

    started = time.monotonic()
    code = supervisor.run()

    assert code == 3
    assert time.monotonic() - started < 30
    assert sleeper.process is not None
    assert sleeper.process.poll() is not None
    assert "[quitter] exited with code 3; stopping the others." in messages
    assert "[sleeper] stopped" in messages
