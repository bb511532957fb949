"""Sync between a real cloud process and a real store node process, with faults.

Each test starts ``kasse cloud`` and ``kasse store`` as processes on loopback
with their own databases (kasse.testing.sync_world). When the suite runs on
PostgreSQL the cloud does too.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from kasse.testing.services import require_redis
from kasse.testing.sync_world import World, set_up_world, wait_until

pytestmark = pytest.mark.processes


@pytest.fixture
def world(tmp_path):
    with set_up_world(tmp_path, products=12) as w:
        yield w


def _synced(world: World) -> dict:
    """Wait until the node's outbox is empty; returns the cloud's report."""
    wait_until(lambda: world.node_backlog() == 0, 60, 0.2, "outbox empty")
    return world.report("cloud")


def _assert_same_sales(node: dict, cloud: dict) -> None:
    assert cloud["ids"] == node["ids"]  # every sale exactly once
    assert cloud["total"] == node["total"]  # to the cent
    assert cloud["lines"] == node["lines"]
    assert cloud["numbers"] == node["numbers"]
    assert cloud["anomalies"] == 0


def _gapless(report: dict) -> None:
    for numbers in report["numbers"].values():
        assert numbers == list(range(1, len(numbers) + 1))


def test_sales_made_while_the_cloud_is_down_arrive_exactly_once(world):
    world.start_cloud(wait=False)
    world.start_node(poll=0.5, pair_url=world.cloud_url())  # pairs once the cloud answers, then runs
    world.stop_cloud()
    sold = world.script("store", "sell", "25", "3").splitlines()
    assert len(sold) == 25  # the cashier never waited on the internet
    assert world.node_backlog() >= 25
    wait_until(
        lambda: "unreachable" in (world.node_query("SELECT last_error FROM sync_nodestate")[0][0] or ""),
        15,
        0.2,
        "node notices the cloud is down",
    )
    world.start_cloud()  # same port: the internet is back
    cloud = _synced(world)
    node = world.report("store")
    assert node["sales"] == 25
    _assert_same_sales(node, cloud)
    _gapless(cloud)


def test_a_price_change_in_the_cloud_reaches_the_node_through_the_nudge(world):
    world.start_cloud(wait=False)
    world.start_node(
        poll=60, pair_url=world.cloud_url()
    )  # no polling to speak of: only the WebSocket nudge can bring it in time
    product = world.setup_info["products"][0]
    time.sleep(1.0)  # the node's WebSocket connects
    started = time.monotonic()
    world.api("PATCH", f"/api/v1/products/{product}", {"price": "9.99"})
    wait_until(
        lambda: (
            world.node_query("SELECT price FROM catalog_product WHERE id = ?", (product.replace("-", ""),))[0][0]
            in {"9.99", 9.99}
        ),
        5,
        0.02,
        "price on the node",
    )
    assert time.monotonic() - started < 5


def test_killing_the_node_during_checkout_and_sync_loses_and_duplicates_nothing(world):
    world.start_cloud(wait=False)
    world.start_node(poll=0.2, pair_url=world.cloud_url())
    rng = random.Random(4)
    for _round in range(4):
        seller = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "kasse.testing.world_commands", "sell", "400", "5"],
            env=world.env("store"),
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        # Counted in sales, not seconds: a loaded machine may take seconds to start the seller at all.
        assert seller.stdout is not None
        for _sale in range(rng.randint(3, 30)):
            assert seller.stdout.readline().startswith(b"sold ")
        time.sleep(rng.uniform(0, 0.2))
        os.killpg(seller.pid, signal.SIGKILL)  # mid-checkout, somewhere
        seller.wait()
        seller.stdout.close()
        world.kill_node()  # mid-sync, somewhere
        world.start_node(poll=0.2)
    node = world.report("store")
    assert node["sales"] > 0
    _gapless(node)
    sale_records = world.node_query("SELECT COUNT(*) FROM sync_outboxrecord WHERE kind = 'sale'")[0][0]
    assert sale_records == node["sales"]  # each committed sale has its outbox record, none without
    cloud = _synced(world)
    _assert_same_sales(node, cloud)


def test_a_revoked_node_stops_syncing_at_once(world):
    world.start_cloud(wait=False)
    world.start_node(poll=0.3, pair_url=world.cloud_url())
    world.script("cloud", "revoke")
    world.script("store", "sell", "2", "1")
    wait_until(lambda: world.node_query("SELECT revoked FROM sync_nodestate")[0][0] == 1, 15, 0.2, "revoked")
    assert world.report("cloud")["sales"] == 0
    assert world.node_backlog() >= 2  # kept, not lost: visible on the node


def test_two_cloud_processes_pass_nudges_through_redis(tmp_path):
    redis_url = require_redis()
    with set_up_world(tmp_path, products=3, redis_url=redis_url) as world:
        world.start_cloud(count=2, wait=False)
        world.start_node(poll=60, pair_url=world.cloud_url(1))  # the node talks to the second process ...
        world.wait_for_cloud()
        time.sleep(1.0)
        product = world.setup_info["products"][1]
        world.api("PATCH", f"/api/v1/products/{product}", {"price": "4.44"}, index=0)  # ... the owner to the first
        wait_until(
            lambda: (
                world.node_query("SELECT price FROM catalog_product WHERE id = ?", (product.replace("-", ""),))[0][0]
                in {"4.44", 4.44}
            ),
            5,
            0.02,
            "price on the node via the other cloud process",
        )
