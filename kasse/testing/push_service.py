"""A Web Push service on 127.0.0.1 for tests and benchmarks, written to RFC 8030, 8291 and 8292.

It plays both the push service and the browser behind it: ``subscribe()`` makes a user agent's P-256 key
pair and 16-byte authentication secret, as ``pushManager.subscribe`` would, and returns what the browser
would hand the application (endpoint, ``p256dh``, ``auth``). A push request to that endpoint is accepted
(``201 Created`` with a ``Location``, RFC 8030 section 5) only when:

- ``Authorization: vapid t=<JWT>, k=<key>`` is there (RFC 8292 section 3), the JWT is ES256-signed by ``k``,
  ``k`` is the application server key the subscription was made with, ``aud`` is the endpoint's origin,
  ``exp`` lies in the future but not more than 24 hours ahead, and ``sub`` is a ``mailto:`` or ``https:`` URI;
- ``TTL`` is present (RFC 8030 section 5.2) and ``Content-Encoding`` is ``aes128gcm``;
- the body decrypts with the user agent's private key and the auth secret (RFC 8291 section 3.4, RFC 8188
  record framing and padding), done here with ``cryptography`` alone, independent of the sender's library.

Otherwise 400, 401 or 403 with the reason. ``gone(token)`` makes a subscription answer 410, ``down`` makes
every request answer 503 and ``hang`` holds requests unanswered (a push service that is out or stuck).
Every accepted message is kept in ``received`` with its decrypted JSON and the time it arrived.
"""

from __future__ import annotations

import base64
import json
import secrets
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hmac(key: bytes, data: bytes) -> bytes:
    mac = hmac.HMAC(key, hashes.SHA256())
    mac.update(data)
    return mac.finalize()


def _hkdf_expand(prk: bytes, info: bytes, length: int) -> bytes:
    # One block suffices for every length RFC 8291 asks for (at most 32 bytes).
    return _hmac(prk, info + b"\x01")[:length]


class Rejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class UserAgent:
    """One subscription as the browser holds it."""

    token: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    application_server_key: bytes  # the uncompressed point the subscription was restricted to

    @property
    def public_raw(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )


@dataclass
class Received:
    token: str
    payload: dict[str, Any]
    headers: dict[str, str]
    claims: dict[str, Any]
    at: float  # time.time() when it arrived


@dataclass
class PushService:
    """Start with ``start()`` (or as a context manager); ``stop()`` ends it."""

    subscriptions: dict[str, UserAgent] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    down: bool = False
    hang: bool = False
    hang_seconds: float = 30.0

    def __post_init__(self) -> None:
        self._gone: set[str] = set()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._stop = threading.Event()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers, text = service._handle(self.path, dict(self.headers.items()), body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                data = text.encode()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # A sender that timed out on a hanging request has gone when the answer is written: not an error here.
        self.server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> PushService:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> PushService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the browser's side -----------------------------------------------------------------------------
    def subscribe(self, application_server_key: str) -> dict[str, Any]:
        """What ``PushSubscription.toJSON()`` gives the page: ``{"endpoint", "keys": {"p256dh", "auth"}}``."""
        agent = UserAgent(
            token=secrets.token_urlsafe(16),
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth_secret=secrets.token_bytes(16),
            application_server_key=b64url_decode(application_server_key),
        )
        with self._lock:
            self.subscriptions[agent.token] = agent
        return {
            "endpoint": f"{self.origin}/push/{agent.token}",
            "keys": {"p256dh": b64url(agent.public_raw), "auth": b64url(agent.auth_secret)},
        }

    def gone(self, endpoint: str) -> None:
        """The subscription behind ``endpoint`` ends: its pushes get 410 Gone from now on."""
        with self._lock:
            self._gone.add(endpoint.rsplit("/", 1)[-1])

    def messages_for(self, endpoint: str) -> list[Received]:
        token = endpoint.rsplit("/", 1)[-1]
        with self._lock:
            return [r for r in self.received if r.token == token]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until ``count`` messages arrived in all (or ``timeout`` passed); returns what arrived."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count and time.monotonic() < deadline:
                self._arrived.wait(max(0.0, deadline - time.monotonic()))
            return list(self.received)

    # --- the push service's side ----------------------------------------------------------------------
    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], str]:
        if self.hang:
            self._stop.wait(self.hang_seconds)
            return 503, {}, "hung"
        if self.down:
            return 503, {"Retry-After": "30"}, "push service unavailable"
        lower = {k.lower(): v for k, v in headers.items()}
        token = path.rsplit("/", 1)[-1] if path.startswith("/push/") else ""
        with self._lock:
            agent = self.subscriptions.get(token)
            gone = token in self._gone
        if agent is None:
            return 404, {}, "no such subscription"
        if gone:
            return 410, {}, "subscription expired"
        try:
            claims = self._check_vapid(lower.get("authorization", ""), agent)
            if "ttl" not in lower or not lower["ttl"].isdigit():
                raise Rejected(400, "TTL header missing")
            if lower.get("content-encoding") != "aes128gcm":
                raise Rejected(400, "Content-Encoding must be aes128gcm")
            payload = json.loads(decrypt(agent, body))
        except Rejected as exc:
            with self._lock:
                self.rejected.append((exc.status, exc.reason))
            return exc.status, {}, exc.reason
        message_id = secrets.token_urlsafe(8)
        with self._arrived:
            self.received.append(Received(token, payload, lower, claims, time.time()))
            self._arrived.notify_all()
        return 201, {"Location": f"{self.origin}/message/{message_id}", "TTL": lower["ttl"]}, ""

    def _check_vapid(self, authorization: str, agent: UserAgent) -> dict[str, Any]:
        scheme, _, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise Rejected(401, "Authorization must use the vapid scheme")
        fields = dict(part.strip().split("=", 1) for part in params.split(",") if "=" in part)
        token, key = fields.get("t", ""), fields.get("k", "")
        try:
            raw_key = b64url_decode(key)
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw_key)
            head_b64, claims_b64, signature_b64 = token.split(".")
            header = json.loads(b64url_decode(head_b64))
            claims = json.loads(b64url_decode(claims_b64))
            signature = b64url_decode(signature_b64)
        except (ValueError, TypeError) as exc:
            raise Rejected(401, f"unreadable VAPID token or key: {exc}") from exc
        if header.get("alg") != "ES256" or len(signature) != 64:
            raise Rejected(401, "the JWT must be ES256 with a 64-byte signature")
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        try:
            public.verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature as exc:
            raise Rejected(401, "the JWT's signature does not match k") from exc
        if raw_key != agent.application_server_key:
            raise Rejected(403, "k is not the key this subscription was made for")
        if claims.get("aud") != self.origin:
            raise Rejected(403, f"aud must be {self.origin}")
        now = time.time()
        exp = claims.get("exp")
        if not isinstance(exp, int) or exp <= now or exp > now + 24 * 3600:
            raise Rejected(403, "exp must lie within the next 24 hours")
        sub = str(claims.get("sub") or "")
        if not (sub.startswith("mailto:") or sub.startswith("https:")):
            raise Rejected(403, "sub must be a mailto: or https: URI")
        return claims


def decrypt(agent: UserAgent, body: bytes) -> bytes:
    """The plaintext of an ``aes128gcm`` Web Push body (RFC 8291 section 3.4 on RFC 8188's framing)."""
    if len(body) < 21:
        raise Rejected(400, "body too short for an aes128gcm header")
    salt, record_size, id_length = body[:16], struct.unpack("!I", body[16:20])[0], body[20]
    key_id = body[21 : 21 + id_length]
    if id_length != 65 or record_size < 18:
        raise Rejected(400, "the keyid must be the sender's 65-byte public key")
    try:
        sender_public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key_id)
    except ValueError as exc:
        raise Rejected(400, "the keyid is not a P-256 point") from exc
    shared = agent.private_key.exchange(ec.ECDH(), sender_public)
    key_info = b"WebPush: info\x00" + agent.public_raw + key_id
    ikm = _hkdf_expand(_hmac(agent.auth_secret, shared), key_info, 32)
    prk = _hmac(salt, ikm)
    cek = _hkdf_expand(prk, b"Content-Encoding: aes128gcm\x00", 16)
    nonce_base = _hkdf_expand(prk, b"Content-Encoding: nonce\x00", 12)
    records = body[21 + id_length :]
    plain = b""
    for index, start in enumerate(range(0, len(records), record_size)):
        nonce = (int.from_bytes(nonce_base, "big") ^ index).to_bytes(12, "big")
        try:
            record = AESGCM(cek).decrypt(nonce, records[start : start + record_size], None)
        except InvalidTag as exc:
            raise Rejected(400, "the payload does not decrypt with the subscription's keys") from exc
        stripped = record.rstrip(b"\x00")
        last = start + record_size >= len(records)
        if not stripped or stripped[-1:] != (b"\x02" if last else b"\x01"):
            raise Rejected(400, "bad record padding delimiter")
        plain += stripped[:-1]
    return plain
