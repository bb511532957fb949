"""A store node signing for its register, with a real cloud and a real node process (kasse.testing.sync_world):
the TSE comes down without its key, the node asks the cloud for it, signs, and the records go up; with the
cloud down a freshly started process cannot get the key, sells on unsigned, and the outage goes up ended."""

from __future__ import annotations

import json

import pytest

from kasse.testing.sync_world import World, set_up_world, wait_until

pytestmark = pytest.mark.processes


@pytest.fixture
def world(tmp_path):
    with set_up_world(tmp_path, products=4) as w:
        yield w


def _sell_signed(world: World, count: int) -> list[str]:
    """``count`` sales on the node, each signed as the register does: ``["1 Signed", ...]``."""
    lines = world.script("store", "sell-signed", str(count)).splitlines()
    return [line.removeprefix("tse ") for line in lines if line.startswith("tse ")]


def _fiscal(world: World, role: str) -> dict:
    return json.loads(world.script(role, "fiscal-report"))


def test_a_node_signs_for_its_register_and_its_records_and_outage_reach_the_cloud(world):
    world.start_cloud(wait=False)
    world.start_node(poll=0.5, pair_url=world.cloud_url())
    json.loads(world.script("cloud", "tse"))
    wait_until(
        lambda: world.node_query("SELECT count(*) FROM fiscal_tseclientregistration")[0][0] >= 1,
        30,
        0.2,
        "the TSE and its clients reach the node",
    )
    # The node's replica holds the device without its key
    assert _fiscal(world, "store")["device_secrets"] == [False]
    # Signed on the node with the key from the cloud
    assert _sell_signed(world, 3) == ["1 Signed", "2 Signed", "3 Signed"]
    # The cloud goes away; a freshly started process cannot get the key: unsigned, outage, sold anyway
    world.stop_cloud()
    assert _sell_signed(world, 2) == ["4 Unsigned", "5 Unsigned"]
    node = _fiscal(world, "store")
    assert [o["ended"] for o in node["outages"]] == [False]
    assert "did not hand over the TSE credentials" in node["outages"][0]["detail"]
    # The cloud is back: the next sale is signed and ends the outage; everything arrives once
    world.start_cloud()
    assert _sell_signed(world, 1) == ["6 Signed"]
    wait_until(lambda: world.node_backlog() == 0, 60, 0.2, "outbox empty")
    cloud = _fiscal(world, "cloud")
    node = _fiscal(world, "store")
    # The opening float (AVTransfer) and four sales signed, start and finish each; two sales unsigned
    assert cloud["records"] == node["records"] == {"signed": 10, "failed": 4}
    assert cloud["counters"] == node["counters"] == list(range(1, 11))  # gapless, counted on the node
    assert cloud["outages"] == node["outages"]
    assert [(o["reason"], o["ended"]) for o in cloud["outages"]] == [("unreachable", True)]
    assert world.report("cloud")["sales"] == 6
