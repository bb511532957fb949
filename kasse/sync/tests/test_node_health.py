"""Silence is a defect: a node reports its sync health with each request, the cloud's node page and start
page show it (and alert when records wait too long), and ``kasse store status`` exits non-zero when sync
is stopped."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from django_scopes import scopes_disabled

import kasse
from kasse.core.ids import uuid7
from kasse.sync.engine.protocol import PROTOCOL_VERSION, STATUS_HEADER
from kasse.sync.models import NodeState, OutboxRecord, OutboxStatus, SetAsideEvent, StoreNode
from kasse.sync.tests.test_views import _node_client, _pair
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.post("/language/", {"language": language})
    return client


def _text(element) -> str:
    return " ".join(element.get_text(" ", strip=True).split())


def _push(token: str, report: object) -> object:
    header = report if isinstance(report, str) else json.dumps(report)
    return _node_client(token).post(
        "/sync/v1/push",
        json.dumps({"protocol": PROTOCOL_VERSION, "records": []}),
        content_type="application/json",
        **{"HTTP_" + STATUS_HEADER.upper().replace("-", "_"): header},
    )


def test_a_nodes_report_reaches_its_page_and_the_cloud_answers_with_its_version(owner, store):
    token = _pair(Client(), store).json()["token"]
    # When the node pushes with its sync health: 4 waiting since 07:00, 1 record and 1 feed change set aside,
    # an error since 07:05
    error = "cloud unreachable: the answer was cut off after 130 bytes"
    answer = _push(
        token,
        {
            "backlog": 4,
            "oldest_waiting": "2026-11-29T07:00:00+00:00",
            "set_aside": 1,
            "feed_set_aside": 1,
            "last_error": error,
            "error_since": "2026-11-29T07:05:00+00:00",
        },
    )
    # Then the cloud answers with its own version (the handshake) and keeps the report
    assert answer.status_code == 200
    assert answer["Kasse-Version"] == kasse.__version__
    with scopes_disabled():
        node = StoreNode.objects.get()
    assert node.oldest_waiting_at == datetime(2026, 11, 29, 7, 0, tzinfo=UTC)
    assert (node.set_aside, node.failing) == (2, True)
    assert node.last_error == "cloud unreachable: the answer was cut off after 130 bytes"
    assert node.last_error_at == datetime(2026, 11, 29, 7, 5, tzinfo=UTC)
    assert node.last_push_at is not None
    assert node.last_pull_at is None
    # And the owner's page shows state, push and pull, waiting records with the oldest's age, the error
    with scopes_disabled():
        StoreNode.objects.filter(pk=node.pk).update(
            last_backlog=4, oldest_waiting_at=timezone.now() - timedelta(minutes=40)
        )
    soup = BeautifulSoup(_client(owner, "de").get("/nodes/").content, "html.parser")
    row = soup.select_one("[data-testid=node-row]")
    assert _text(row.select_one("[data-testid=node-state]")) == (
        "online Synchronisierung gestoppt 2 zurückgestellt wartet zu lange"
    )
    assert _text(row.select_one("[data-testid=node-backlog]")) == "4 ältester vor 40 Minuten"
    assert _text(row.select_one("[data-testid=node-error]")) == (
        "cloud unreachable: the answer was cut off after 130 bytes seit 29.11.2026 08:05"
    )
    assert _text(row.select_one("[data-testid=node-push-pull]")).endswith("Abruf: –")
    # When the error is over, the page still says what it was, and that it is over
    _push(
        token,
        {
            "backlog": 0,
            "oldest_waiting": None,
            "set_aside": 0,
            "feed_set_aside": 0,
            "last_error": "",
            "error_since": None,
        },
    )
    with scopes_disabled():
        node = StoreNode.objects.get()
    assert (node.failing, node.set_aside, node.oldest_waiting_at) == (False, 0, None)
    soup = BeautifulSoup(_client(owner, "en").get("/nodes/").content, "html.parser")
    row = soup.select_one("[data-testid=node-row]")
    assert _text(row.select_one("[data-testid=node-state]")) == "online"
    assert _text(row.select_one("[data-testid=node-error]")).endswith("over; it began 11/29/2026 8:05 a.m.")
    assert soup.select_one("[data-testid=node-alert]") is None


@pytest.mark.parametrize(
    "header",
    ["not json", "[1, 2]", json.dumps({"backlog": "x", "set_aside": -3, "oldest_waiting": "gestern", "last_error": 5})],
)
def test_a_malformed_report_is_ignored_and_the_push_goes_through(store, header):
    token = _pair(Client(), store).json()["token"]
    assert _push(token, header).status_code == 200
    with scopes_disabled():
        node = StoreNode.objects.get()
    assert (node.set_aside, node.last_error, node.oldest_waiting_at, node.failing) in {(0, "", None, False)}


def test_records_waiting_too_long_alert_the_owner_on_the_start_page(owner, organization, store, node):
    with scopes_disabled():
        StoreNode.objects.filter(pk=node.pk).update(
            last_contact_at=timezone.now(), last_backlog=12, oldest_waiting_at=timezone.now() - timedelta(minutes=16)
        )
    # When records wait longer than 15 minutes (the default), the owner's start page says so
    soup = BeautifulSoup(_client(owner, "en").get("/").content, "html.parser")
    alert = soup.select_one("[data-testid=node-alert]")
    assert alert["data-node"] == "Laden-PC"
    assert _text(alert.select_one("[data-testid=node-alert-waiting]")) == (
        "Records have been waiting for 16 minutes (alert after 15)."
    )
    german = BeautifulSoup(_client(owner, "de").get("/nodes/").content, "html.parser")
    assert _text(german.select_one("[data-testid=node-alert-waiting]")) == (
        "Vorgänge warten seit 16 Minuten (Hinweis nach 15)."
    )
    # The time is a setting
    with override_settings(KASSE_SYNC_ALERT_MINUTES=30):
        assert b"node-alert" not in _client(owner, "en").get("/").content
    # A cashier does not get the alert
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.CASHIER))
    assert b"node-alert" not in _client(user, "en").get("/").content


def _node_state(**fields) -> NodeState:
    with scopes_disabled():
        return NodeState.objects.create(
            id=uuid.uuid4(),
            organization_id=uuid.uuid4(),
            store_id=uuid.uuid4(),
            cloud_url="http://127.0.0.1:9",
            token="t",
            customer_number_base=1_000_000,
            last_contact_at=timezone.now(),
            **fields,
        )


def _store_status() -> tuple[int, dict[str, object]]:
    out = io.StringIO()
    with override_settings(KASSE_ROLE="store"):
        try:
            call_command("store", "status", stdout=out)
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


@pytest.mark.parametrize(
    ("setup", "problem"),
    [
        ("error", "error"),
        ("held", "set_aside"),
        ("rejected", "set_aside"),
        ("feed", "feed_set_aside"),
        ("old", "waiting_too_long"),
    ],
)
def test_store_status_exits_non_zero_when_sync_is_stopped(setup, problem):
    _node_state(last_error="cloud unreachable: timed out" if setup == "error" else "")
    with scopes_disabled():
        record = OutboxRecord.objects.create(id=uuid7(), position=1, kind="sale", rows=[])
        if setup in {"held", "rejected"}:
            OutboxRecord.objects.filter(pk=record.pk).update(status=setup)
        if setup == "old":
            OutboxRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(minutes=20))
        if setup == "feed":
            SetAsideEvent.objects.create(
                seq=5, model="loyalty.Stamp", object_id="x", row={}, error="unknown", version="0.1.0"
            )
    code, printed = _store_status()
    assert code == 1
    assert printed["problems"] == [problem]
    assert printed["healthy"] is False


def test_store_status_exits_zero_when_all_is_well():
    _node_state()
    with scopes_disabled():
        OutboxRecord.objects.create(id=uuid7(), position=1, kind="sale", rows=[])  # just written: fine
        OutboxRecord.objects.create(id=uuid7(), position=2, kind="sale", rows=[], status=OutboxStatus.ACKED)
    code, printed = _store_status()
    assert code == 0
    assert (printed["backlog"], printed["set_aside"], printed["problems"]) == (1, 0, [])
    assert printed["oldest_waiting_seconds"] < 60


def test_records_waiting_too_long_reach_the_owners_notifications_once(
    owner, organization, store, node, django_capture_on_commit_callbacks
):
    """The alert goes beyond the start page: the minute sweep publishes it (``alert.node_silent`` with the
    problem ``waiting_too_long``) to the owner's notification centre, once while it lasts, for a node that
    is online and only slow to get its records in."""
    from django.utils import translation

    from kasse.backoffice.alert_events import sweep_organization
    from kasse.notifications.centre import describe
    from kasse.notifications.models import Event, Notification

    with scopes_disabled():
        StoreNode.objects.filter(pk=node.pk).update(
            last_contact_at=timezone.now(), last_backlog=12, oldest_waiting_at=timezone.now() - timedelta(minutes=16)
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_organization(organization) == ["alert.node_silent"]
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_organization(organization) == []  # still waiting: told once
    with scopes_disabled():
        event = Event.objects.get(kind="alert.node_silent")
        assert event.payload["problem"] == "waiting_too_long"
        notification = Notification.objects.get(user=owner, kind="alert.node_silent")
    with translation.override("en"):
        assert describe(notification) == "Sales of store server Laden-PC have been waiting too long to arrive."
    # Within the set time (a backlog that is moving), nobody is alerted
    with scopes_disabled():
        StoreNode.objects.filter(pk=node.pk).update(oldest_waiting_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_organization(organization) == []
