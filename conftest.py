"""Project-wide pytest fixtures: tenants, users, logged-in clients."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django_scopes import scope, scopes_disabled

from kasse.testing.factories import (
    OrganizationFactory,
    RegisterFactory,
    StoreFactory,
    owner_user,
)
from kasse.testing.services import SERVICE_SKIP_PREFIX


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def store(organization):
    return StoreFactory(organization=organization, name="Filiale Mitte")


@pytest.fixture
def register(store):
    return RegisterFactory(store=store, organization=store.organization, number=1)


@pytest.fixture
def owner(organization, store):
    return owner_user(organization, email="owner@example.org")


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def in_scope(organization):
    """Run the test body inside the organization's scope, as a request would."""
    with scope(organization=organization):
        yield organization


@pytest.fixture
def no_scopes():
    with scopes_disabled():
        yield


def pytest_report_header(config):  # type: ignore[no-untyped-def]
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return [f"kasse: database engine {engine}"]


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    terminalreporter.section("kasse: skipped tests")
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        terminalreporter.write_line(f"SKIPPED {report.nodeid}: {reason}")
    missing = [r for r in skipped if SERVICE_SKIP_PREFIX in str(r.longrepr)]
    if missing:
        terminalreporter.write_line(
            f"{len(missing)} test(s) skipped because a service was unavailable (CI runs them)."
        )


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def browser():
    """Chromium for one test. Not session-wide: Playwright's sync API keeps an event loop running
    in the main thread while it is open, which would leak into every later test."""
    from kasse.testing.browser import chromium_browser

    with chromium_browser() as b:
        yield b


@pytest.fixture
def page(browser):
    """A fresh browser context and page (German locale, 1280×800)."""
    # bypass_csp: Playwright's wait_for_function evaluates its predicate as a string, which the pages'
    # Content-Security-Policy refuses; the policy itself is checked in kasse/tests/test_csp.py with a context
    # that does not bypass it.
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 800}, bypass_csp=True)
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()
