"""A cloud and a store node as real processes on loopback, for the sync tests and benchmarks.

``World`` starts ``kasse cloud`` (its own database: SQLite in a temporary
directory, or a fresh PostgreSQL database when ``postgres_url`` names a
server), pairs ``kasse store`` (SQLite, its own directory) and runs it. Both
databases start as copies of a migrated template (``kasse/testing/template_db.py``)
instead of being migrated from scratch.
Work inside a role is done by ``kasse.testing.world_commands`` in a child process
with that role's settings, so each side only ever touches its own database:

    python -m kasse.testing.world_commands setup          # cloud: shop, node pairing code, API token
    python -m kasse.testing.world_commands sell N [LINES] # node: N sales, one line printed per commit
    python -m kasse.testing.world_commands report         # either side: sales, totals, outbox (JSON)
    python -m kasse.testing.world_commands revoke         # cloud: revoke every node
    python -m kasse.testing.world_commands node-code [give-up]  # cloud: a new node pairing code for the store
    python -m kasse.testing.world_commands printer KIND PORT [LANG]  # cloud: a printer on 127.0.0.1:PORT
    python -m kasse.testing.world_commands test-page PRINTER # cloud: queue a test page
    python -m kasse.testing.world_commands labels PRINTER N  # cloud: N shelf labels of the first product
    python -m kasse.testing.world_commands print-report   # either side: print jobs and printer states (JSON)
    python -m kasse.testing.world_commands inject-feed    # cloud: feed rows a node cannot apply, and a good price
    python -m kasse.testing.world_commands node-health    # cloud: what the nodes reported (JSON)

The polled reads, the cloud's writes and the node's sales are answered by long-lived ``serve`` processes
(``world_commands.SERVED``): a Django start costs about a CPU second.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import select
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
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
    servers: dict[str, subprocess.Popen[str]] = field(default_factory=dict)
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
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTEST", "DJANGO_", "KASSE_", "DATABASE_URL", "REDIS_URL", "TEST_DATABASE"))
        }
        env.update(
            {
                "KASSE_ENV": "dev",
                "KASSE_ROLE": role,
                "DJANGO_SETTINGS_MODULE": "kasse.settings",
                "KASSE_LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if role == "cloud":
            env.update({"KASSE_DATA_DIR": str(self.root / "cloud"), "DATABASE_URL": self.cloud_db_url})
            if self.redis_url:
                env["REDIS_URL"] = self.redis_url
        else:
            env.update({"KASSE_DATA_DIR": str(self.root / "node"), "DATABASE_URL": f"sqlite:///{self.node_db}"})
        return env

    @property
    def node_db(self) -> Path:
        return self.root / "node" / "kasse.sqlite3"

    def script(self, role: str, *args: str, timeout: float = 120) -> str:
        from kasse.testing.world_commands import SERVED

        if role == "store" and args and args[0] == "sell":
            return self._served("seller", list(args), timeout)
        if args and args[0] in SERVED:
            return self._served(role, list(args), timeout)
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "kasse.testing.world_commands", *args],
            env=self.env(role),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{args} failed: {done.stderr.decode()[-3000:]}")
        return done.stdout.decode()

    def _served(self, role: str, args: list[str], timeout: float) -> str:
        """A read that tests poll, answered by the role's long-lived ``world_commands serve`` process (started
        on first use): a query instead of a new Python process with Django for every poll."""
        server = self.servers.get(role)
        if server is None or server.poll() is not None:
            server = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "kasse.testing.world_commands", "serve"],
                env=self.env("store" if role == "seller" else role),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
            self.servers[role] = server
        assert server.stdin is not None
        assert server.stdout is not None
        server.stdin.write(json.dumps(args) + "\n")
        server.stdin.flush()
        ready, _, _ = select.select([server.stdout], [], [], timeout)
        line = server.stdout.readline() if ready else ""
        if not line:
            self._stop_servers()
            raise RuntimeError(f"{args} in the {role}: no answer within {timeout} s")
        answer = json.loads(line)
        if answer["error"]:
            raise RuntimeError(f"{args} failed: {answer['error'][-3000:]}")
        return str(answer["out"])

    def _stop_seller(self) -> None:
        """The node's sales are made by one process (``sell``) for as long as the node is the same: a node
        that is killed, paired again or restored gets a new one (a process keeps per-process state, its
        hybrid clock's origin, that the next node must not inherit)."""
        self._stop_servers(["seller"])

    def _stop_servers(self, roles: list[str] | None = None) -> None:
        for role in list(self.servers) if roles is None else roles:
            server = self.servers.pop(role, None)
            if server is None:
                continue
            if server.stdin is not None:
                with suppress(OSError):
                    server.stdin.close()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            if server.stdout is not None:
                server.stdout.close()

    def kasse(self, role: str, *args: str, timeout: float = 120) -> str:
        if role == "store":
            self._stop_seller()  # `kasse store pair`, `kasse store restored`: the node changes
        argv = [sys.executable, "-m", "kasse.cli", *(["store"] if role == "store" else []), *args]
        done = subprocess.run(  # noqa: S603
            argv,
            env=self.env(role),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"kasse {args} failed: {done.stderr.decode()[-3000:]}")
        return done.stdout.decode()

    # --- the cloud --------------------------------------------------------------------

    def setup_cloud(self, products: int = 20) -> dict[str, Any]:
        """A shop with ``products`` products in the (already migrated) cloud database."""
        self.setup_info = json.loads(self.script("cloud", "setup", str(products)).strip().splitlines()[-1])
        return self.setup_info

    def start_cloud(self, count: int = 1, workers: int = 1, wait: bool = True) -> None:
        """``count`` cloud processes on ports of their own, each ``kasse cloud --workers workers``; without
        ``wait`` it returns before they answer (``wait_for_cloud``), so that a node can start meanwhile."""
        if not self.cloud_ports:
            self.cloud_ports = [free_port() for _ in range(count)]
        for port in self.cloud_ports[len(self.cloud_procs) :]:
            self.cloud_procs.append(
                subprocess.Popen(  # noqa: S603
                    [
                        sys.executable,
                        "-m",
                        "kasse.cli",
                        "cloud",
                        "--port",
                        str(port),
                        "--log-level",
                        "warning",
                        "--workers",
                        str(workers),
                    ],
                    env=self.env("cloud"),
                    start_new_session=True,
                )
            )
        if wait:
            self.wait_for_cloud()

    def wait_for_cloud(self) -> None:
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
            self.cloud_url(index) + path,
            data=json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {self.setup_info['api_token']}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return dict(json.loads(response.read()))

    # --- the node ---------------------------------------------------------------------

    def pair_node(self, index: int = 0, url: str = "", code: str = "") -> None:
        """Pair with cloud process ``index`` (or with ``url``: e.g. a fault-injecting proxy in front of it), with
        the setup's code or ``code``."""
        self.kasse("store", "pair", code or self.setup_info["code"], "--cloud", url or self.cloud_url(index))

    def store_status(self) -> tuple[int, dict[str, Any]]:
        """``kasse store status``: its exit code and the status it printed."""
        done = subprocess.run(
            [sys.executable, "-m", "kasse.cli", "store", "status"],  # noqa: S603
            env=self.env("store"),
            capture_output=True,
            timeout=120,
            check=False,
        )
        return done.returncode, dict(json.loads(done.stdout))

    def start_node(
        self,
        poll: float = 0.5,
        watch_outbox: float = 0.0,
        stdout: Any = None,
        retry: float = 0.2,
        pair_url: str = "",
    ) -> None:
        """``kasse store run``; a failed round waits up to ``retry`` seconds at first (2 in production, doubling
        with each failure in a row either way): the faults and outages these tests cause then cost a tenth of
        the waiting, and the node retries by the same rule.

        With ``pair_url`` (a cloud's URL, or a proxy's in front of it) the node pairs first with the setup's
        code, in the same process (``kasse store run --pair CODE --cloud URL``, which waits for the cloud):
        one Django start fewer than ``pair_node`` before ``start_node``, and the node may start while the
        cloud still starts (``start_cloud(wait=False)``)."""
        if pair_url:
            self._stop_seller()
        self.node_port = self.node_port or free_port()
        pairing = ["--pair", self.setup_info["code"], "--cloud", pair_url] if pair_url else []
        self.node_proc = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "kasse.cli",
                "store",
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.node_port),
                "--poll",
                str(poll),
                "--watch-outbox",
                str(watch_outbox),
                "--retry",
                str(retry),
                "--log-level",
                "warning",
                *pairing,
            ],
            env=self.env("store"),
            start_new_session=True,
            stdout=stdout,
        )
        wait_until(
            lambda: _http_ok(f"http://127.0.0.1:{self.node_port}/health"), 60 if pair_url else 30, 0.1, "node up"
        )

    def kill_node(self) -> None:
        self._stop_seller()
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

    def kill_cloud(self) -> None:
        for proc in self.cloud_procs:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        for proc in self.cloud_procs:
            proc.wait()
        self.cloud_procs = []

    def close(self) -> None:
        """Everything ends at once (SIGKILL): a test that wants a graceful stop says so (``stop_cloud``); waiting
        for uvicorn's graceful shutdown after every test cost seconds of each teardown."""
        self._stop_servers()
        self.kill_node()
        self.kill_cloud()
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
        world.start_cloud(wait=False)  # the cloud and the node start side by side
        world.start_node(poll=0.5, pair_url=world.cloud_url())
        world.wait_for_cloud()
        yield world
