"""A small HTTP client for fiskaly SIGN DE v2 (standard library only: ``http.client``).

What fiskaly documents and this client does:

- ``POST /auth {api_key, api_secret}`` gives ``access_token`` (and ``refresh_token``); the token is
  refreshed with ``POST /auth {refresh_token}`` shortly before it expires, and on a ``401`` the
  client logs in again once and repeats the request.
- Timeouts per kind of request (fiskaly: transactions 3–5 s, authentication 3–4 s, TSS set-up at
  least 30 s, exports up to 10 min); one transaction call never waits longer than its timeout in
  total, retries included, so the register is never held up.
- A ``5xx`` answer, a refused connection or a timeout is retried (twice, after 0.2 s and 0.5 s,
  within that total); every request here is a PUT/PATCH/GET of an id we chose, so repeating it is
  safe. Then :class:`TseUnavailable`. Any other ``4xx`` is :class:`TseRefused` with fiskaly's
  ``code`` and ``message`` (error answers are ``{status_code, error, code, message}``).

- Connections are kept alive (HTTP/1.1) and reused by the next request to the same host, from any
  thread of the process (one request per connection at a time): a sale's finish then costs one round
  trip, not a new TCP and TLS handshake on top. A connection idle for :data:`IDLE_SECONDS` is not
  reused. A reused connection the server closed in the meantime (it answers nothing: the request is
  refused, reset, or the connection ends before the status line) is retried at once, once, on a new
  connection: every request is safe to repeat (above), and a PUT fiskaly stored before the
  connection ended answers ``409`` and is read back. That retry is not one of the two above.
- Proxies from the environment (``https_proxy``, ``no_proxy``) are honoured as ``urllib`` does.

Tokens and idle connections live in memory per process (tokens expire within minutes; nothing to store).
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode, urlsplit

from kasse.fiscal.tse.interface import TseRefused, TseUnavailable

RETRY_DELAYS = (0.2, 0.5)
REFRESH_MARGIN = 60.0  # seconds before expiry a token is refreshed
IDLE_SECONDS = 30.0  # an idle connection older than this is closed, not reused (servers drop them)
IDLE_PER_HOST = 4  # idle connections kept per host (a few threads sign at once: requests, starts)


@dataclass
class _Token:
    access: str
    access_expires: float
    refresh: str
    refresh_expires: float


_TOKENS: dict[tuple[str, str], _Token] = {}
_TOKENS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Timeouts:
    tx: float = 4.0
    auth: float = 4.0
    setup: float = 30.0
    export: float = 600.0


class FiskalyApi:
    """Requests to one fiskaly organization (API key) at one base URL."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        api_secret: str,
        timeouts: Timeouts | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.api_secret = api_secret
        self.timeouts = timeouts or Timeouts()
        self.clock = clock
        self.sleep = sleep

    # -- authentication ----------------------------------------------------------------------------
    def _token(self, deadline: float, *, renew: bool = False) -> str:
        key = (self.base_url, self.api_key)
        with _TOKENS_LOCK:
            token = _TOKENS.get(key)
            now = self.clock()
            if token is not None and not renew and token.access_expires - REFRESH_MARGIN > now:
                return token.access
            answer = None
            if token is not None and token.refresh_expires - REFRESH_MARGIN > now:
                try:
                    answer = self._auth({"refresh_token": token.refresh}, deadline)
                except TseRefused:
                    answer = None  # refresh token no longer valid: log in again
            if answer is None:
                answer = self._auth({"api_key": self.api_key, "api_secret": self.api_secret}, deadline)
            now = self.clock()
            token = _Token(
                access=str(answer["access_token"]),
                access_expires=now + float(answer.get("access_token_expires_in", 300)),
                refresh=str(answer.get("refresh_token", "")),
                refresh_expires=now + float(answer.get("refresh_token_expires_in", 0)),
            )
            _TOKENS[key] = token
            return token.access

    def _auth(self, body: dict[str, str], deadline: float) -> dict[str, Any]:
        deadline = min(deadline, self.clock() + self.timeouts.auth)
        status, answer = self._send("POST", "/auth", body, None, deadline, token=None)
        if status >= 400:
            raise _refusal(status, answer, "fiskaly refused the login")
        return _json(answer)

    @staticmethod
    def forget_tokens() -> None:
        """Forget this process's tokens and close its idle connections (tests; a changed configuration)."""
        with _TOKENS_LOCK:
            _TOKENS.clear()
        _POOL.close_all()

    # -- requests ----------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        kind: str = "tx",
        query: dict[str, Any] | None = None,
        raw: bool = False,
    ) -> Any:
        """Send an authenticated request; the parsed JSON answer (``raw``: the bytes)."""
        deadline = self.clock() + getattr(self.timeouts, kind)
        renewed = False
        attempt = 0
        while True:
            try:
                token = self._token(deadline, renew=renewed)
                status, answer = self._send(method, path, body, query, deadline, token=token)
            except TseUnavailable:
                status, answer = 0, b""
            if status == 401 and not renewed:
                renewed = True  # the token expired or was revoked: log in again once
                continue
            if status == 0 or status >= 500:
                if attempt < len(RETRY_DELAYS) and self.clock() + RETRY_DELAYS[attempt] < deadline:
                    self.sleep(RETRY_DELAYS[attempt])
                    attempt += 1
                    continue
                detail = f"HTTP {status}" if status else "no answer in time"
                raise TseUnavailable(f"fiskaly {method} {path}: {detail} after {attempt + 1} attempts")
            if status >= 400:
                raise _refusal(status, answer, f"fiskaly refused {method} {path}")
            return answer if raw else _json(answer)

    def _send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        query: dict[str, Any] | None,
        deadline: float,
        *,
        token: str | None,
    ) -> tuple[int, bytes]:
        url = self.base_url + path + (f"?{urlencode(query)}" if query else "")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        target = urlsplit(url)
        for _attempt in range(2):
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise TseUnavailable(f"fiskaly {method} {path}: no time left")
            connection, reused = _POOL.take(target, remaining)
            try:
                connection.request(method, _request_target(connection, target), body=data, headers=headers)
                response = connection.getresponse()
                answer = response.read()
            except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError, http.client.BadStatusLine) as exc:
                # RemoteDisconnected is both a ConnectionResetError and a BadStatusLine: no answer at all.
                connection.close()
                if reused:
                    continue  # the server had closed the idle connection: once more on a new one
                raise TseUnavailable(f"fiskaly {method} {path}: {exc}") from exc
            except (TimeoutError, OSError, http.client.HTTPException) as exc:
                connection.close()
                raise TseUnavailable(f"fiskaly {method} {path}: {exc}") from exc
            if response.will_close:
                connection.close()
            else:
                _POOL.give(target, connection)
            return int(response.status), answer
        raise TseUnavailable(f"fiskaly {method} {path}: the connection ended twice without an answer")


Origin = tuple[str, str, int]


class _Pool:
    """Idle keep-alive connections per host, shared by the threads of the process. A connection is
    used by one request at a time: taken out while it is in use, put back when its answer was read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[Origin, list[tuple[http.client.HTTPConnection, float]]] = {}
        self.opened = 0  # new connections made (tests: a reused one is not counted)

    def take(self, target: Any, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        """A connection to ``target``'s host with ``timeout`` for this request, and whether it was used before."""
        origin = _origin(target)
        stale: list[http.client.HTTPConnection] = []
        found = None
        with self._lock:
            idle = self._idle.get(origin, [])
            now = time.monotonic()
            while idle and found is None:
                connection, since = idle.pop()
                if now - since < IDLE_SECONDS and connection.sock is not None:
                    found = connection
                else:
                    stale.append(connection)
            if found is None:
                self.opened += 1
        for connection in stale:
            connection.close()
        if found is not None:
            found.sock.settimeout(timeout)
            return found, True
        return _connect(origin, timeout), False

    def give(self, target: Any, connection: http.client.HTTPConnection) -> None:
        origin = _origin(target)
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if len(idle) < IDLE_PER_HOST:
                idle.append((connection, time.monotonic()))
                return
        connection.close()

    def close_all(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection, _since in connections:
                connection.close()


_POOL = _Pool()


def _origin(target: Any) -> Origin:
    scheme = target.scheme or "https"
    return scheme, target.hostname or "", target.port or (443 if scheme == "https" else 80)


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()  # certificates verified, as urllib does; loaded once per process


def _proxy(scheme: str, host: str) -> tuple[str, int] | None:
    """The proxy the environment names for ``scheme`` (``urllib``'s rules, ``no_proxy`` included)."""
    proxy = urllib.request.getproxies().get(scheme)
    if not proxy or urllib.request.proxy_bypass(host):
        return None
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    return parts.hostname or "", parts.port or 80


def _connect(origin: Origin, timeout: float) -> http.client.HTTPConnection:
    scheme, host, port = origin
    proxy = _proxy(scheme, host)
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = http.client.HTTPSConnection(*(proxy or (host, port)), timeout=timeout, context=_tls_context())
        if proxy:
            connection.set_tunnel(host, port)
    else:
        connection = http.client.HTTPConnection(*(proxy or (host, port)), timeout=timeout)
        connection.kasse_via_proxy = proxy is not None  # type: ignore[attr-defined]
    return connection


def _request_target(connection: http.client.HTTPConnection, target: Any) -> str:
    """The path and query; through a plain-HTTP proxy the whole URL."""
    path = target.path + (f"?{target.query}" if target.query else "")
    if getattr(connection, "kasse_via_proxy", False):
        return target.geturl()
    return path


def _json(answer: bytes) -> dict[str, Any]:
    try:
        value = json.loads(answer.decode() or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TseUnavailable(f"fiskaly answered something that is not JSON: {answer[:80]!r}") from exc
    if not isinstance(value, dict):
        raise TseUnavailable("fiskaly answered JSON that is not an object")
    return value


def _refusal(status: int, answer: bytes, prefix: str) -> TseRefused:
    try:
        body = json.loads(answer.decode() or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        body = {}
    body = body if isinstance(body, dict) else {}
    code = str(body.get("code", ""))
    message = str(body.get("message", "")) or answer[:200].decode(errors="replace")
    return TseRefused(f"{prefix}: {status} {code} {message}".strip(), status=status, code=code)
