"""The node's sync survives anything in one round: answers cut off anywhere, resets after the cloud
committed, garbled status lines, unexpected errors, a record the cloud cannot store (500) or refuses.

In-process: a small fake cloud (``/sync/v1/push`` and ``/sync/v1/changes`` on 127.0.0.1) behind the
fault-injecting TCP proxy (:mod:`kasse.testing.fault_proxy`). Real processes: ``test_fault_processes.py``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

import kasse
from kasse.core.ids import uuid7
from kasse.sync.engine.protocol import PROTOCOL_VERSION, STATUS_HEADER
from kasse.sync.models import NodeState, OutboxRecord, OutboxStatus
from kasse.sync.node import steps as node_ops
from kasse.sync.node.client import CloudClient, CloudUnreachable
from kasse.sync.node.runner import SyncRunner
from kasse.testing.fault_proxy import FAULTS, FaultProxy

pytestmark = pytest.mark.django_db

Answer = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


class FakeCloud:
    """Push and changes on 127.0.0.1: stores what was pushed (``committed``), answers ``answer(record)``
    per record (default ``ok``), a whole push with ``fail_push(records)`` if that returns a status,
    and serves ``events`` as the feed. Notes each request's ``Kasse-Sync-Status`` header."""

    def __init__(self) -> None:
        self.committed: list[str] = []
        self.events: list[dict[str, Any]] = []
        self.reports: list[dict[str, Any]] = []
        self.answer: Answer = lambda record: (200, {"status": "ok"})
        self.version = kasse.__version__
        cloud = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps({"protocol": PROTOCOL_VERSION, **payload}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Kasse-Version", cloud.version)
                self.end_headers()
                self.wfile.write(body)

            def _note(self) -> None:
                if self.headers.get(STATUS_HEADER):
                    cloud.reports.append(json.loads(self.headers[STATUS_HEADER]))

            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                self._note()
                records = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["records"]
                results = {}
                for record in records:
                    status, result = cloud.answer(record)
                    if status >= 500:
                        self._reply(status, {"error": "server_error"})
                        return
                    results[record["id"]] = result
                cloud.committed.extend(r for r, result in results.items() if result["status"] == "ok")
                self._reply(200, {"results": results})

            def do_GET(self) -> None:  # noqa: N802
                self._note()
                if self.path.startswith("/sync/v1/positions"):  # asked once after each start (restores)
                    self._reply(200, {"registers": {}, "outbox_position": 0})
                    return
                since = int(self.path.split("since=")[1].split("&")[0])
                events = [e for e in cloud.events if e["seq"] > since]
                cursor = max([since] + [e["seq"] for e in events])
                self._reply(200, {"events": events, "cursor": cursor, "more": False})

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def cloud() -> Iterator[FakeCloud]:
    fake = FakeCloud()
    yield fake
    fake.close()


@pytest.fixture
def proxy(cloud: FakeCloud) -> Iterator[FaultProxy]:
    with FaultProxy(cloud.port) as p:
        yield p


def _outbox(count: int, start: int = 1) -> list[str]:
    with scopes_disabled():
        return [
            str(OutboxRecord.objects.create(id=uuid7(), position=start + i, kind="audit", rows=[]).id)
            for i in range(count)
        ]


def _state(url: str) -> NodeState:
    with scopes_disabled():
        return NodeState.objects.create(
            id=uuid7(),
            organization_id=uuid7(),
            store_id=uuid7(),
            cloud_url=url,
            token="t",
            customer_number_base=1_000_000,
        )


def _statuses() -> dict[str, str]:
    with scopes_disabled():
        return {str(pk): status for pk, status in OutboxRecord.objects.values_list("id", "status")}


def _runner(state: NodeState) -> SyncRunner:
    return SyncRunner(state, websocket=False, poll_seconds=0.1, max_backoff=0.2)


@pytest.mark.parametrize("fault", FAULTS)
def test_an_answer_broken_anywhere_is_an_error_of_one_round_and_the_next_round_sends_again(cloud, proxy, fault):
    ids = _outbox(3)
    state = _state(proxy.url)
    runner = _runner(state)
    proxy.arm("/sync/v1/push", fault, times=1)
    # When the answer to the push breaks (the cloud stored the records before it answered)
    first = runner.run_once()
    assert proxy.count(fault) == 1
    assert sorted(cloud.committed) == sorted(ids)
    state.refresh_from_db()
    if fault == "after_body":
        # The whole answer arrived before the reset: nothing is wrong.
        assert first is True
        assert set(_statuses().values()) == {OutboxStatus.ACKED}
        return
    # Then the round failed without raising, and the node says why and since when
    assert first is False
    assert runner.online is False
    assert runner.stopped is False
    assert state.last_error.startswith("cloud unreachable: ")
    assert "timed out" not in state.last_error  # the break itself was seen, not the client's 15 s timeout
    assert state.last_error_at is not None
    status = node_ops.status()
    assert status["online"] is False
    assert "error" in status["problems"]
    assert status["healthy"] is False
    assert set(_statuses().values()) == {OutboxStatus.PENDING}
    # and the next round sends them again: the cloud answers them (duplicate in a real cloud), the error is over
    with scopes_disabled():
        from kasse.sync.engine import outbox

        outbox.retry_all_now()
    assert runner.run_once() is True
    assert set(_statuses().values()) == {OutboxStatus.ACKED}
    state.refresh_from_db()
    assert (state.last_error, state.last_error_at) == ("", None)
    assert cloud.reports[-2]["last_error"].startswith("cloud unreachable: ")  # the cloud was told (next request)


def test_every_broken_answer_is_cloud_unreachable_never_another_exception(cloud, proxy):
    client = CloudClient(proxy.url, "t", timeout=5)
    for fault in FAULTS:
        proxy.arm("/sync/v1/changes", fault, times=1)
        if fault == "after_body":
            assert client.changes(0, 10)["cursor"] == 0
            continue
        with pytest.raises(CloudUnreachable):
            client.changes(0, 10)


def test_an_unexpected_error_in_a_round_is_kept_shown_and_retried(cloud, monkeypatch):
    _outbox(2)
    state = _state(cloud.url)
    runner = _runner(state)
    published: list[dict[str, Any]] = []
    runner.on_change = published.append

    def boom(*args: Any, **kwargs: Any) -> set[str]:
        raise RuntimeError("the feed broke something")

    monkeypatch.setattr(node_ops, "pull_once", boom)
    # When a round meets a bug
    assert runner.run_once() is False
    # Then the runner lives, says "stopped" with the error and since when, on the register too
    state.refresh_from_db()
    assert runner.stopped is True
    assert state.last_error == "RuntimeError: the feed broke something"
    since = state.last_error_at
    assert since is not None
    assert published[-1]["stopped"] is True
    assert published[-1]["last_error"] == state.last_error
    # Still failing: the error's start stays
    assert runner.run_once() is False
    state.refresh_from_db()
    assert state.last_error_at == since
    # Fixed: the next round goes through, the error is gone
    monkeypatch.undo()
    assert runner.run_once() is True
    state.refresh_from_db()
    assert runner.stopped is False
    assert state.last_error == ""
    assert state.last_error_at is None
    assert published[-1]["stopped"] is False


@pytest.mark.django_db(transaction=True)
def test_the_loop_thread_survives_broken_answers_and_sends_everything(cloud, proxy):
    ids = _outbox(4)
    state = _state(proxy.url)
    proxy.arm("/sync/v1/push", "mid_body", times=2)
    proxy.arm("/sync/v1/changes", "bad_status_line", times=1)
    runner = _runner(state)
    runner.start()
    try:
        deadline = timezone.now() + timedelta(seconds=30)
        while (
            set(_statuses().values()) != {OutboxStatus.ACKED} or proxy.count("bad_status_line") == 0
        ) and timezone.now() < deadline:
            threading.Event().wait(0.1)
        assert set(_statuses().values()) == {OutboxStatus.ACKED}
        assert proxy.count("mid_body") == 2
        assert proxy.count("bad_status_line") == 1
        assert runner.loop.is_alive()
    finally:
        runner.stop()
    assert sorted(set(cloud.committed)) == sorted(ids)


def test_a_record_the_cloud_answers_with_500_is_set_aside_and_the_rest_goes_on(cloud):
    ids = _outbox(7)
    poison = ids[2]
    cloud.answer = lambda record: (500, {}) if record["id"] == poison else (200, {"status": "ok"})
    state = _state(cloud.url)
    runner = _runner(state)
    # When one record makes the cloud fail
    assert runner.run_once() is True
    # Then it is set aside and every other record is in
    statuses = _statuses()
    assert statuses.pop(poison) == OutboxStatus.HELD
    assert set(statuses.values()) == {OutboxStatus.ACKED}
    assert sorted(cloud.committed) == sorted(i for i in ids if i != poison)
    # and the node does not say the cloud is unreachable: it is online, one record set aside
    status = node_ops.status()
    assert status["online"] is True
    assert status["last_error"] == ""
    assert (status["set_aside"], status["backlog"]) == (1, 0)
    assert status["problems"] == ["set_aside"]
    with scopes_disabled():
        held = OutboxRecord.objects.get(pk=poison)
    assert held.last_error == "the cloud could not store this record (cloud error 500)"
    assert held.next_attempt_at > timezone.now()  # retried after a backoff
    # New records go on while it waits
    later = _outbox(2, start=8)
    assert runner.run_once() is True
    assert set(later) <= set(cloud.committed)
    # Once its backoff ran out and the cloud can store it, it goes in on its own
    cloud.answer = lambda record: (200, {"status": "ok"})
    with scopes_disabled():
        OutboxRecord.objects.filter(pk=poison).update(next_attempt_at=timezone.now())
    assert runner.run_once() is True
    assert _statuses()[poison] == OutboxStatus.ACKED
    assert node_ops.status()["problems"] == []


def test_a_cloud_failing_every_push_sets_nothing_aside_and_is_unreachable(cloud):
    _outbox(5)
    cloud.answer = lambda record: (500, {})
    state = _state(cloud.url)

    def empty_push_fails_too(*args: Any) -> None:
        raise CloudUnreachable("cloud error 500", status=500)

    runner = _runner(state)
    original = runner.client.push
    runner.client.push = lambda records: empty_push_fails_too() if not records else original(records)  # type: ignore[method-assign]
    assert runner.run_once() is False
    assert set(_statuses().values()) == {OutboxStatus.PENDING}
    state.refresh_from_db()
    assert state.last_error == "cloud unreachable: cloud error 500"


def test_a_refused_record_is_set_aside_retried_with_backoff_and_holds_back_nothing(cloud):
    ids = _outbox(4)
    refused = ids[0]
    cloud.answer = lambda record: (
        (200, {"status": "rejected", "detail": "sales.Sale: another store"})
        if record["id"] == refused
        else (200, {"status": "ok"})
    )
    state = _state(cloud.url)
    runner = _runner(state)
    assert runner.run_once() is True
    statuses = _statuses()
    assert statuses.pop(refused) == OutboxStatus.REJECTED
    assert set(statuses.values()) == {OutboxStatus.ACKED}
    with scopes_disabled():
        record = OutboxRecord.objects.get(pk=refused)
    assert (record.attempts, record.last_error) == (1, "sales.Sale: another store")
    assert record.next_attempt_at > timezone.now()
    assert node_ops.status()["set_aside"] == 1
    # After its backoff it is sent again, alone; the cloud has been fixed and takes it
    cloud.answer = lambda record: (200, {"status": "ok"})
    with scopes_disabled():
        OutboxRecord.objects.filter(pk=refused).update(next_attempt_at=timezone.now())
    assert runner.run_once() is True
    assert _statuses()[refused] == OutboxStatus.ACKED


def test_the_node_reports_its_sync_health_with_each_request(cloud):
    ids = _outbox(2)
    state = _state(cloud.url)
    with scopes_disabled():
        OutboxRecord.objects.filter(pk=ids[0]).update(created_at=timezone.now() - timedelta(minutes=20))
    node_ops.note_error(state, "cloud unreachable: timed out")
    runner = _runner(state)
    assert runner.run_once() is True
    report = cloud.reports[0]
    assert report["backlog"] == 2
    assert report["set_aside"] == 0
    assert report["feed_set_aside"] == 0
    assert report["last_error"] == "cloud unreachable: timed out"
    assert report["error_since"]
    assert report["oldest_waiting"].startswith(str((timezone.now() - timedelta(minutes=20)).date()))
