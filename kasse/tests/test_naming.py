"""One naming convention for views and URLs in every app (docs/architecture.md, "Views and URLs"): URL names in
kebab case under a namespace that is an app's label, alone or with the surface it serves; URL modules named
by their surface."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

KASSE = Path(__file__).resolve().parents[1]
KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
SURFACES = {"backoffice", "register", "node", "public", "centre", "v1"}
# Namespaces of one surface that are not an app's label (docs/architecture.md names each).
OWN = {"backoffice", "signup", "digital-receipt"}
# The REST API's operation ids are the OpenAPI schema's (django-ninja names them after the functions).
API = "api-v1"


def _named(resolver: URLResolver, namespace: list[str]) -> list[tuple[str, str]]:
    found = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            found += _named(pattern, namespace + ([pattern.namespace] if pattern.namespace else []))
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((":".join(namespace), pattern.name))
    return found


def test_url_names_are_kebab_case_under_an_apps_namespace():
    labels = {config.label for config in apps.get_app_configs() if config.name.startswith("kasse.")}
    names = _named(get_resolver(), [])
    assert len(names) > 200
    wrong_names = [f"{ns}:{name}" for ns, name in names if ns != API and not KEBAB.fullmatch(name)]
    assert wrong_names == []
    namespaces = {ns for ns, _ in names if ns}
    wrong_namespaces = sorted(
        ns
        for ns in namespaces
        if ns not in OWN
        and ns not in labels
        and not (ns.rsplit("-", 1)[0] in labels and ns.rsplit("-", 1)[-1] in SURFACES)
    )
    assert wrong_namespaces == []


def test_url_modules_are_named_by_their_surface():
    url_modules = [p for p in KASSE.rglob("*urls.py") if "tests" not in p.parts and p.parent != KASSE]
    assert url_modules
    wrong = sorted(
        str(p.relative_to(KASSE))
        for p in url_modules
        if not (p.name == "urls.py" or re.fullmatch(r"[a-z_]+_urls\.py", p.name))
        or (p.name == "urls.py" and p.parent.name not in {"api", "backoffice", "cloud"})
    )
    assert wrong == []
