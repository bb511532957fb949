"""A real cloud and a real store node with a fault-injecting TCP proxy between them: the node's sync loop
survives answers broken anywhere after the cloud committed and feed rows it cannot apply, says so (its own
status, ``kasse store status``, the cloud's node page), and every sale arrives exactly once.
"""

from __future__ import annotations

import json

import pytest

from kasse.sync.tests.test_processes import _assert_same_sales, _gapless
from kasse.testing.fault_proxy import FaultProxy
from kasse.testing.sync_world import World, set_up_world, wait_until

pytestmark = pytest.mark.processes

ONE_ROUND_FAULTS = (
    "in_status_line",
    "in_headers",
    "no_body",
    "mid_body",
    "body_but_one",
    "after_body",
    "reset",
    "bad_status_line",
)


@pytest.fixture
def world(tmp_path):
    with set_up_world(tmp_path, products=12) as w:
        w.start_cloud(wait=False)  # the node starts meanwhile (it pairs once the cloud answers)
        yield w


def _node_health(world: World) -> dict:
    return next(iter(json.loads(world.script("cloud", "node-health").strip().splitlines()[-1]).values()))


def test_the_node_survives_broken_answers_and_feed_rows_it_cannot_apply(world):
    with FaultProxy(world.cloud_ports[0]) as proxy:
        world.start_node(poll=0.5, pair_url=proxy.url)  # pairs through the proxy, then runs
        world.wait_for_cloud()
        # When the answer to a push breaks, once, at each place (the cloud stored the sales before answering)
        for fault in ONE_ROUND_FAULTS:
            proxy.arm("/sync/v1/push", fault, times=1)
            world.script("store", "sell", "2", "2")
            wait_until(lambda fault=fault: proxy.count(fault) == 1, 60, 0.2, f"{fault} applied")
            # Then the node's loop lives on and sends them again (the cloud answers duplicate)
            wait_until(lambda: world.node_backlog() == 0, 60, 0.2, f"outbox empty after {fault}")
        assert world.node_proc is not None
        assert world.node_proc.poll() is None

        # When every push answer is cut off mid-body
        proxy.arm("/sync/v1/push", "mid_body", times=-1)
        world.script("store", "sell", "1", "2")
        # Then the node keeps the error and since when, `kasse store status` fails, and the cloud's page shows it
        wait_until(
            lambda: "cut off" in (world.node_query("SELECT last_error FROM sync_nodestate")[0][0] or ""),
            60,
            0.2,
            "node notes the error",
        )
        code, status = world.store_status()
        assert code == 1
        assert "error" in status["problems"]
        assert status["error_since"] is not None
        assert status["last_error"].startswith("cloud unreachable: the answer was cut off after ")
        wait_until(lambda: _node_health(world)["failing"], 60, 0.5, "the cloud's node page shows the error")
        assert "cut off" in _node_health(world)["last_error"]
        # When the line is healthy again, everything goes up and the error is over
        proxy.disarm()
        wait_until(lambda: world.node_backlog() == 0, 60, 0.2, "outbox empty after the standing fault")
        wait_until(lambda: world.store_status()[0] == 0, 60, 0.5, "status healthy again")

        # When the cloud's feed carries rows this node cannot apply, and a price change behind them
        good = world.script("cloud", "inject-feed").strip().splitlines()[-1]
        world.script("store", "sell", "3", "2")
        # Then the rows are set aside, the price change is applied, and the sales still go up
        wait_until(
            lambda: world.node_query("SELECT COUNT(*) FROM sync_setasideevent")[0][0] == 3,
            60,
            0.2,
            "feed rows set aside",
        )
        product = json.loads(good)["good_product"].replace("-", "")
        wait_until(
            lambda: str(world.node_query("SELECT price FROM catalog_product WHERE id = ?", (product,))[0][0]) == "7.77",
            60,
            0.2,
            "good price applied",
        )
        wait_until(lambda: world.node_backlog() == 0, 60, 0.2, "outbox empty with rows set aside")
        code, status = world.store_status()
        assert code == 1
        assert status["problems"] == ["feed_set_aside"]
        assert status["feed_set_aside"] == 3
        wait_until(lambda: _node_health(world)["set_aside"] == 3, 60, 0.5, "the cloud's page shows them")

    cloud = world.report("cloud")
    node = world.report("store")
    assert node["sales"] == 2 * len(ONE_ROUND_FAULTS) + 1 + 3
    _assert_same_sales(node, cloud)
    _gapless(cloud)
