"""kasse's pytest plugin: the fixtures and helpers every test app shares, and how the suite runs.

Registered by the root ``conftest.py``. It holds, once each:

* tenants and people: ``organization``, ``store``, ``register``, ``owner``, ``owner_client``, ``cashier``
  (Clara, PIN 1111), ``manager`` (Max, PIN 2222), ``shift`` (opened by Clara with ``opening_float``);
* the register: ``paired_client()``, ``device``, ``till`` (paired, shift open, Clara logged in), ``bakery``;
* two products on their own: ``rolls`` (7 %, barcode) and ``coffee`` (19 %);
* ``node``: a store node paired to ``store`` (``Laden-PC``);
* HTML: ``soup_of()``, ``texts()``, ``text()`` (read what a user sees by ``data-testid``);
* the browser: ``browser`` (one Chromium per test process), ``page`` (a new context per test),
  ``open_register()``, ``log_in_in_browser()``;
* free ports: ``kasse/testing/ports.py``.

And how the suite runs (``docs/testing.md``): tests that start processes or run a benchmark go first,
browser tests last (see ``SharedChromium``); with pytest-xdist each worker has a data directory of its
own (its database name is suffixed by pytest-django).
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Generator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from kasse.testing import flush
from kasse.testing.browser import SharedChromium, browser_slot
from kasse.testing.register_login import unlock_data, unlock_in_browser
from kasse.testing.schedule import long_tests_first, make_scheduler
from kasse.testing.services import IN_CI, SERVICE_SKIP_PREFIX

# Young collections every 10,000 new objects instead of 700 from here on, already while pytest collects (as
# after ``pytest_collection_finish`` below): importing every test module and making 2,000 test items ran the
# collector 800 times, 0.73-0.78 CPU s of each worker's start; 0.33-0.37 s so (docs/testing.md, session 12).
gc.set_threshold(10_000, 10, 10)

DEVICE_TOKEN = "device-token"  # noqa: S105 - the paired test register's cookie, not a secret

# --- HTML ----------------------------------------------------------------------------------------------


def soup_of(response: Any) -> BeautifulSoup:
    """The page of a test client's response, to read by ``data-testid``."""
    return BeautifulSoup(response.content, "html.parser")


def _squash(element: Any) -> str:
    return " ".join(element.get_text(" ", strip=True).split())


def texts(page: BeautifulSoup, testid: str) -> list[str]:
    """The text of every element with ``data-testid=testid``, whitespace squashed as a reader sees it."""
    return [_squash(element) for element in page.select(f"[data-testid={testid}]")]


def text(page: Any, testid: str | None = None) -> str:
    """The text of the first element with ``data-testid=testid`` (or of ``page`` itself), squashed."""
    element = page.select_one(f"[data-testid={testid}]") if testid else page
    if element is None:
        raise AssertionError(f"nothing with data-testid={testid} on the page")
    return _squash(element)


# --- the register --------------------------------------------------------------------------------------


def paired_client(register: Any, token: str = DEVICE_TOKEN) -> Client:
    """A test client that is a paired device of ``register`` (its device cookie is ``token``)."""
    from django_scopes import scopes_disabled

    from kasse.register.models import RegisterDevice
    from kasse.register.services.pairing import DEVICE_COOKIE, _digest

    with scopes_disabled():
        RegisterDevice.objects.create(
            organization=register.organization, register=register, token_digest=_digest(token)
        )
    client = Client()
    client.cookies[DEVICE_COOKIE] = token
    return client


def open_register(page: Any, base_url: str, token: str = DEVICE_TOKEN, name: str = "Clara", pin: str = "1111") -> None:
    """In the browser: open the paired register ``token``, log ``name`` in and wait for the empty cart."""
    from kasse.register.services.pairing import DEVICE_COOKIE

    page.context.add_cookies([{"name": DEVICE_COOKIE, "value": token, "url": base_url}])
    page.goto(base_url + "/register/")
    unlock_in_browser(page, name, pin)
    page.wait_for_selector("body[data-ready='1'] [data-testid=cart-empty]")


def log_in_in_browser(page: Any, base_url: str, email: str = "owner@example.org") -> None:
    """In the browser: log ``email`` in to the back office with the factories' password, wait for its start page."""
    page.goto(base_url + "/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery staple")
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=org-name]")


# --- fixtures: tenants and people ----------------------------------------------------------------------


@pytest.fixture
def organization(db: None) -> Any:
    from kasse.testing.factories import OrganizationFactory

    return OrganizationFactory()


@pytest.fixture
def store(organization: Any) -> Any:
    from kasse.testing.factories import StoreFactory

    return StoreFactory(organization=organization, name="Filiale Mitte")


@pytest.fixture
def register(store: Any) -> Any:
    from kasse.testing.factories import RegisterFactory

    return RegisterFactory(store=store, organization=store.organization, number=1)


@pytest.fixture
def owner(organization: Any, store: Any) -> Any:
    from kasse.testing.factories import owner_user

    return owner_user(organization, email="owner@example.org")


@pytest.fixture
def owner_client(owner: Any) -> Client:
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def in_scope(organization: Any) -> Iterator[Any]:
    """Run the test body inside the organization's scope, as a request would."""
    from django_scopes import scope

    with scope(organization=organization):
        yield organization


@pytest.fixture
def no_scopes() -> Iterator[None]:
    from django_scopes import scopes_disabled

    with scopes_disabled():
        yield


@pytest.fixture
def on_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.fixture
def cashier(organization: Any, store: Any) -> Any:
    """Clara, cashier of ``store``, PIN 1111 (no back-office login)."""
    from kasse.tenancy.permissions import Role
    from kasse.testing.factories import EmployeeFactory

    return EmployeeFactory(organization=organization, display_name="Clara", pin="1111", role=(store, Role.CASHIER))


@pytest.fixture
def manager(organization: Any, store: Any) -> Any:
    """Max, manager of ``store``, PIN 2222 (no back-office login)."""
    from kasse.tenancy.permissions import Role
    from kasse.testing.factories import EmployeeFactory

    return EmployeeFactory(organization=organization, display_name="Max", pin="2222", role=(store, Role.MANAGER))


@pytest.fixture
def opening_float() -> dict[str, int]:
    """The notes counted into the drawer when ``shift`` opens (denomination: count); 100.00 unless a test
    module says otherwise."""
    return {"20": 5}


@pytest.fixture
def shift(register: Any, cashier: Any, opening_float: dict[str, int], in_scope: Any) -> Any:
    """A shift of ``register`` opened by Clara."""
    from kasse.core.actors import Actor
    from kasse.sales.services.shifts import open_shift

    return open_shift(actor=Actor.for_employee(cashier), register=register, employee=cashier, count=opening_float)


# --- fixtures: the register ----------------------------------------------------------------------------


@pytest.fixture
def device(register: Any) -> Client:
    """A test client paired as ``register``'s device."""
    return paired_client(register)


@pytest.fixture
def till(device: Client, register: Any, cashier: Any) -> Client:
    """A paired register with an open shift and Clara logged in."""
    from kasse.core.actors import Actor
    from kasse.sales.services.shifts import open_shift

    open_shift(actor=Actor.system(), register=register, employee=cashier, count={"20": 5})
    response = device.post("/register/unlock/", unlock_data(cashier, "1111"))
    assert response.status_code == 302
    return device


@pytest.fixture
def bakery(organization: Any) -> dict[str, Any]:
    """A few products: rolls (7 %, barcode), coffee (19 %), cheese by weight with a scale label code."""
    from kasse.testing.factories import CategoryFactory, ProductFactory

    category = CategoryFactory(organization=organization, name="Backwaren")
    return {
        "rolls": ProductFactory(
            organization=organization,
            name="Brötchen",
            price="0.45",
            category=category,
            variant__barcode="4000000000017",
            is_favourite=True,
        ),
        "coffee": ProductFactory(
            organization=organization,
            name="Kaffee",
            price="2.80",
            vat_class="standard",
            variant__barcode="4000000000024",
        ),
        # German weight label: 28 + item 0001 + value check digit + 5 digits of grams, zeroed in the catalog.
        "cheese": ProductFactory(
            organization=organization,
            name="Bergkäse",
            price="24.90",
            unit="kg",
            is_measured=True,
            variant__barcode="2800010000001",
        ),
    }


@pytest.fixture
def rolls(organization: Any) -> Any:
    """Rolls at 0.45 (reduced VAT, barcode 4000000000017)."""
    from kasse.testing.factories import ProductFactory

    return ProductFactory(
        organization=organization, name="Brötchen", price="0.45", vat_class="reduced", variant__barcode="4000000000017"
    )


@pytest.fixture
def coffee(organization: Any) -> Any:
    """Coffee at 2.80 (standard VAT)."""
    from kasse.testing.factories import ProductFactory

    return ProductFactory(organization=organization, name="Kaffee", price="2.80", vat_class="standard")


@pytest.fixture
def node(organization: Any, store: Any) -> Any:
    """A store node paired to ``store`` (a placeholder token digest; never contacted the cloud)."""
    from kasse.sync.engine.local import NODE_BLOCK_SIZE
    from kasse.sync.models import StoreNode

    return StoreNode.objects.with_scopes_disabled().create(
        organization=organization,
        store=store,
        name="Laden-PC",
        token_digest="x" * 64,
        customer_number_base=NODE_BLOCK_SIZE,
    )


# --- fixtures: the browser -----------------------------------------------------------------------------

_CHROMIUM = SharedChromium()


def _uses_browser(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    return "browser" in names or "page" in names or item.get_closest_marker("browser") is not None


@pytest.fixture
def browser() -> Iterator[Any]:
    """The test process's Chromium in one of the machine's browser slots; the test's contexts close after it."""
    with browser_slot():
        shared = _CHROMIUM.get()
        yield shared
        _CHROMIUM.close_contexts()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context and page (German locale, 1280×800)."""
    # bypass_csp: Playwright's wait_for_function evaluates its predicate as a string, which the pages'
    # Content-Security-Policy refuses; the policy itself is checked in kasse/tests/test_csp.py with a context
    # that does not bypass it.
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 800}, bypass_csp=True)
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()


# --- how the suite runs --------------------------------------------------------------------------------

_FIRST, _SLOW, _MIDDLE, _LAST = 0, 1, 2, 3


def _tier(item: pytest.Item) -> int:
    if _uses_browser(item):
        return _LAST
    if item.get_closest_marker("processes") or item.get_closest_marker("benchmark"):
        return _FIRST
    if item.get_closest_marker("slow"):
        return _SLOW
    return _MIDDLE


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("kasse-long-tests-first"):
        config.pluginmanager.register(_LongTestsFirst(), "kasse-long-tests-first")
    _scan_static_files_once()
    _wait_out_shared_cache_locks()
    flush.install()


SHARED_CACHE_LOCKED = ("database table is locked", "database schema is locked")
SHARED_CACHE_WAIT_SECONDS = 5.0  # as long as the busy timeout every SQLite connection of kasse has


def _wait_out_shared_cache_locks() -> None:
    """On SQLite the in-process tests share one in-memory database between threads (a shared cache), where
    a statement meeting another connection's table lock fails at once with "database table is locked"
    instead of waiting out ``busy_timeout`` as it does on the file a store node runs on. A test whose
    register, print worker or TSE start writes in a thread of its own then failed by chance (under CI's load
    about once a run, each time in another test). Here such a statement is run again until the lock is gone,
    for at most the busy timeout, as a file database waits. The statement did nothing when it failed with
    that error (SQLite takes its table locks before it changes a row), so running it again is safe;
    ``executemany`` is left alone, since it may fail after some of its rows. Production never uses a shared
    cache, so this changes nothing there."""
    import sqlite3
    import time

    from django.db.backends.sqlite3.base import SQLiteCursorWrapper

    execute = SQLiteCursorWrapper.execute
    if getattr(execute, "kasse_waits", False):
        return

    def waiting_execute(self: Any, query: str, params: Any = None) -> Any:
        deadline = time.monotonic() + SHARED_CACHE_WAIT_SECONDS
        pause = 0.001
        while True:
            try:
                return execute(self, query, params)
            except sqlite3.OperationalError as exc:
                if not str(exc).startswith(SHARED_CACHE_LOCKED) or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.02)

    waiting_execute.kasse_waits = True  # type: ignore[attr-defined]
    SQLiteCursorWrapper.execute = waiting_execute  # type: ignore[method-assign]


def _scan_static_files_once() -> None:
    """WhiteNoise lists and stats every static file each time its middleware is built, and Django builds the
    middleware for every test ``Client``: 30 ms a client, 6 % of the suite's CPU. The files do not change
    during a run, so each test process lists them once (per static URL prefix and header settings) and every
    later middleware takes the same table."""
    from whitenoise.middleware import WhiteNoiseMiddleware

    scan = WhiteNoiseMiddleware.add_files_from_finders
    if getattr(scan, "kasse_once", False):
        return
    tables: dict[tuple[Any, ...], dict[str, Any]] = {}

    def add_files_from_finders(self: WhiteNoiseMiddleware) -> None:
        key = (self.static_prefix, self.max_age, self.allow_all_origins, self.charset, self.add_headers_function)
        if key not in tables:
            before = dict(self.files)
            scan(self)
            tables[key] = {url: file for url, file in self.files.items() if before.get(url) is not file}
        self.files.update(tables[key])

    add_files_from_finders.kasse_once = True  # type: ignore[attr-defined]
    WhiteNoiseMiddleware.add_files_from_finders = add_files_from_finders


_DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}
)


def _uses_database(item: pytest.Item) -> bool:
    """Whether an in-process test touches the suite's database (pytest-django refuses any other access)."""
    names = set(getattr(item, "fixturenames", ()))
    return bool(names & _DATABASE_FIXTURES) or item.get_closest_marker("django_db") is not None


@pytest.hookimpl(tryfirst=True)  # before pytest's own -m deselection, which reads the marker added here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow tests that start processes first, then in-process tests marked ``slow`` (seconds of CPU each): on two
    workers they overlap with everything else instead of finishing alone at the end. Browser tests last (the
    shared Chromium's event loop must not meet other tests). The sort is stable: within a tier, tests keep the
    order of their files.

    An in-process test that uses no database is marked ``no_database``: it runs the same on SQLite and on
    PostgreSQL, so CI runs it once, in the SQLite tier (docs/testing.md)."""
    items.sort(key=_tier)
    for item in items:
        if _tier(item) in {_SLOW, _MIDDLE} and not _uses_database(item):
            item.add_marker(pytest.mark.no_database)
    if IN_CI:
        for item in items:
            if _tier(item) in {_FIRST, _LAST} and not item.get_closest_marker("benchmark"):
                # A browser or process test races real clocks on a loaded machine: in CI it gets one more
                # try, and the summary names every rerun (docs/testing.md). Failing twice fails the run.
                item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # pytest-xdist's hook; its own scheduler otherwise
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup``: the tests of a module that share its processes on one worker (``schedule.py``)."""
    return make_scheduler(config, log) if config.getvalue("dist") == "loadgroup" else None


class _LongTestsFirst:
    """Tests that start processes or run a benchmark first, the longest first (``kasse/testing/schedule.py``):
    a hook of its own, because it must sort after pytest-django's sort, which put them last."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        long_tests_first(items, {item: _tier(item) == _FIRST for item in items})


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Python's garbage collector took about a tenth of a test process's CPU: every 700 new objects a young
    collection, and each older one traversed what the process had imported and collected (Django, the models,
    2,000 test items), which lives until the process ends. So that is frozen once collected (``gc.freeze``:
    never traversed again), and young collections run every 10,000 objects (cyclic garbage waits a little
    longer; memory grows by a few megabytes). Measured on 299 tests in one process: 2.5 → 0.9 CPU s in the
    collector (docs/testing.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if _CHROMIUM.running and not _uses_browser(item):
        _CHROMIUM.stop()
    # Every test starts in the installation's language. A request with another Accept-Language leaves that
    # language active in the thread (LocaleMiddleware activates it and nothing deactivates it), and a later
    # test of the process that calls a service directly then got English where it checks the German text:
    # seen in CI once the order of the tests changed.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _CHROMIUM.stop()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if IN_CI and skipped and exitstatus == pytest.ExitCode.OK and not hasattr(session.config, "workerinput"):
        # CI proves everything it runs: a skipped test is a failed run (select with -m instead).
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def django_db_setup(  # noqa: PLR0917 - pytest-django's fixture, same arguments
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_use_migrations: bool,
    django_db_keepdb: bool,
    django_db_createdb: bool,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    """pytest-django's test databases, each a copy of the migrated template (``template_db.py``) instead of
    migrated in every test process; ``--no-migrations`` and ``--reuse-db`` work as pytest-django has them."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    from kasse.testing.template_db import test_databases_from_template

    keepdb = django_db_keepdb and not django_db_createdb
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    with django_db_blocker.unblock(), ExitStack() as stack:
        if django_db_use_migrations:
            stack.enter_context(test_databases_from_template())
        else:
            _disable_migrations()
        db_cfg = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases=aliases,  # type: ignore[arg-type]  # a set, as pytest-django passes it (the stubs say Mapping)
            serialized_aliases=serialized_aliases,
            keepdb=keepdb,
        )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            flush.end_other_sessions()
            flush.drop_by_force()
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failure's report even when pytest cannot show source around it. On Python 3.11 ``ast.parse`` (which
    pytest's long tracebacks use for each frame's statement) can raise ``SystemError: AST constructor
    recursion depth mismatch`` in a thread where Playwright's greenlets switched: the worker then crashed with
    an INTERNALERROR and the run lost the name and traceback of the test that failed. Such a failure is
    reported with Python's own traceback format (no source parsing) instead."""
    try:
        return (yield)
    except SystemError:
        style = item.config.option.tbstyle
        item.config.option.tbstyle = "native"
        try:
            return pytest.TestReport.from_item_and_call(item, call)
        finally:
            item.config.option.tbstyle = style


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """A cart's TSE start runs on a thread after the commit (``kasse.sales.fiscal_start``). One still writing
    when the next test begins locks SQLite's tables under that test ("database table is locked", seen in
    combined runs), and one writing while a transactional test's database is flushed can deadlock with the
    TRUNCATE on PostgreSQL. So every test waits for the starts it caused before its fixtures are torn down
    (this hook runs before the finalizers, which flush the database)."""
    module = sys.modules.get("kasse.sales.fiscal_start")
    if module is not None:
        module.wait_idle(timeout=10.0)


@pytest.fixture(scope="session", autouse=True)
def _worker_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Each xdist worker writes media and files into a data directory of its own."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker:
        yield
        return
    from django.conf import settings
    from django.test import override_settings

    data_dir = Path(settings.DATA_DIR) / worker
    data_dir.mkdir(parents=True, exist_ok=True)
    with override_settings(DATA_DIR=data_dir, MEDIA_ROOT=data_dir / "media"):
        yield


def pytest_report_header(config: pytest.Config) -> list[str]:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return [f"kasse: database engine {engine}"]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    terminalreporter.section("kasse: skipped tests")
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        terminalreporter.write_line(f"SKIPPED {report.nodeid}: {reason}")
    missing = [r for r in skipped if SERVICE_SKIP_PREFIX in str(r.longrepr)]
    if missing:
        terminalreporter.write_line(f"{len(missing)} test(s) skipped because a service was unavailable (CI runs them).")
    if IN_CI:
        terminalreporter.write_line(f"CI=true: {len(skipped)} skipped test(s) fail the run.")
