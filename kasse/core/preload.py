"""Load what a server's first requests would otherwise import, before it serves (``kasse cloud``).

Django imports a view module when a URL first resolves to it and an app's background tasks when something
first enqueues one. In a fresh server process the first requests pay for those imports: the first push of
a store node's backlog imported the notification tasks, and with them the Web Push and HTTP client libraries
(about 0.2 s of CPU on a quiet machine, 0.6 s under load), while the node waited for its answer. A server
preloads its application instead: ``kasse cloud`` sets ``KASSE_PRELOAD`` and each worker process runs
:func:`preload` when it imports the ASGI application (``kasse/asgi.py``). The store node does the same
before its sync loop starts (``kasse store run``).
"""

from __future__ import annotations

import logging
from importlib import import_module

from django.apps import apps
from django.urls import get_resolver
from django.utils.module_loading import module_has_submodule

log = logging.getLogger(__name__)

ENVIRONMENT = "KASSE_PRELOAD"  # set by ``kasse cloud`` for its worker processes


def preload() -> None:
    """Import every view (the URL configuration) and every app's ``tasks`` module. Never fails the server:
    what cannot be loaded now is loaded, or fails, at its first use as before."""
    try:
        get_resolver().url_patterns  # noqa: B018 - reading it imports every view module
        for config in apps.get_app_configs():
            if config.name.startswith("kasse.") and module_has_submodule(config.module, "tasks"):
                import_module(f"{config.name}.tasks")
    except Exception:
        log.exception("preloading the application failed; its parts load at their first use")
