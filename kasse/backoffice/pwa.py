"""The back office as an installable app (PWA): its manifest, its service worker and the page shown offline.

The service worker is served from ``/sw.js`` (not under ``/static/``) so that its scope is the whole site; its
source is ``kasse/static/kasse/sw.js``. Icons are drawn by ``scripts/make-icons.py`` and committed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

SERVICE_WORKER = Path(__file__).resolve().parent.parent / "static" / "kasse" / "sw.js"
THEME = "#0b6e4f"  # --accent in backoffice.css
BACKGROUND = "#f5f6f8"


@cache
def _service_worker() -> bytes:
    return SERVICE_WORKER.read_bytes()


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The Web App Manifest: installable from the home screen, opening the back office full screen."""
    icons = [
        {"src": static("kasse/icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": static("kasse/icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {"src": static("kasse/icons/maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
    ]
    data = {
        "id": "/",
        "name": "kasse",
        "short_name": "kasse",
        "description": _("Sales, stock, customers and notifications of your shop"),
        "lang": get_language() or "de",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "background_color": BACKGROUND,
        "theme_color": THEME,
        "icons": icons,
        "shortcuts": [
            {"name": _("Notifications"), "url": "/notifications/"},
            {"name": _("Reports"), "url": "/reports/"},
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_service_worker(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # browsers check for a new one on every visit
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """What the installed app shows when it is opened without a connection (cached by the service worker)."""
    return render(request, "backoffice/offline.html")
