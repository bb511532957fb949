"""``kasse cloud``'s worker processes load every view and every app's tasks before they serve, so the first
requests (a store node's backlog among them) do not pay for those imports (kasse/core/preload.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = """
import json, sys
import django
django.setup()
import kasse.asgi  # what uvicorn imports in each worker
print(json.dumps({name: name in sys.modules for name in sys.argv[1:]}))
"""
LOADED_LATE = ["kasse.notifications.tasks", "kasse.sync.cloud.views", "kasse.backoffice.views"]


def _loaded(preload: bool, tmp_path) -> dict[str, bool]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KASSE_PRELOAD", "PYTEST"))}
    env.update({"DJANGO_SETTINGS_MODULE": "kasse.settings", "KASSE_ROLE": "cloud", "KASSE_DATA_DIR": str(tmp_path)})
    if preload:
        env["KASSE_PRELOAD"] = "1"
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", PROBE, *LOADED_LATE], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_a_cloud_worker_loads_views_and_tasks_before_it_serves(tmp_path):
    assert _loaded(preload=True, tmp_path=tmp_path) == dict.fromkeys(LOADED_LATE, True)
    # Without it (tests, management commands) they load at their first use, as before
    assert _loaded(preload=False, tmp_path=tmp_path) == dict.fromkeys(LOADED_LATE, False)


@pytest.mark.django_db
def test_kasse_cloud_asks_its_workers_to_preload(monkeypatch):
    import uvicorn
    from django.core.management import call_command

    seen: dict[str, str | None] = {}
    monkeypatch.setattr(uvicorn, "run", lambda **config: seen.update(preload=os.environ.get("KASSE_PRELOAD")))
    monkeypatch.delenv("KASSE_PRELOAD", raising=False)
    call_command("cloud", "--port", "8123")
    assert seen == {"preload": "1"}
