"""A small HTTP client for fiskaly SIGN DE v2 (standard library only: ``urllib``).

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

Tokens live in memory per process (they expire within minutes; nothing to store).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from kasse.fiscal.tse.interface import TseRefused, TseUnavailable

RETRY_DELAYS = (0.2, 0.5)
REFRESH_MARGIN = 60.0  # seconds before expiry a token is refreshed


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
        with _TOKENS_LOCK:
            _TOKENS.clear()

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
        remaining = deadline - self.clock()
        if remaining <= 0:
            raise TseUnavailable(f"fiskaly {method} {path}: no time left")
        url = self.base_url + path + (f"?{urlencode(query)}" if query else "")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=remaining) as response:  # noqa: S310 - configured URL
                return int(response.status), response.read()
        except urllib.error.HTTPError as exc:
            return int(exc.code), exc.read()
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            raise TseUnavailable(f"fiskaly {method} {path}: {exc}") from exc


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
