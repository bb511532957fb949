"""One way to send to Channels groups (``kasse/core/channels_bridge.py``), from whatever thread."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from kasse.core import channels_bridge


class RecordingLayer:
    def __init__(self, failing: set[str] | None = None) -> None:
        self.sent: list[tuple[str, dict[str, Any], int]] = []
        self.failing = failing or set()

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        if group in self.failing:
            raise RuntimeError("the layer is down")
        self.sent.append((group, message, threading.get_ident()))


@pytest.fixture
def layer(monkeypatch: pytest.MonkeyPatch) -> RecordingLayer:
    recording = RecordingLayer()
    monkeypatch.setattr(channels_bridge, "get_channel_layer", lambda: recording)
    monkeypatch.setattr(channels_bridge, "_server_loop", None)
    return recording


def test_messages_from_a_plain_thread_are_sent_before_the_call_returns(layer):
    channels_bridge.send_to_groups([("a", {"type": "x"}), ("b", {"type": "y"})])

    assert [(group, message) for group, message, _ in layer.sent] == [("a", {"type": "x"}), ("b", {"type": "y"})]


def test_a_thread_that_runs_an_event_loop_of_its_own_still_sends(layer, caplog):
    """async_to_sync refuses to run in such a thread (Playwright's sync API in a browser test is one): the
    send goes from a short-lived thread instead of being lost with an error in the log."""

    async def sync_code_inside_a_loop() -> None:
        channels_bridge.send_to_groups([("a", {"type": "x"})])

    asyncio.run(sync_code_inside_a_loop())

    assert [(group, message) for group, message, _ in layer.sent] == [("a", {"type": "x"})]
    assert layer.sent[0][2] != threading.get_ident()
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


def test_with_a_server_loop_the_message_is_sent_on_that_loop(layer):
    loop = asyncio.new_event_loop()
    server = threading.Thread(target=loop.run_forever, daemon=True)
    server.start()
    try:
        channels_bridge.remember_server_loop(loop)
        channels_bridge.send_from_thread("a", {"type": "x"})
        channels_bridge.send_from_thread("b", {"type": "y"})
        sent = [(group, message) for group, message, _ in layer.sent]  # before the calls returned, in order
    finally:
        loop.call_soon_threadsafe(loop.stop)
        server.join(timeout=5)
        loop.close()

    assert sent == [("a", {"type": "x"}), ("b", {"type": "y"})]
    assert layer.sent[0][2] == server.ident


def test_one_group_that_fails_neither_raises_nor_keeps_the_others_from_their_message(monkeypatch, caplog):
    failing = RecordingLayer(failing={"broken"})
    monkeypatch.setattr(channels_bridge, "get_channel_layer", lambda: failing)
    monkeypatch.setattr(channels_bridge, "_server_loop", None)

    channels_bridge.send_to_groups([("broken", {"type": "x"}), ("fine", {"type": "y"})])

    assert [group for group, _, _ in failing.sent] == ["fine"]
    assert "broken" in caplog.text
