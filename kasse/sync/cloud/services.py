"""Pairing store nodes with the cloud, recognising them, and revoking them."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.channels_bridge import send_to_groups
from kasse.core.services import tenant_service
from kasse.sync.engine.changes import node_group
from kasse.sync.engine.local import NODE_BLOCK_SIZE
from kasse.sync.engine.registry import NODE_HOOKS
from kasse.sync.models import NodePairingCode, StoreNode
from kasse.tenancy.models import Store

NODE_PAIRING_TTL = timedelta(hours=24)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalize_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch in CODE_ALPHABET)


@tenant_service
def create_node_pairing_code(*, actor: Actor, store: Store, give_up_waiting: bool = False) -> str:
    """A one-time code (``XXXX-XXXX``, 24 hours) for ``kasse store pair``.

    One node serves a store: the node paired with the code retires the store's current one. If that one
    still has records waiting, pairing is refused unless ``give_up_waiting`` (the owner's explicit word),
    or the new node pairs onto the old node's data directory (its waiting records come along)."""
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        if not NodePairingCode.objects.with_scopes_disabled().filter(code_digest=_digest(raw)).exists():
            break
    NodePairingCode.objects.create(
        organization_id=store.organization_id,
        store=store,
        code_digest=_digest(raw),
        expires_at=timezone.now() + NODE_PAIRING_TTL,
        give_up_waiting=give_up_waiting,
    )
    log_action(
        store.organization_id, actor, "sync.node_pairing_code.created", store, {"give_up_waiting": give_up_waiting}
    )
    return f"{raw[:4]}-{raw[4:]}"


def pair_node(*, code: str, name: str, version: str, replaces: str = "") -> tuple[StoreNode, str]:
    """Redeem a node pairing code: returns the new node and its secret credential (shown once).

    ``replaces`` is the node id of the data directory the node pairs onto (empty for a fresh one). The
    store's current node is retired in the same transaction (its credential stops working), so one node
    serves the store and its registers."""
    with scopes_disabled(), transaction.atomic():
        pairing = (
            NodePairingCode.objects.select_for_update()
            .select_related("store")
            .filter(code_digest=_digest(normalize_code(code)))
            .first()
        )
        if pairing is None or pairing.used_at is not None or pairing.expires_at < timezone.now():
            raise ValidationError(_("This pairing code is unknown, used or expired. Please create a new one."))
        current = list(StoreNode.objects.select_for_update().filter(store_id=pairing.store_id, revoked_at__isnull=True))
        replaced = _uuid_or_none(replaces) if replaces else None
        if replaces and (
            replaced is None or not StoreNode.objects.filter(pk=replaced, store_id=pairing.store_id).exists()
        ):
            raise ValidationError(
                _(
                    "This data directory belongs to another store. Nothing was changed; pair "
                    "with a fresh data directory."
                )
            )
        for old in current:
            if old.last_backlog and str(old.pk) != replaces and not pairing.give_up_waiting:
                raise ValidationError(
                    _(
                        "The store's node “%(name)s” still has %(count)s records waiting for the cloud. Start it "
                        "once with internet so they arrive, pair onto its data directory, or create a new code and "
                        "give them up explicitly. Nothing was changed."
                    )
                    % {"name": old.name, "count": old.last_backlog}
                )
        token = "kn_" + secrets.token_urlsafe(32)
        highest = (
            StoreNode.objects.filter(organization_id=pairing.organization_id).aggregate(b=Max("customer_number_base"))[
                "b"
            ]
            or 0
        )
        node = StoreNode.objects.create(
            organization_id=pairing.organization_id,
            store=pairing.store,
            name=(name.strip() or pairing.store.name)[:120],
            token_digest=_digest(token),
            customer_number_base=highest + NODE_BLOCK_SIZE,
            version=version[:40],
            last_contact_at=timezone.now(),
        )
        pairing.used_at = timezone.now()
        pairing.node = node
        pairing.save(update_fields=["used_at", "node", "updated_at"])
        for old in current:
            _retire(old, node, given_up=pairing.give_up_waiting and str(old.pk) != replaces)
        for hooks in NODE_HOOKS:  # e.g. the store's queued print jobs are the node's now (in its snapshot)
            if hooks.paired is not None:
                hooks.paired(pairing.store_id)
        log_action(
            pairing.organization_id,
            Actor(kind="node", label=node.name),
            "sync.node.paired",
            node,
            {"store": str(pairing.store_id), "version": version[:40]},
        )
    return node, token


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _retire(old: StoreNode, new: StoreNode, *, given_up: bool) -> None:
    """The store's previous node stops: credential refused, connection closed, unreported print jobs failed."""
    old.revoked_at = timezone.now()
    old.save(update_fields=["revoked_at", "updated_at"])
    released = _node_gone(old.store_id)
    log_action(
        old.organization_id,
        Actor(kind="node", label=new.name),
        "sync.node.retired",
        old,
        {"replaced_by": str(new.pk), "records_waiting": old.last_backlog, "waiting_given_up": given_up, **released},
    )
    transaction.on_commit(lambda: _close_connections(old))


def _node_gone(store_id: Any) -> dict[str, Any]:
    """The store lost its node: each app's hook runs; returns what they did, for the audit entry."""
    details: dict[str, Any] = {}
    for hooks in NODE_HOOKS:
        if hooks.retired is not None:
            details.update(hooks.retired(store_id))
    return details


def node_for_token(token: str) -> StoreNode | None:
    """The paired, not revoked node of a credential."""
    if not token:
        return None
    with scopes_disabled():
        return (
            StoreNode.objects.select_related("store", "organization")
            .filter(token_digest=_digest(token), revoked_at__isnull=True)
            .first()
        )


@tenant_service
def revoke_node(*, actor: Actor, node: StoreNode) -> StoreNode:
    """Stop a node's sync at once: its credential no longer works and its live connection closes."""
    if node.revoked_at is None:
        node.revoked_at = timezone.now()
        node.save(update_fields=["revoked_at", "updated_at"])
        released = _node_gone(node.store_id)  # e.g. print jobs: never printed by the cloud on its own
        log_action(node.organization_id, actor, "sync.node.revoked", node, released)
        transaction.on_commit(lambda: _close_connections(node))
    return node


def _close_connections(node: StoreNode) -> None:
    send_to_groups([(node_group(node.pk), {"type": "sync.revoked"})])
