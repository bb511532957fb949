"""A store node restored from an old backup, and a store PC replaced while a shift was open: real cloud and
node processes (kasse.testing.sync_world). Before this, the restored node handed out receipt numbers the
cloud already held (every such sale quarantined), and a fresh install paired while a shift was open failed
every payment with HTTP 500; the old node was never retired."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request

import pytest

from kasse.sync.engine.protocol import PROTOCOL_VERSION
from kasse.testing.sync_world import World, paired_world, wait_until

pytestmark = pytest.mark.processes


@pytest.fixture
def world(tmp_path):
    with paired_world(tmp_path, products=8) as w:
        yield w


def _synced(world: World, sales: int) -> dict:
    wait_until(
        lambda: world.node_backlog() == 0 and world.report("cloud")["sales"] == sales,
        90,
        0.3,
        f"{sales} sales in the cloud",
    )
    return world.report("cloud")


def _copy_node_files(source, target) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in source.glob("kasse.sqlite3*"):
        shutil.copy2(path, target / path.name)


def _restore(world: World, backup) -> None:
    for path in world.node_db.parent.glob("kasse.sqlite3*"):
        path.unlink()
    _copy_node_files(backup, world.node_db.parent)


def _positions_checked(world: World) -> bool:
    rows = world.node_query("SELECT positions_checked_at, needs_positions FROM sync_nodestate")
    return bool(rows and rows[0][0] and not rows[0][1])


def _numbers(world: World) -> list[int]:
    (numbers,) = world.report("cloud")["numbers"].values()
    return numbers


def test_a_node_restored_from_an_old_backup_continues_after_the_clouds_numbers(world, tmp_path):
    world.script("store", "sell", "2", "2")
    _synced(world, 2)
    world.kill_node()
    _copy_node_files(world.node_db.parent, tmp_path / "backup")  # taken after receipt 2
    world.start_node(poll=0.5)
    world.script("store", "sell", "3", "2")  # receipts 3 to 5: not in the backup
    _synced(world, 5)
    world.kill_node()
    _restore(world, tmp_path / "backup")
    # The owner follows the guide: "kasse store restored" before starting; no number is handed out before
    # the cloud was asked.
    world.kasse("store", "restored")
    with pytest.raises(RuntimeError, match="aus einer Sicherung wiederhergestellt"):  # the node speaks German
        world.script("store", "sell", "1", "1")
    world.start_node(poll=0.5)
    wait_until(lambda: _positions_checked(world), 60, 0.2, "positions asked")
    sold = world.script("store", "sell", "2", "2").split()
    assert [int(sold[1]), int(sold[5])] == [6, 7]
    cloud = _synced(world, 7)
    assert _numbers(world) == [1, 2, 3, 4, 5, 6, 7]
    assert cloud["anomalies"] == 0


def test_a_restore_without_the_command_is_caught_up_when_the_node_starts(world, tmp_path):
    world.script("store", "sell", "1", "1")
    _synced(world, 1)
    world.kill_node()
    _copy_node_files(world.node_db.parent, tmp_path / "backup")
    world.start_node(poll=0.5)
    world.script("store", "sell", "2", "1")
    _synced(world, 3)
    world.kill_node()
    _restore(world, tmp_path / "backup")
    world.start_node(poll=0.5)  # the node asks the cloud first thing
    wait_until(
        lambda: (
            _positions_checked(world)
            and world.node_query("SELECT last_value FROM sales_registercounter WHERE kind = 'receipt'") == [(3,)]
        ),
        60,
        0.2,
        "caught up",
    )
    world.script("store", "sell", "1", "1")
    assert _synced(world, 4)["anomalies"] == 0
    assert _numbers(world) == [1, 2, 3, 4]


def test_a_replacement_pc_paired_while_a_shift_is_open_sells_on_and_the_old_node_is_retired(world, tmp_path):
    world.script("store", "sell", "3", "2")  # opens the shift, which stays open
    _synced(world, 3)
    old_token = world.node_query("SELECT token FROM sync_nodestate")[0][0]
    old_id = world.report("cloud")["active_nodes"]
    world.kill_node()  # the PC breaks
    shutil.move(str(world.node_db.parent), str(tmp_path / "broken-pc"))
    # A fresh install on the new PC: an empty directory, so `kasse store pair` migrates the node's database from
    # nothing with the store role, as on every new shop PC. This is the only test that does (every other World
    # copies the migrated template, which the cloud role built); it costs about 30 CPU s under CI's load, and a
    # migration that breaks only on a new node would otherwise reach shops unseen.
    world.node_db.parent.mkdir()
    code = json.loads(world.script("cloud", "node-code").strip().splitlines()[-1])["code"]
    world.pair_node(code=code)  # a fresh install on the new PC
    world.start_node(poll=0.5)
    sold = world.script("store", "sell", "3", "2").split()  # every payment works (was HTTP 500)
    assert [int(sold[1]), int(sold[5]), int(sold[9])] == [4, 5, 6]
    cloud = _synced(world, 6)
    assert cloud["anomalies"] == 0
    assert _numbers(world) == [1, 2, 3, 4, 5, 6]
    assert len(cloud["active_nodes"]) == 1  # one node serves the store ...
    assert cloud["active_nodes"] != old_id  # ... the new one
    request = urllib.request.Request(
        world.cloud_url() + "/sync/v1/positions",
        headers={"Authorization": f"Node {old_token}", "Kasse-Sync-Protocol": str(PROTOCOL_VERSION)},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310 - loopback
    assert refused.value.code == 401


def test_a_re_pair_onto_the_old_directory_sends_what_waited_and_continues_numbering(world, tmp_path):
    world.script("store", "sell", "2", "1")
    _synced(world, 2)
    world.stop_cloud()
    world.script("store", "sell", "2", "1")  # waiting on the node when its credential is lost
    world.kill_node()
    world.start_cloud()
    code = json.loads(world.script("cloud", "node-code").strip().splitlines()[-1])["code"]
    world.pair_node(code=code)  # onto the old data directory
    world.start_node(poll=0.5)
    world.script("store", "sell", "1", "1")
    cloud = _synced(world, 5)
    assert cloud["anomalies"] == 0
    assert _numbers(world) == [1, 2, 3, 4, 5]
