"""Printing through the store node with real processes: a cloud (with its own print worker running), a paired
node, and virtual printers on 127.0.0.1. Jobs queued in the cloud print on the node's printers exactly once,
their outcome and the printers' status come back to the cloud, and the cloud never prints them itself."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from kasse.hardware.virtual.label_printer import VirtualLabelPrinter
from kasse.hardware.virtual.network_printer import PrinterState as VirtualState
from kasse.hardware.virtual.network_printer import VirtualNetworkPrinter
from kasse.testing.sync_world import World, paired_world, wait_until

pytestmark = pytest.mark.processes


@pytest.fixture
def world(tmp_path):
    with paired_world(tmp_path, products=3) as w:
        yield w


@pytest.fixture
def cloud_print_worker(world):
    """``kasse printworker`` next to the cloud's database, looking for jobs ten times a second."""
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "kasse.cli", "printworker", "--idle", "0.1", "--status-every", "1"],
        env=world.env("cloud"),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    time.sleep(1.0)
    yield proc
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(10)


def _json(world: World, role: str, *args: str) -> dict:
    return dict(json.loads(world.script(role, *args).strip().splitlines()[-1]))


def _cloud_job(world: World, job_id: str) -> dict:
    return _json(world, "cloud", "print-report")["jobs"][job_id]


def test_a_test_page_from_the_cloud_prints_once_on_the_node_and_its_outcome_comes_back(world, cloud_print_worker):
    with VirtualNetworkPrinter(0, idle_timeout=5) as virtual:
        printer = _json(world, "cloud", "printer", "receipt", str(virtual.port))["printer"]
        queued = _json(world, "cloud", "test-page", printer)
        assert queued["on_node"] is True
        [job] = virtual.wait_for_jobs(1, timeout=20)
        assert "Testseite" in job.text
        wait_until(lambda: _cloud_job(world, queued["job"])["status"] == "done", 20, 0.2, "done in the cloud")
        states = wait_until(
            lambda: _json(world, "cloud", "print-report")["states"].get(printer),
            20,
            0.2,
            "the node's printer state in the cloud",
        )
        assert (states["health"], states["reachable"]) == ("ok", True)
        # The cloud's own worker ran all along and neither printed it nor asked the printer.
        time.sleep(1.5)
        assert len(virtual.jobs) == 1
        assert cloud_print_worker.poll() is None

        # Paper out at the shop: the next page waits on the node and the cloud shows why.
        virtual.state = VirtualState.PAPER_OUT
        second = _json(world, "cloud", "test-page", printer)["job"]
        wait_until(lambda: _cloud_job(world, second)["error"] == "paper_out", 20, 0.2, "waiting for paper")
        assert _cloud_job(world, second)["status"] == "queued"
        wait_until(
            lambda: _json(world, "cloud", "print-report")["states"][printer]["paper_out"] is True,
            20,
            0.2,
            "paper out shown in the cloud",
        )
        virtual.state = VirtualState.ONLINE
        wait_until(lambda: _cloud_job(world, second)["status"] == "done", 30, 0.2, "printed after the paper came")
        assert len(virtual.wait_for_jobs(2, timeout=5)) == 2


def test_shelf_labels_from_the_back_office_print_on_the_nodes_zebra(world):
    with VirtualLabelPrinter(0, idle_timeout=5) as zebra:
        printer = _json(world, "cloud", "printer", "label", str(zebra.port), "zpl")["printer"]
        queued = _json(world, "cloud", "labels", printer, "2")
        [label] = zebra.wait_for_labels(1, timeout=20)
        assert label.text_values[0] == queued["product"]
        assert label.copies == 2
        wait_until(lambda: _cloud_job(world, queued["job"])["status"] == "done", 20, 0.2, "done in the cloud")
        assert b"~HS" in zebra.status_queries  # asked before it printed
        node = _json(world, "store", "print-report")
        assert node["jobs"][queued["job"]]["status"] == "done"
