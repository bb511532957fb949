"""The secret of a QR payment account where a payment is sent.

In the cloud (and a one-box set-up) it is decrypted from the row. A store node's replica has no secret (the
feed leaves it out, :mod:`kasse.payments.syncing`): the node asks the cloud (``GET
/sync/v1/payments/qr-credentials`` with its node credential) and keeps the answer in this process's memory,
never on its disk; a change of an account in the feed makes it ask again. Without the cloud a node takes
no QR payment anyway: the provider is on the internet too.
"""

from __future__ import annotations

import threading
from typing import Any

from kasse.fiscal import crypto
from kasse.payments.qr.models import QrAccount
from kasse.sync.engine.local import is_node

PATH = "/sync/v1/payments/qr-credentials"
TIMEOUT = 4.0

_cache: dict[str, str] = {}
_lock = threading.Lock()


class CredentialsUnavailable(Exception):
    """The node could not get the account's secret from the cloud."""


def secret_for(account: QrAccount) -> str:
    if not is_node():
        return crypto.decrypt(account.secret)
    key = str(account.pk)
    with _lock:
        if key in _cache:
            return _cache[key]
    from kasse.sync.node.client import CloudRefused, CloudUnreachable
    from kasse.sync.node.steps import client_for, state

    node = state()
    if node is None or node.revoked:
        raise CredentialsUnavailable("this store node is not paired")
    try:
        answer: dict[str, Any] = client_for(node, timeout=TIMEOUT).fetch(PATH)
    except (CloudUnreachable, CloudRefused) as exc:
        raise CredentialsUnavailable(f"the cloud did not hand over the QR payment credentials: {exc}") from exc
    accounts = answer.get("accounts")
    secret = accounts.get(key) if isinstance(accounts, dict) else None
    if not isinstance(secret, str):
        raise CredentialsUnavailable("the cloud has no credentials for this QR payment account")
    with _lock:
        _cache[key] = secret
    return secret


def forget() -> None:
    with _lock:
        _cache.clear()
