"""Test helpers for sync: run code as a store node would, and take its outbox records."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.test import override_settings
from django_scopes import scopes_disabled

from kasse.sync.engine import local
from kasse.sync.models import OutboxRecord


class _Rollback(Exception):
    pass


@contextmanager
def as_node() -> Iterator[None]:
    """Services called inside write outbox records (KASSE_ROLE=store)."""
    _forget_clock()
    with override_settings(KASSE_ROLE="store"):
        yield
    _forget_clock()


def _forget_clock() -> None:
    """The process clock is cached per role; tests switch roles (and may replace the clock)."""
    clear = getattr(local.clock, "cache_clear", None)
    if clear is not None:
        clear()


def node_records(fn: Callable[[], Any]) -> list[dict[str, Any]]:
    """Run ``fn`` as a node, return the outbox records it wrote as a push sends them, and roll back.

    The rows then exist nowhere but in the returned records, like rows born on
    a node that the cloud has not seen yet.
    """
    records: list[dict[str, Any]] = []
    with as_node():
        try:
            with transaction.atomic():
                fn()
                with scopes_disabled():
                    records = [
                        {"id": str(r.id), "kind": r.kind, "rows": r.rows}
                        for r in OutboxRecord.objects.order_by("position")
                    ]
                raise _Rollback
        except _Rollback:
            pass
    return json.loads(json.dumps(records))  # exactly what travels


def of_kind(records: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in records if r["kind"] == kind]


def node_client(token: str) -> Any:
    """A test client that speaks to the cloud as the paired node with ``token``."""
    from django.test import Client

    from kasse.sync.engine.protocol import PROTOCOL_VERSION

    return Client(HTTP_AUTHORIZATION=f"Node {token}", HTTP_KASSE_SYNC_PROTOCOL=str(PROTOCOL_VERSION))


def pair_node(store: Any, name: str = "Laden-PC") -> str:
    """Pair a node to ``store`` the way a node does (a code from the back office, ``POST /sync/v1/pair``);
    the node's token."""
    from django.test import Client
    from django_scopes import scope

    from kasse.core.actors import Actor
    from kasse.sync.cloud.services import create_node_pairing_code
    from kasse.sync.engine.protocol import PROTOCOL_VERSION

    with scope(organization=store.organization_id):
        code = create_node_pairing_code(actor=Actor(kind="user", label="owner"), store=store)
    answer = Client().post(
        "/sync/v1/pair",
        json.dumps({"protocol": PROTOCOL_VERSION, "code": code, "name": name}),
        content_type="application/json",
        HTTP_KASSE_SYNC_PROTOCOL=str(PROTOCOL_VERSION),
    )
    assert answer.status_code == 200, answer.content
    return str(answer.json()["token"])
