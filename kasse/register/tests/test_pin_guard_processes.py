"""Wrong PINs sent at the same moment to ``kasse cloud --workers 2`` on PostgreSQL are counted once each.

The count lives in locked database rows (``kasse/register/services/pin_guard.py``), so two worker
processes share it: of twelve wrong PINs racing from one register exactly five are answered as
wrong and the rest find the register locked. A per-process counter (the old cache without Redis)
let each worker count on its own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.db import connection

from kasse.testing.register_race import Till, post, race
from kasse.testing.sync_world import World

pytestmark = [pytest.mark.processes, pytest.mark.postgres]


def _setup(world: World) -> dict:
    done = subprocess.run([sys.executable, "-m", "kasse.testing.register_race", "setup", "1"],  # noqa: S603
                          env=world.env("cloud"), capture_output=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL=postgres://…): the race is about row locks "
                    "between worker processes, and SQLite serializes every write")
    world = World(tmp_path_factory.mktemp("pins"), postgres_url=os.environ["TEST_DATABASE_URL"])
    try:
        world.setup_cloud(products=1)
        info = _setup(world)
        world.start_cloud(workers=2)
        yield {"url": world.cloud_url(), "tills": [Till(**t) for t in info["tills"]]}
    finally:
        world.close()


def test_wrong_pins_racing_to_two_worker_processes_are_counted_once_each(cloud):
    import urllib.request

    till = cloud["tills"][0]
    post(cloud["url"], till, "/register/lock/now/", {})  # the owner switches out: the lock screen shows
    request = urllib.request.Request(cloud["url"] + "/register/lock/", headers=till.headers())  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback URL
        page = response.read().decode()
    owner = re.search(r'data-employee="([^"]+)"', page).group(1)
    answers = race([(cloud["url"], till, "/register/unlock/", {"employee": owner, "pin": "000000"})] * 12)
    statuses = sorted(status for status, _body in answers)
    assert statuses == [403] * 5 + [429] * 7
