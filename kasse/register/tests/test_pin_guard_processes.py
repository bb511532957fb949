"""Wrong PINs sent at the same moment to ``kasse cloud --workers 2`` on PostgreSQL are counted once each.

The count lives in locked database rows (``kasse/register/services/pin_guard.py``), so two worker
processes share it: of twelve wrong PINs racing from one register exactly five are answered as
wrong and the rest find the register locked. A per-process counter (the old cache without Redis)
let each worker count on its own.
"""

from __future__ import annotations

import re

import pytest

from kasse.testing.register_race import post, race, racing_cloud

pytestmark = [pytest.mark.processes, pytest.mark.postgres]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    with racing_cloud(tmp_path_factory.mktemp("pins"), products=1, rounds=1) as info:
        yield info


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
