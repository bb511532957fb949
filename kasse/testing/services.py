"""Tests that need an outside service (PostgreSQL, Redis, Chromium) ask for it here.

Without the service a test is skipped with the reason ``service unavailable:``;
in CI (``CI=true``) that is a failure instead, so nothing is silently skipped.
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SERVICE_SKIP_PREFIX = "service unavailable:"


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def need_service(name: str, available: bool, hint: str) -> None:
    if available:
        return
    message = f"{SERVICE_SKIP_PREFIX} {name} ({hint})"
    if IN_CI:
        pytest.fail(message + " — CI requires every service", pytrace=False)
    pytest.skip(message)


def require_redis() -> str:
    url = os.environ.get("KASSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    need_service("Redis", _port_open("127.0.0.1", 6379), "start redis-server on 127.0.0.1:6379")
    return url


CHROMIUM = os.environ.get("KASSE_CHROMIUM", "/usr/bin/chromium")


def require_chromium() -> str:
    available = os.path.exists(CHROMIUM) or shutil.which("chromium") is not None
    need_service("Chromium", available, "apt-get install chromium")
    return CHROMIUM if os.path.exists(CHROMIUM) else str(shutil.which("chromium"))
