"""The node's push loop against an HTTP server on loopback: two requests under way, order, failures."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django_scopes import scopes_disabled

from kasse.core.ids import uuid7
from kasse.sync.engine.protocol import PROTOCOL_VERSION
from kasse.sync.models import NodeState, OutboxRecord, OutboxStatus
from kasse.sync.node import steps as node_ops
from kasse.sync.node.client import CloudClient, CloudUnreachable

pytestmark = pytest.mark.django_db

Answer = Callable[[list[dict[str, Any]]], tuple[int, dict[str, dict[str, str]]]]


class PushEndpoint:
    """``POST /sync/v1/push`` on 127.0.0.1, answering each request with ``answer(records)`` after ``delay``
    seconds, and noting what arrived and how many requests overlapped. Two requests sent at once may
    arrive in either order, so answers go by what a request holds, not by when it came."""

    def __init__(self, answer: Answer, delay: float = 0.05, hold_first_until_second: bool = False) -> None:
        self.answer = answer
        self.delay = delay
        # The first request to arrive is answered only once a second has arrived (or after 10 s): proves that
        # the node sent the next batch without waiting for an answer, however slow the machine is.
        self.second_arrived = threading.Event()
        self.hold_first = hold_first_until_second
        self.requests: list[list[str]] = []
        self.busy = 0
        self.most_busy = 0
        self.lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with endpoint.lock:
                    number = len(endpoint.requests)
                    endpoint.requests.append([r["id"] for r in body["records"]])
                    endpoint.busy += 1
                    endpoint.most_busy = max(endpoint.most_busy, endpoint.busy)
                if number == 1:
                    endpoint.second_arrived.set()
                if number == 0 and endpoint.hold_first:
                    endpoint.second_arrived.wait(10)
                time.sleep(endpoint.delay)
                status, results = endpoint.answer(body["records"])
                with endpoint.lock:
                    endpoint.busy -= 1
                payload = json.dumps({"protocol": PROTOCOL_VERSION, "results": results}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def all_ok(records: list[dict[str, Any]]) -> tuple[int, dict[str, dict[str, str]]]:
    return 200, {r["id"]: {"status": "ok"} for r in records}


@pytest.fixture
def endpoint_factory() -> Iterator[Callable[..., PushEndpoint]]:
    made: list[PushEndpoint] = []

    def make(answer: Answer = all_ok, delay: float = 0.05, hold_first_until_second: bool = False) -> PushEndpoint:
        made.append(PushEndpoint(answer, delay, hold_first_until_second))
        return made[-1]

    yield make
    for endpoint in made:
        endpoint.close()


def _outbox(count: int) -> list[str]:
    with scopes_disabled():
        records = [OutboxRecord.objects.create(id=uuid7(), position=i + 1, kind="audit", rows=[]) for i in range(count)]
    return [str(r.id) for r in records]


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


def _status() -> dict[str, str]:
    with scopes_disabled():
        return {str(pk): status for pk, status in OutboxRecord.objects.values_list("id", "status")}


def test_batches_go_in_outbox_order_two_at_a_time_and_each_record_once(endpoint_factory):
    endpoint = endpoint_factory(hold_first_until_second=True)
    ids = _outbox(14)
    state = _state(endpoint.url)
    result = node_ops.push_once(state, CloudClient(endpoint.url, "t"), batch_size=3, in_flight=2)
    assert (result.sent, result.acked) == (14, 14)
    sent = [record for batch in endpoint.requests for record in batch]
    assert sorted(sent) == sorted(ids)  # none twice, none left out
    assert {tuple(batch) for batch in endpoint.requests} == {tuple(ids[i : i + 3]) for i in range(0, 14, 3)}
    assert endpoint.most_busy == 2  # the next batch travelled while the cloud worked on the one before
    assert endpoint.second_arrived.is_set()
    assert set(_status().values()) == {OutboxStatus.ACKED}


def test_a_failed_request_leaves_its_records_waiting_and_the_next_push_sends_them(endpoint_factory):
    ids = _outbox(9)
    failing = endpoint_factory(lambda records: (503, {}) if records[0]["id"] == ids[3] else all_ok(records))
    state = _state(failing.url)
    with pytest.raises(CloudUnreachable):
        node_ops.push_once(state, CloudClient(failing.url, "t"), batch_size=3, in_flight=2)
    status = _status()
    assert [status[i] for i in ids[:3]] == [OutboxStatus.ACKED] * 3  # answered before the failure
    # Its request failed, and the answer to the batch after it was not taken: all of them still wait.
    assert {status[i] for i in ids[3:]} == {OutboxStatus.PENDING}
    healthy = endpoint_factory()
    result = node_ops.push_once(state, CloudClient(healthy.url, "t"), batch_size=3, in_flight=2)
    assert result.acked == 6
    assert set(_status().values()) == {OutboxStatus.ACKED}
    assert {tuple(batch) for batch in healthy.requests} == {tuple(ids[3:6]), tuple(ids[6:9])}


def test_when_the_cloud_holds_everything_back_no_further_batches_are_sent(endpoint_factory):
    def hold(records: list[dict[str, Any]]) -> tuple[int, dict[str, dict[str, str]]]:
        return 200, {r["id"]: {"status": "retry", "detail": "waiting for sales.Shift"} for r in records}

    endpoint = endpoint_factory(hold)
    _outbox(12)
    result = node_ops.push_once(_state(endpoint.url), CloudClient(endpoint.url, "t"), batch_size=3, in_flight=2)
    assert len(endpoint.requests) == 2  # the batch under way when the first answer came, no more
    assert (result.sent, result.acked, result.retry) == (6, 0, 6)
    with scopes_disabled():
        assert OutboxRecord.objects.filter(attempts=1).count() == 6  # backing off, still waiting
        assert OutboxRecord.objects.filter(status=OutboxStatus.PENDING).count() == 12


def test_a_batch_the_cloud_finds_too_large_is_sent_again_in_halves(endpoint_factory):
    def small_only(records: list[dict[str, Any]]) -> tuple[int, dict[str, dict[str, str]]]:
        return (413, {}) if len(records) > 2 else all_ok(records)

    endpoint = endpoint_factory(small_only, delay=0)
    ids = _outbox(7)
    result = node_ops.push_once(_state(endpoint.url), CloudClient(endpoint.url, "t"), batch_size=8, in_flight=2)
    assert result.acked == 7
    assert set(_status().values()) == {OutboxStatus.ACKED}
    assert max(len(batch) for batch in endpoint.requests if set(batch) <= set(ids)) >= 4  # tried larger first


def test_a_record_that_overtook_what_it_needs_is_sent_again_in_the_same_push(endpoint_factory):
    """Two batches travel side by side, so the second can reach the cloud first and be answered ``retry``
    (waiting for a row of the first). Once the first is stored, the node sends it again at once instead of
    after its backoff (before: after the loop's poll interval, 10 s in a replayed backlog)."""
    ids = _outbox(6)
    stored: set[str] = set()

    def needs_the_first_batch(records: list[dict[str, Any]]) -> tuple[int, dict[str, dict[str, str]]]:
        if records[0]["id"] == ids[3] and ids[0] not in stored:
            return 200, {r["id"]: {"status": "retry", "detail": "waiting for sales.Shift"} for r in records}
        stored.update(r["id"] for r in records)
        return all_ok(records)

    endpoint = endpoint_factory(needs_the_first_batch, delay=0)
    # The second batch is answered first: the first is held until the second has arrived (and been answered).
    endpoint.hold_first = True
    endpoint.answer = lambda records: (
        (time.sleep(0.2), needs_the_first_batch(records))[1]
        if records[0]["id"] == ids[0]
        else needs_the_first_batch(records)
    )
    result = node_ops.push_once(_state(endpoint.url), CloudClient(endpoint.url, "t"), batch_size=3, in_flight=2)
    assert set(_status().values()) == {OutboxStatus.ACKED}
    assert result.acked == 6
    assert [batch for batch in endpoint.requests if batch[0] == ids[3]] == [ids[3:6], ids[3:6]]  # sent twice


def test_a_record_that_keeps_waiting_is_sent_again_once_per_push_then_backs_off(endpoint_factory):
    ids = _outbox(4)

    def second_never(records: list[dict[str, Any]]) -> tuple[int, dict[str, dict[str, str]]]:
        return 200, {
            r["id"]: {"status": "retry", "detail": "waiting for customers.Customer"}
            if r["id"] == ids[1]
            else {"status": "ok"}
            for r in records
        }

    endpoint = endpoint_factory(second_never, delay=0)
    result = node_ops.push_once(_state(endpoint.url), CloudClient(endpoint.url, "t"), batch_size=2, in_flight=2)
    assert result.acked == 3
    assert sum(batch.count(ids[1]) for batch in endpoint.requests) == 2  # once more at once, then its backoff
    with scopes_disabled():
        waiting = OutboxRecord.objects.get(pk=ids[1])
    assert (waiting.status, waiting.attempts) == (OutboxStatus.PENDING, 2)
    from kasse.sync.engine import outbox

    with scopes_disabled():
        assert 0 < outbox.next_attempt_in() <= outbox.BACKOFF_BASE_SECONDS * 4


def test_after_a_good_round_the_loop_waits_until_the_next_record_is_due_not_the_whole_poll(endpoint_factory):
    from datetime import timedelta

    from django.utils import timezone

    from kasse.sync.node.runner import MIN_WAIT, SyncRunner

    endpoint = endpoint_factory()
    runner = SyncRunner(_state(endpoint.url), poll_seconds=10, websocket=False)
    with scopes_disabled():
        assert runner._until_next_attempt() == 10  # nothing waits: the poll interval
        OutboxRecord.objects.create(
            id=uuid7(), position=1, kind="audit", rows=[], next_attempt_at=timezone.now() + timedelta(seconds=2)
        )
        assert 1 < runner._until_next_attempt() <= 2  # a record due in 2 s: wake then
        OutboxRecord.objects.filter(position=1).update(next_attempt_at=timezone.now() - timedelta(seconds=5))
        assert runner._until_next_attempt() == MIN_WAIT  # due now: soon, but never a spinning loop
        OutboxRecord.objects.filter(position=1).update(status=OutboxStatus.ACKED)
        assert runner._until_next_attempt() == 10


def test_the_first_round_after_a_start_pushes_before_the_housekeeping(endpoint_factory, monkeypatch):
    """A backlog waiting when the node starts goes up first; pruning the outbox and retrying set-aside feed
    events come after the round (and then once an hour)."""
    from kasse.sync.node.runner import SyncRunner

    endpoint = endpoint_factory()
    runner = SyncRunner(_state(endpoint.url), poll_seconds=10, websocket=False)
    done: list[str] = []
    monkeypatch.setattr(runner, "run_once", lambda: done.append("round") or True)
    monkeypatch.setattr(runner, "housekeeping", lambda: done.append("housekeeping"))
    monkeypatch.setattr(runner, "_idle", lambda seconds, head: None)
    runner._round()
    runner._round()
    assert done == ["round", "housekeeping", "round"]
