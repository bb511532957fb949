"""The fiskaly client keeps its connection alive: reused by the next request, retried once at once when the
server had closed it, and never signing twice (kasse/fiscal/tse/fiskaly_api.py)."""

from __future__ import annotations

import socket
import threading
import uuid

import pytest
from django_scopes import scope

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.fiscal.fiskaly_setup import create_fiskaly_tse, register_fiskaly_client, set_up_fiskaly_tse
from kasse.fiscal.models import TseOutage, TseTransactionRecord
from kasse.fiscal.services import Signed, finish_transaction, start_transaction
from kasse.fiscal.tests.test_fiskaly import SALE, SALE_DATA
from kasse.fiscal.tse import fiskaly_api
from kasse.fiscal.tse.fiskaly_api import FiskalyApi, Timeouts

pytestmark = pytest.mark.django_db


@pytest.fixture
def till(fiskaly, organization, store, register):
    device = create_fiskaly_tse(
        organization=organization, actor=Actor.system(), store=store, api_key="key", api_secret="secret"
    )
    set_up_fiskaly_tse(device=device, actor=Actor.system())
    register_fiskaly_client(register=register, actor=Actor.system())
    return register


@pytest.fixture
def no_delayed_retry(monkeypatch):
    """The delayed retries (0.2 s, 0.5 s) never fit into the transaction timeout: what is signed was
    signed by the request itself or by the immediate retry on a new connection."""
    monkeypatch.setattr(fiskaly_api, "RETRY_DELAYS", (5.0, 5.0))


def _sell(register) -> Signed:
    tx = uuid7()
    assert isinstance(start_transaction(register=register, tx_id=tx), Signed)
    result = finish_transaction(register=register, tx_id=tx, receipt=SALE)
    assert isinstance(result, Signed)
    return result


def test_the_set_up_and_every_sale_after_it_use_one_kept_alive_connection(fiskaly, till):
    assert fiskaly.connections == 1  # login, TSS set-up and client registration
    for _ in range(3):
        _sell(till)
    assert fiskaly.connections == 1
    assert [status for _m, _p, status in fiskaly.requests].count(200) == len(fiskaly.requests)


def test_a_kept_alive_connection_the_server_closed_is_retried_once_at_once_on_a_new_one(
    fiskaly, till, no_delayed_retry
):
    _sell(till)
    fiskaly.drop_connections()  # fiskaly ended the idle connection; the client still holds it
    signed = _sell(till)
    assert fiskaly.connections == 2
    assert signed.record.process_data == SALE_DATA
    with scope(organization=till.organization_id):
        assert not TseOutage.objects.exists()


def test_a_finish_stored_before_the_connection_ended_is_read_back_not_signed_twice(fiskaly, till, no_delayed_retry):
    tx = uuid7()
    start_transaction(register=till, tx_id=tx)
    fiskaly.fail("PUT", f"/tx/{tx}", "close")  # fiskaly stores revision 2, the connection ends unanswered
    result = finish_transaction(register=till, tx_id=tx, receipt=SALE)
    assert isinstance(result, Signed)
    tss = next(iter(fiskaly.tss.values()))
    assert len(tss.txs[str(tx)]) == 2  # start and finish, the finish once
    assert result.record.signature == tss.txs[str(tx)][1]["signature"]["value"]
    path = f"/api/v2/tss/{tss.id}/tx/{tx}"
    assert [(m, s) for m, p, s in fiskaly.requests if p == path][-3:] == [("PUT", 0), ("PUT", 409), ("GET", 200)]
    with scope(organization=till.organization_id):
        assert TseTransactionRecord.objects.filter(tx_id=tx, outcome="signed").count() == 2


def test_only_a_reused_connection_is_retried_at_once_a_new_one_waits_for_the_ordinary_retry(fiskaly):
    slept: list[float] = []
    api = FiskalyApi(fiskaly.url, "key", "secret", Timeouts(tx=2.0, auth=1.0, setup=2.0), sleep=slept.append)
    tss = uuid.uuid4()
    api.request("PUT", f"/tss/{tss}", {}, kind="setup")
    fiskaly.drop_connections()
    assert api.request("GET", f"/tss/{tss}")["_id"] == str(tss)  # reused, found closed: again at once
    assert (slept, fiskaly.connections) == ([], 2)
    fiskaly_api._POOL.close_all()  # the next request opens a new connection
    fiskaly.fail("GET", f"/tss/{tss}", "close")
    assert api.request("GET", f"/tss/{tss}")["_id"] == str(tss)
    assert slept == [0.2]  # a new connection ending unanswered is an outage's first retry, not a stale one


def test_threads_signing_at_once_each_get_a_connection_of_their_own(fiskaly):
    api = FiskalyApi(fiskaly.url, "key", "secret", Timeouts(tx=2.0, auth=2.0, setup=2.0))
    tss = uuid.uuid4()
    api.request("PUT", f"/tss/{tss}", {}, kind="setup")
    fiskaly.latency = 0.05  # long enough for the four to overlap
    answers: list[str] = []

    def read() -> None:
        for _ in range(3):
            answers.append(api.request("GET", f"/tss/{tss}")["_id"])

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [str(tss)] * 12
    assert 2 <= fiskaly.connections <= 4 + 1  # one each at most (and the set-up's), reused after


def test_the_local_fiskaly_sends_without_waiting_for_acks_on_a_kept_alive_connection(fiskaly):
    """Headers and body are two writes: with Nagle's algorithm the body waited for the client's delayed
    ACK (about 40 ms per request on a kept-alive connection, which the benchmark would bill to kasse)."""
    api = FiskalyApi(fiskaly.url, "key", "secret", Timeouts(setup=2.0))
    api.request("PUT", f"/tss/{uuid.uuid4()}", {}, kind="setup")
    with fiskaly.lock:
        sockets = list(fiskaly.open)
    assert sockets
    assert all(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for sock in sockets)
