"""A cloud and a store node as real processes on loopback, for the sync tests and benchmarks.

``World`` starts ``kasse cloud`` (its own database: SQLite in a temporary
directory, or a fresh PostgreSQL database when ``postgres_url`` names a
server), pairs ``kasse store`` (SQLite, its own directory) and runs it. Both
databases start as copies of a migrated template (``kasse/testing/template_db.py``)
instead of being migrated from scratch.
Work inside a role is done by this module's command line in a child process
with that role's settings, so each side only ever touches its own database:

    python -m kasse.testing.sync_world setup          # cloud: shop, node pairing code, API token
    python -m kasse.testing.sync_world sell N [LINES] # node: N sales, one line printed per commit
    python -m kasse.testing.sync_world report         # either side: sales, totals, outbox (JSON)
    python -m kasse.testing.sync_world revoke         # cloud: revoke every node
    python -m kasse.testing.sync_world node-code [give-up]  # cloud: a new node pairing code for the store
    python -m kasse.testing.sync_world printer KIND PORT [LANG]  # cloud: a printer on 127.0.0.1:PORT
    python -m kasse.testing.sync_world test-page PRINTER # cloud: queue a test page
    python -m kasse.testing.sync_world labels PRINTER N  # cloud: N shelf labels of the first product
    python -m kasse.testing.sync_world print-report   # either side: print jobs and printer states (JSON)
    python -m kasse.testing.sync_world inject-feed    # cloud: feed rows a node cannot apply, and a good price
    python -m kasse.testing.sync_world node-health    # cloud: what the nodes reported (JSON)
"""

from __future__ import annotations

import functools
import json
import os
import random
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from kasse.testing.ports import free_port
from kasse.testing.template_db import copy_sqlite_template, create_postgres_from_template

PIN = "471147"


def wait_until(check: Callable[[], Any], timeout: float, interval: float = 0.05, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout} s")
        time.sleep(interval)


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback URL
            return bool(response.status == 200)
    except OSError:
        return False


@dataclass
class World:
    root: Path
    redis_url: str = ""
    postgres_url: str = ""
    cloud_ports: list[int] = field(default_factory=list)
    cloud_procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    node_proc: subprocess.Popen[bytes] | None = None
    node_port: int = 0
    setup_info: dict[str, Any] = field(default_factory=dict)
    cloud_db_url: str = ""
    _pg_db: str = ""

    # --- environments ---------------------------------------------------------------

    def __post_init__(self) -> None:
        (self.root / "cloud").mkdir(parents=True, exist_ok=True)
        (self.root / "node").mkdir(parents=True, exist_ok=True)
        if self.postgres_url:
            self._pg_db = f"kasse_e2e_{secrets.token_hex(4)}"
            self.cloud_db_url = create_postgres_from_template(self.postgres_url, self._pg_db)
        else:
            copy_sqlite_template(self.root / "cloud" / "kasse.sqlite3")
            self.cloud_db_url = f"sqlite:///{self.root / 'cloud' / 'kasse.sqlite3'}"
        copy_sqlite_template(self.node_db)

    def _pg_admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.postgres_url, autocommit=True) as conn:
            conn.execute(sql)

    def env(self, role: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PYTEST", "DJANGO_", "KASSE_", "DATABASE_URL", "REDIS_URL", "TEST_DATABASE"))}
        env.update({"KASSE_ENV": "dev", "KASSE_ROLE": role, "DJANGO_SETTINGS_MODULE": "kasse.settings",
                    "KASSE_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"})
        if role == "cloud":
            env.update({"KASSE_DATA_DIR": str(self.root / "cloud"), "DATABASE_URL": self.cloud_db_url})
            if self.redis_url:
                env["REDIS_URL"] = self.redis_url
        else:
            env.update({"KASSE_DATA_DIR": str(self.root / "node"),
                        "DATABASE_URL": f"sqlite:///{self.node_db}"})
        return env

    @property
    def node_db(self) -> Path:
        return self.root / "node" / "kasse.sqlite3"

    def script(self, role: str, *args: str, timeout: float = 120) -> str:
        done = subprocess.run([sys.executable, "-m", "kasse.testing.sync_world", *args],  # noqa: S603
                              env=self.env(role), capture_output=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{args} failed: {done.stderr.decode()[-3000:]}")
        return done.stdout.decode()

    def kasse(self, role: str, *args: str, timeout: float = 120) -> str:
        argv = [sys.executable, "-m", "kasse.cli", *(["store"] if role == "store" else []), *args]
        done = subprocess.run(argv, env=self.env(role), capture_output=True,  # noqa: S603
                              timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"kasse {args} failed: {done.stderr.decode()[-3000:]}")
        return done.stdout.decode()

    # --- the cloud --------------------------------------------------------------------

    def setup_cloud(self, products: int = 20) -> dict[str, Any]:
        """A shop with ``products`` products in the (already migrated) cloud database."""
        self.setup_info = json.loads(self.script("cloud", "setup", str(products)).strip().splitlines()[-1])
        return self.setup_info

    def start_cloud(self, count: int = 1, workers: int = 1) -> None:
        """``count`` cloud processes on ports of their own, each ``kasse cloud --workers workers``."""
        if not self.cloud_ports:
            self.cloud_ports = [free_port() for _ in range(count)]
        for port in self.cloud_ports[len(self.cloud_procs):]:
            self.cloud_procs.append(subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "kasse.cli", "cloud", "--port", str(port), "--log-level", "warning",
                 "--workers", str(workers)],
                env=self.env("cloud"), start_new_session=True))
        for port in self.cloud_ports:
            wait_until(functools.partial(_http_ok, f"http://127.0.0.1:{port}/health"), 30, 0.1, "cloud up")

    def stop_cloud(self) -> None:
        for proc in self.cloud_procs:
            proc.terminate()
        for proc in self.cloud_procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.cloud_procs = []

    def cloud_url(self, index: int = 0) -> str:
        return f"http://127.0.0.1:{self.cloud_ports[index]}"

    def api(self, method: str, path: str, body: dict[str, Any], index: int = 0) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - loopback URL
            self.cloud_url(index) + path, data=json.dumps(body).encode(), method=method,
            headers={"Authorization": f"Bearer {self.setup_info['api_token']}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return dict(json.loads(response.read()))

    # --- the node ---------------------------------------------------------------------

    def pair_node(self, index: int = 0, url: str = "", code: str = "") -> None:
        """Pair with cloud process ``index`` (or with ``url``: e.g. a fault-injecting proxy in front of it), with
        the setup's code or ``code``."""
        self.kasse("store", "pair", code or self.setup_info["code"], "--cloud", url or self.cloud_url(index))

    def store_status(self) -> tuple[int, dict[str, Any]]:
        """``kasse store status``: its exit code and the status it printed."""
        done = subprocess.run([sys.executable, "-m", "kasse.cli", "store", "status"],  # noqa: S603
                              env=self.env("store"), capture_output=True, timeout=120, check=False)
        return done.returncode, dict(json.loads(done.stdout))

    def start_node(self, poll: float = 0.5, watch_outbox: float = 0.0, stdout: Any = None) -> None:
        self.node_port = self.node_port or free_port()
        self.node_proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "kasse.cli", "store", "run", "--host", "127.0.0.1", "--port", str(self.node_port),
             "--poll", str(poll), "--watch-outbox", str(watch_outbox), "--log-level", "warning"],
            env=self.env("store"), start_new_session=True, stdout=stdout)
        wait_until(lambda: _http_ok(f"http://127.0.0.1:{self.node_port}/health"), 30, 0.1, "node up")

    def kill_node(self) -> None:
        if self.node_proc is not None:
            with suppress(ProcessLookupError):
                os.killpg(self.node_proc.pid, signal.SIGKILL)
            self.node_proc.wait()
            self.node_proc = None

    def node_query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.node_db, timeout=10) as conn:
            return conn.execute(sql, params).fetchall()

    def node_backlog(self) -> int:
        return int(self.node_query("SELECT COUNT(*) FROM sync_outboxrecord WHERE status = 'pending'")[0][0])

    def report(self, role: str) -> dict[str, Any]:
        return dict(json.loads(self.script(role, "report").strip().splitlines()[-1]))

    def close(self) -> None:
        self.kill_node()
        self.stop_cloud()
        if self._pg_db:
            with suppress(Exception):
                self._pg_admin(f'DROP DATABASE IF EXISTS "{self._pg_db}" WITH (FORCE)')


# --- the commands that run inside one role ---------------------------------------------------


@contextmanager
def set_up_world(tmp_path: Path, products: int, *, redis_url: str = "") -> Iterator[World]:
    """A world whose cloud database (the suite's PostgreSQL when ``TEST_DATABASE_URL`` names one, else
    SQLite) is set up with ``products`` products, nothing started yet; every process stopped afterwards."""
    postgres = os.environ.get("TEST_DATABASE_URL", "")
    world = World(tmp_path, redis_url=redis_url, postgres_url=postgres if postgres.startswith("postgres") else "")
    try:
        world.setup_cloud(products=products)
        yield world
    finally:
        world.close()


@contextmanager
def paired_world(tmp_path: Path, products: int) -> Iterator[World]:
    """A running cloud (see :func:`set_up_world`) with ``products`` products, and a running store node
    paired to it; both stopped afterwards."""
    with set_up_world(tmp_path, products) as world:
        world.start_cloud()
        world.pair_node()
        world.start_node(poll=0.5)
        yield world


def _setup(products: int) -> dict[str, Any]:
    from django_scopes import scope

    from kasse.api.tokens import create_api_token
    from kasse.catalog.services import save_product
    from kasse.core.actors import Actor
    from kasse.register.services.pairing import create_pairing_code
    from kasse.sync.cloud.services import create_node_pairing_code
    from kasse.tenancy.services import create_organization

    actor = Actor(kind="system", label="sync_world")
    owner_email, owner_password = f"owner-{secrets.token_hex(3)}@example.com", secrets.token_urlsafe(16)
    new = create_organization(
        actor=actor, organization={"name": "Sync-Laden", "legal_name": "Sync-Laden GmbH", "street": "Weg 1",
                                   "postal_code": "10115", "city": "Berlin", "tax_number": "30/123/45678"},
        store={"name": "Filiale 1", "street": "Weg 1", "postal_code": "10115", "city": "Berlin"},
        owner_email=owner_email, owner_password=owner_password, owner_name="Olga", owner_pin=PIN,
        email_verified=True,
    )
    rng = random.Random(7)
    with scope(organization=new.organization):
        ids = []
        for n in range(products):
            product = save_product(actor=actor, organization=new.organization, data={
                "name": f"Artikel {n:03d} Größe", "price": f"{rng.randint(50, 2500) / 100:.2f}",
                "vat_class": rng.choice(["standard", "reduced"]),
            })
            ids.append(str(product.pk))
        code = create_node_pairing_code(actor=actor, store=new.store)
        register_code = create_pairing_code(actor=actor, register=new.register)
        _token, secret = create_api_token(actor=actor, organization=new.organization, name="e2e")
    return {"code": code, "register_code": register_code, "api_token": secret, "products": ids,
            "organization": str(new.organization.pk),
            "register": str(new.register.pk), "owner_email": owner_email, "owner_password": owner_password}


def _sell(count: int, lines: int) -> None:
    from django_scopes import scope, scopes_disabled

    from kasse.catalog.models import Variant
    from kasse.core.actors import Actor
    from kasse.core.ids import uuid7
    from kasse.sales.models import Shift
    from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, cart_total, complete_sale
    from kasse.sales.services.shifts import open_shift
    from kasse.sync.models import NodeState
    from kasse.tenancy.models import Employee, Register

    with scopes_disabled():
        state = NodeState.objects.get()
        register = Register.objects.filter(store_id=state.store_id).order_by("number").first()
        employee = Employee.objects.exclude(pin_digest="").order_by("created_at").first()
        variants = list(Variant.objects.filter(organization_id=state.organization_id).values_list("pk", flat=True))
    if register is None or employee is None:
        raise SystemExit("the node has no register or no employee with a PIN")
    rng = random.Random()
    with scope(organization=state.organization_id):
        if not Shift.objects.filter(register=register, status="open").exists():
            open_shift(actor=Actor.for_employee(employee), register=register, employee=employee, count={"20": 5})
        for _ in range(count):
            cart = SaleInput(id=uuid7(), payments=[], lines=[
                LineInput(rng.choice(variants), Decimal(rng.randint(1, 3))) for _ in range(lines)])
            cart.payments = [PaymentInput("cash", cart_total(register, cart))]
            sale = complete_sale(actor=Actor.for_employee(employee), register=register, employee=employee, cart=cart)
            print(f"sold {sale.receipt_number} {sale.total} {sale.pk}", flush=True)


def _report() -> dict[str, Any]:
    from django.db.models import Count, Sum
    from django_scopes import scopes_disabled

    from kasse.sales.models import Sale, SaleLine
    from kasse.sync.models import OutboxRecord, StoreNode, SyncAnomaly

    with scopes_disabled():
        sales = Sale.objects.aggregate(n=Count("id"), total=Sum("total"))
        numbers = sorted(Sale.objects.values_list("register_id", "receipt_number"))
        per_register: dict[str, list[int]] = {}
        for register_id, number in numbers:
            per_register.setdefault(str(register_id), []).append(number)
        return {
            "sales": sales["n"], "total": str(Decimal(sales["total"] or 0).quantize(Decimal("0.01"))),
            "lines": SaleLine.objects.count(), "numbers": per_register,
            "ids": sorted(str(i) for i in Sale.objects.values_list("id", flat=True)),
            "outbox": dict(OutboxRecord.objects.values_list("status").annotate(n=Count("id"))),
            "anomalies": SyncAnomaly.objects.count(),
            "active_nodes": sorted(str(pk) for pk in StoreNode.objects.filter(revoked_at__isnull=True).values_list(
                "pk", flat=True)),
        }


def _revoke() -> None:
    from django_scopes import scope, scopes_disabled

    from kasse.core.actors import Actor
    from kasse.sync.cloud.services import revoke_node
    from kasse.sync.models import StoreNode

    with scopes_disabled():
        nodes = list(StoreNode.objects.all())
    for node in nodes:
        with scope(organization=node.organization_id):
            revoke_node(actor=Actor(kind="system", label="sync_world"), node=node)


def _node_code(give_up: bool) -> dict[str, Any]:
    from django_scopes import scope, scopes_disabled

    from kasse.sync.cloud.services import create_node_pairing_code
    from kasse.tenancy.models import Store

    with scopes_disabled():
        store = Store.objects.order_by("number").first()
    assert store is not None
    with scope(organization=store.organization_id):
        code = create_node_pairing_code(actor=_owner_actor(), store=store, give_up_waiting=give_up)
    return {"code": code}


def _owner_actor() -> Any:
    from kasse.core.actors import Actor

    return Actor(kind="user", label="owner (sync_world)")


def _printer(kind: str, port: int, language: str) -> dict[str, Any]:
    from django_scopes import scope, scopes_disabled

    from kasse.printing.services import save_printer
    from kasse.tenancy.models import Store

    with scopes_disabled():
        store = Store.objects.order_by("number").first()
    assert store is not None
    with scope(organization=store.organization_id):
        printer = save_printer(actor=_owner_actor(), store=store, data={
            "name": f"Virtuell {kind}", "kind": kind, "connection": "tcp", "host": "127.0.0.1", "port": port,
            "profile": "generic-58", "label_language": language, "label_width_mm": Decimal(50),
            "label_height_mm": Decimal(30),
        })
    return {"printer": str(printer.pk)}


def _test_page(printer_id: str) -> dict[str, Any]:
    from django_scopes import scope, scopes_disabled

    from kasse.printing.models import Printer
    from kasse.printing.services import enqueue_test_page

    with scopes_disabled():
        printer = Printer.objects.get(pk=printer_id)
    with scope(organization=printer.organization_id):
        job = enqueue_test_page(actor=_owner_actor(), printer=printer, language="de")
    return {"job": str(job.pk), "on_node": job.on_node}


def _labels(printer_id: str, copies: int) -> dict[str, Any]:
    from django_scopes import scope, scopes_disabled

    from kasse.catalog.models import Variant
    from kasse.printing.documents import LabelRequest
    from kasse.printing.models import Printer
    from kasse.printing.services import enqueue_labels

    with scopes_disabled():
        printer = Printer.objects.get(pk=printer_id)
        variant = Variant.objects.select_related("product").order_by("product__name").first()
    if variant is None:
        raise SystemExit("the cloud has no products")
    with scope(organization=printer.organization_id):
        job = enqueue_labels(actor=_owner_actor(), printer=printer, requests=[LabelRequest(variant, copies)],
                             width_mm=printer.label_width_mm, height_mm=printer.label_height_mm)
    return {"job": str(job.pk), "on_node": job.on_node, "product": variant.product.name}


def _print_report() -> dict[str, Any]:
    from django_scopes import scopes_disabled

    from kasse.printing.models import PrinterState, PrintJob

    with scopes_disabled():
        jobs = {str(j.pk): {"status": j.status, "error": j.error, "on_node": j.on_node, "attempts": j.attempts,
                            "kind": j.kind}
                for j in PrintJob.objects.defer("payload")}
        states = {str(s.printer_id): {"health": s.health, "reachable": s.reachable, "paper_out": s.paper_out,
                                      "checked_at": s.checked_at.isoformat() if s.checked_at else None}
                  for s in PrinterState.objects.all()}
    return {"jobs": jobs, "states": states}


def _inject_feed() -> dict[str, Any]:
    """Three feed events this version cannot apply (a column from a newer cloud, an unknown table, a value
    of the wrong type), then an ordinary price change behind them."""
    from django.db import transaction
    from django_scopes import scope, scopes_disabled

    from kasse.catalog.models import Product
    from kasse.catalog.services import save_product
    from kasse.sync.engine.changes import _reserve
    from kasse.sync.engine.registry import encode_row
    from kasse.sync.models import ChangeEvent

    with scopes_disabled():
        products = list(Product.objects.order_by("name")[:2])
    newer, good = products
    organization_id = newer.organization_id
    with scopes_disabled(), transaction.atomic():
        first = _reserve(organization_id, 3)
        future = {**encode_row(newer), "colour": "brown"}
        wrong = {**encode_row(newer), "price": "zwei Euro"}
        for offset, (model, object_id, row) in enumerate([
            ("catalog.Product", str(newer.pk), future), ("loyalty.Stamp", str(newer.pk), {"id": str(newer.pk)}),
            ("catalog.Product", str(newer.pk), wrong),
        ]):
            ChangeEvent.objects.create(organization_id=organization_id, seq=first + offset, model=model,
                                       object_id=object_id, row=row)
    with scope(organization=organization_id):
        save_product(actor=_owner_actor(), organization=good.organization, product=good, data={"price": "7.77"})
    return {"good_product": str(good.pk)}


def _node_health() -> dict[str, Any]:
    from django_scopes import scopes_disabled

    from kasse.sync.models import StoreNode

    with scopes_disabled():
        return {str(n.pk): {"failing": n.failing, "last_error": n.last_error, "set_aside": n.set_aside,
                            "backlog": n.last_backlog, "last_push_at": bool(n.last_push_at),
                            "last_pull_at": bool(n.last_pull_at), "version": n.version}
                for n in StoreNode.objects.all()}


def main(argv: list[str]) -> None:
    import django

    django.setup()
    command = argv[0]
    if command == "setup":
        print(json.dumps(_setup(int(argv[1]) if len(argv) > 1 else 20)))
    elif command == "sell":
        _sell(int(argv[1]), int(argv[2]) if len(argv) > 2 else 5)
    elif command == "report":
        print(json.dumps(_report()))
    elif command == "revoke":
        _revoke()
    elif command == "node-code":
        print(json.dumps(_node_code(argv[1:] == ["give-up"])))
    elif command == "printer":
        print(json.dumps(_printer(argv[1], int(argv[2]), argv[3] if len(argv) > 3 else "tspl")))
    elif command == "test-page":
        print(json.dumps(_test_page(argv[1])))
    elif command == "labels":
        print(json.dumps(_labels(argv[1], int(argv[2]))))
    elif command == "print-report":
        print(json.dumps(_print_report()))
    elif command == "inject-feed":
        print(json.dumps(_inject_feed()))
    elif command == "node-health":
        print(json.dumps(_node_health()))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
