"""The map of layers in docs/architecture.md, enforced: a forbidden import fails here.

Read from the source with ``ast`` (nothing is imported), counting imports inside
functions too (a lazy import is still a dependency); imports under
``if TYPE_CHECKING:`` are types only and do not count. Tests, migrations,
``kasse/testing`` and ``kasse/demo`` are outside the rules (they may use
anything); no product module may import those two.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

KASSE = Path(__file__).resolve().parents[1]

# Which apps the domain layer (models, services, selectors, syncing, everything that is not a web
# module) of an app may import, besides its own. The order is the map's: core and hardware at the
# bottom, the sync engine and tenancy next, then catalog and customers, inventory, sales, the device
# apps, the register, the surfaces.
DOMAIN_MAY_IMPORT: dict[str, set[str]] = {
    "hardware": set(),  # a driver library: no Django, no kasse (test_no_django.py)
    "core": set(),
    "tenancy": {"core", "sync"},
    "sync": {"core", "tenancy", "customers", "sales"},  # its back-office selectors read customers and sales
    # Events and webhooks: everything that publishes imports it, so it knows no app above tenancy.
    "notifications": {"core", "tenancy"},
    "catalog": {"core", "tenancy", "sync", "notifications"},
    "customers": {"core", "tenancy", "sync", "notifications"},
    "inventory": {"core", "tenancy", "sync", "catalog"},
    "promotions": {"core", "tenancy", "sync", "catalog", "loyalty"},
    "fiscal": {"core", "tenancy", "sync", "hardware"},
    "loyalty": {"core", "tenancy", "sync", "catalog", "customers"},
    "vouchers": {"core", "tenancy", "sync", "catalog"},
    "marketing": {"core", "tenancy", "sync", "catalog", "customers", "loyalty", "sales"},
    "sales": {
        "core",
        "tenancy",
        "sync",
        "hardware",
        "catalog",
        "customers",
        "inventory",
        "fiscal",
        "loyalty",
        "notifications",
        "promotions",
        "vouchers",
    },
    "printing": {"core", "tenancy", "sync", "hardware", "catalog", "sales", "fiscal"},
    "peripherals": {"core", "tenancy", "sync", "hardware"},
    "payments": {"core", "tenancy", "sync", "hardware", "sales", "printing", "peripherals", "fiscal"},
    "register": {
        "core",
        "tenancy",
        "sync",
        "hardware",
        "catalog",
        "customers",
        "inventory",
        "loyalty",
        "marketing",
        "promotions",
        "sales",
        "fiscal",
        "printing",
        "peripherals",
        "payments",
        "vouchers",
    },
    "api": {"core", "tenancy", "sync", "catalog", "customers", "inventory", "sales", "notifications"},
    "bookkeeping": {"core", "tenancy", "sync", "hardware", "sales", "printing", "fiscal"},
    "reports": {"core", "tenancy", "catalog", "sales"},
    "backoffice": {
        "core",
        "tenancy",
        "sync",
        "catalog",
        "customers",
        "inventory",
        "loyalty",
        "marketing",
        "promotions",
        "sales",
        "fiscal",  # the Übersicht's alerts read TSE outages (docs/architecture.md: everything above except api)
        "notifications",  # the alerts are published as events (alert_events)
        "printing",
        "peripherals",
        "payments",
        "register",
        "vouchers",
    },
}
OUTSIDE_THE_RULES = {"testing", "demo"}

# Web modules: what serves a request or a socket. They may import any app's domain layer, but another
# app's web modules only through these entry points.
WEB_MODULE = re.compile(
    r"^(views|\w+_views|urls|\w+_urls|forms|consumers?|\w+_consumers?|templatetags|routing"
    r"|access|middleware|context_processors|management)$"
)
WEB_ENTRY_POINTS = {
    "kasse.backoffice.access",  # backoffice_view: every back-office page's login and capability check
    "kasse.register.access",  # register_view: every register page's device and cashier check
    "kasse.tenancy.middleware",  # the session key of the active organization
    "kasse.sync.cloud.access",  # node_endpoint: an app's own store-node endpoint (the fiscal credentials)
    "kasse.core.management.commands.cloud",  # kasse store serves with the same uvicorn options
}

# Imports against the map that are there for a reason (module -> imported module prefix).
EXCEPTIONS = {
    ("kasse.core.audit", "kasse.sync.engine.changes"),  # an audit entry is recorded for sync in its transaction
    ("kasse.core.syncing", "kasse.sync.engine.registry"),  # core declares how its own tables sync
    ("kasse.core.media", "kasse.catalog.models"),  # the media view checks who may see a product image
    ("kasse.core.media", "kasse.register.services.pairing"),  # ... or a paired register's device cookie
    ("kasse.tenancy.middleware", "kasse.api.tokens"),  # the tenant of a request: an API token
    ("kasse.tenancy.middleware", "kasse.register.services.pairing"),  # ... or a paired register
}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(KASSE.parent).with_suffix("").parts).removesuffix(".__init__")


def app_of(module: str) -> str:
    return module.split(".")[1]


def is_web(module: str) -> bool:
    return any(WEB_MODULE.match(part) for part in module.split(".")[2:])


def product_modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(KASSE.rglob("*.py")):
        parts = path.relative_to(KASSE).parts
        if len(parts) < 2 or "tests" in parts or "migrations" in parts or parts[0] in OUTSIDE_THE_RULES:
            continue
        yield module_name(path), path


def runtime_imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every ``kasse.*`` module the file imports, with its line, except under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(child) for child in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            if name.startswith("kasse.") and name.count(".") >= 1:
                yield name, node.lineno


def forbidden(module: str, imported: str) -> str | None:
    """Why ``module`` must not import ``imported``, or None."""
    source_app, target_app = app_of(module), app_of(imported)
    if any(module == m and imported.startswith(prefix) for m, prefix in EXCEPTIONS):
        return None
    if target_app in OUTSIDE_THE_RULES:
        if module.endswith(".isolation") and target_app == "testing":
            return None  # each app's isolation cases are test support
        return f"product code imports kasse.{target_app}"
    if module.endswith(".isolation") or source_app == target_app:
        return None
    if target_app not in DOMAIN_MAY_IMPORT:
        return f"kasse.{target_app} is not on the map (docs/architecture.md, DOMAIN_MAY_IMPORT)"
    if is_web(imported):
        if imported in WEB_ENTRY_POINTS and is_web(module):
            return None
        return "another app's web module (views, urls, forms, consumers ...)"
    if is_web(module):
        return None
    if target_app not in DOMAIN_MAY_IMPORT[source_app]:
        return f"kasse.{source_app}'s domain layer may not import kasse.{target_app}"
    return None


def test_every_app_is_on_the_map():
    apps = {p.name for p in KASSE.iterdir() if (p / "__init__.py").exists() and p.name != "tests"}
    missing = apps - set(DOMAIN_MAY_IMPORT) - OUTSIDE_THE_RULES
    assert not missing, f"add these apps to the map (docs/architecture.md) and DOMAIN_MAY_IMPORT: {missing}"


@pytest.mark.slow
def test_imports_follow_the_map():
    found, checked = [], 0
    for module, path in product_modules():
        if app_of(module) not in DOMAIN_MAY_IMPORT:
            continue  # test_every_app_is_on_the_map names it
        checked += 1
        for imported, line in runtime_imports(path):
            reason = forbidden(module, imported)
            if reason:
                found.append(f"{path.relative_to(KASSE.parent)}:{line} imports {imported}: {reason}")
    assert checked > 150  # the walk found the product modules
    assert found == []


@pytest.mark.parametrize(
    ("module", "imported", "allowed"),
    [
        ("kasse.catalog.services", "kasse.sales.models", False),  # upward: catalog is below sales
        ("kasse.sales.services.checkout", "kasse.catalog.models", True),
        ("kasse.sales.services.checkout", "kasse.register.views", False),  # a web module of another app
        ("kasse.catalog.models", "kasse.catalog.views", True),  # same app: the map is between apps
        ("kasse.printing.register_views", "kasse.register.access", True),  # an entry point
        ("kasse.printing.services", "kasse.register.access", False),  # ... but only from a web module
        ("kasse.register.views", "kasse.printing.views", False),
        ("kasse.register.views", "kasse.peripherals.pole", True),  # web may use any app's domain layer
        ("kasse.core.money", "kasse.tenancy.models", False),
        ("kasse.hardware.printers.escpos_render", "kasse.core.money", False),
        ("kasse.catalog.services", "kasse.demo.seed", False),
        ("kasse.catalog.views", "kasse.testing.factories", False),
        ("kasse.catalog.isolation", "kasse.testing.isolation", True),
        ("kasse.catalog.services", "kasse.newapp.models", False),
    ],
)
def test_the_rules_refuse_what_the_map_forbids(module, imported, allowed):
    assert (forbidden(module, imported) is None) is allowed


def test_type_checking_imports_do_not_count(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from kasse.sales.models import Sale\n"
        "def f():\n    from kasse.register.views import main\n"
    )
    assert list(runtime_imports(source)) == [("kasse.register.views", 5)]
