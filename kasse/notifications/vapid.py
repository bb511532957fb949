"""The server's VAPID key pair (RFC 8292): made once, kept in the data directory, the same for every push.

The private key is a PEM file (``KASSE_DATA_DIR/vapid_private_key.pem``, mode 600) written at the cloud's
first start (``NotificationsConfig.ready``) or, where that did not run, at the first use; every process
reads the same file, so the public key that browsers subscribed with stays valid across restarts. Losing
the file ends every subscription (browsers refuse pushes signed with another key): back it up with the
data directory, as the secret key.
"""

from __future__ import annotations

import base64
import os
import threading
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings

_lock = threading.Lock()
FILE_NAME = "vapid_private_key.pem"


def key_path() -> Path:
    return Path(settings.DATA_DIR) / FILE_NAME


def ensure_keys() -> Path:
    """Create the key pair unless it exists (two processes starting together: one wins, both read it)."""
    path = key_path()
    if path.exists():
        return path
    with _lock:
        if path.exists():
            return path
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
    return path


@cache
def _pem(path: str) -> bytes:
    return Path(path).read_bytes()


def private_pem() -> bytes:
    return _pem(str(ensure_keys()))


def application_server_key() -> str:
    """The public key as browsers want it for ``pushManager.subscribe`` (uncompressed point, base64url)."""
    key = serialization.load_pem_private_key(private_pem(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    raw = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
