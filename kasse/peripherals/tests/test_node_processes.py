"""A real cloud and a real store node: a scanner and a pole display set up in the cloud's back office reach
the node through the change feed; the node's runner opens them, sends scans to the register page served by
the node and shows the test text the cloud asked for; their status, the last scan and the text shown come
back to the cloud's back office."""

from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest
from websockets.sync.client import connect

from kasse.hardware.displays.virtual_pole_display import VirtualPoleDisplay
from kasse.hardware.scanners.virtual_scanner import VirtualSerialScanner
from kasse.register.services.pairing import DEVICE_COOKIE
from kasse.testing.sync_world import World, paired_world, wait_until

pytestmark = pytest.mark.processes


@pytest.fixture
def world(tmp_path):
    with paired_world(tmp_path, products=2) as w:
        yield w


def _cloud_step(world: World, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "kasse.peripherals.tests.world_steps", *args],  # noqa: S603
        env=world.env("cloud"),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    out = done.stdout.decode().strip().splitlines()
    return json.loads(out[-1]) if out else {}


def _pair_register_on_node(world: World) -> str:
    """Pair a browser-like client with the node (the code was made in the cloud) and return its device token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{world.node_port}/register/pair/"
    page = opener.open(base, timeout=10).read().decode()  # noqa: S310 - loopback
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "code": world.setup_info["register_code"], "name": "Kasse 1"}
    ).encode()
    opener.open(urllib.request.Request(base, data=body, method="POST"), timeout=10)  # noqa: S310
    return next(cookie.value for cookie in jar if cookie.name == DEVICE_COOKIE)


def test_devices_set_up_in_the_cloud_work_on_the_node(world):
    with VirtualPoleDisplay() as pole, VirtualSerialScanner() as scanner:
        # Given a pole display and a scanner added in the cloud for the store's register
        display = _cloud_step(world, "add-display", pole.port)["display"]
        scanner_id = _cloud_step(world, "add-scanner", scanner.port)["scanner"]
        # Then the node pulls them and opens the display (initialised: ESC @ …)
        assert pole.wait_for(lambda _lines: pole.received.startswith(b"\x1b@"), 20)
        # When the owner presses "test" in the cloud, the node's display shows the test text
        _cloud_step(world, "test-display", display)
        assert pole.wait_for(lambda lines: lines[0].startswith("kasse Test"), 20)
        # And a scan on the node's scanner reaches the register page served by the node
        token = _pair_register_on_node(world)
        with connect(
            f"ws://127.0.0.1:{world.node_port}/ws/register/scanner/",
            additional_headers={"Cookie": f"{DEVICE_COOKIE}={token}"},
            open_timeout=10,
        ) as ws:
            scanner.scan("4006381333931")
            assert json.loads(ws.recv(timeout=10))["code"] == "4006381333931"
        # And the cloud's back office shows both connected, the last scan and the test text, driven by the node
        states = wait_until(
            lambda: (s := _cloud_step(world, "states"))["scanners"][scanner_id]["last_code"] == "4006381333931" and s,
            30,
            0.5,
            "the node's scanner state in the cloud",
        )
        assert states["node"] is not None
        assert states["scanners"][scanner_id]["status"] == "connected"
        assert states["displays"][display]["status"] == "connected"
        assert states["displays"][display]["lines"][0].startswith("kasse Test")
