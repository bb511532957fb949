"""The store node's HTTP client for the cloud's sync endpoints (standard library only)."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode, urlparse

import kasse
from kasse.sync.engine.lan_address import NODE_URL_HEADER, advertised_url
from kasse.sync.engine.protocol import (
    AUTH_SCHEME,
    BACKLOG_HEADER,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    STATUS_HEADER,
    VERSION_HEADER,
)


class CloudUnreachable(Exception):
    """No usable answer from the cloud (network down, DNS, timeout, a cut-off or garbled answer, 5xx):
    try again later. ``status`` is the HTTP status of a 5xx answer (``None``: no answer at all)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class CloudRefused(Exception):
    """The cloud answered and said no (revoked, wrong protocol, bad request)."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail or code)
        self.status = status
        self.code = code
        self.detail = detail


def check_cloud_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return url.rstrip("/")


def _describe(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    if isinstance(exc, http.client.IncompleteRead):
        return f"the answer was cut off after {len(exc.partial)} bytes"
    text = str(reason if reason is not None else exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


class CloudClient:
    def __init__(self, cloud_url: str, token: str = "", timeout: float = 15.0) -> None:
        self.base = check_cloud_url(cloud_url)
        self.token = token
        self.timeout = timeout
        self.backlog: int | None = None
        self.status: dict[str, Any] | None = None  # the node's sync status, reported with each request
        self.cloud_version = ""  # what the cloud's last answer said it runs (``Kasse-Version``)

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {
            PROTOCOL_HEADER: str(PROTOCOL_VERSION),
            VERSION_HEADER: kasse.__version__,
            "Accept": "application/json",
        }
        if self.token:
            headers["Authorization"] = f"{AUTH_SCHEME} {self.token}"
        if self.backlog is not None:
            headers[BACKLOG_HEADER] = str(self.backlog)
        if self.status is not None:
            headers[STATUS_HEADER] = json.dumps(self.status, separators=(",", ":"))  # ASCII: escaped
        if advertised_url():
            headers[NODE_URL_HEADER] = advertised_url()  # where the shop's registers reach this node
        data = None
        if body is not None:
            data = json.dumps({"protocol": PROTOCOL_VERSION, **body}, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - checked URL
                self.cloud_version = (response.headers.get(VERSION_HEADER) or "")[:40]
                payload = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                raise CloudUnreachable(f"cloud error {exc.code}", status=exc.code) from exc
            try:
                error = json.loads(exc.read())
            except (ValueError, OSError, http.client.HTTPException):
                error = {}
            if not isinstance(error, dict):
                error = {}
            raise CloudRefused(exc.code, str(error.get("error", exc.code)), str(error.get("detail", ""))) from exc
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
            # HTTPException: a cut-off answer (IncompleteRead), a garbled status line (BadStatusLine), ...
            raise CloudUnreachable(_describe(exc)) from exc
        if not isinstance(payload, dict):
            raise CloudUnreachable("the cloud's answer is not a JSON object")
        if payload.get("protocol") != PROTOCOL_VERSION:
            raise CloudRefused(
                409,
                "protocol_mismatch",
                f"The cloud answered with sync protocol {payload.get('protocol')}, "
                f"this node speaks {PROTOCOL_VERSION}. Nothing was applied.",
            )
        return dict(payload)

    def pair(self, code: str, name: str) -> dict[str, Any]:
        return self._request("POST", "/sync/v1/pair", {"code": code, "name": name, "version": kasse.__version__})

    def snapshot(self) -> dict[str, Any]:
        return self._request("GET", "/sync/v1/snapshot")

    def changes(self, since: int, limit: int) -> dict[str, Any]:
        return self._request("GET", "/sync/v1/changes?" + urlencode({"since": since, "limit": limit}))

    def push(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        return self._request("POST", "/sync/v1/push", {"records": records})

    def fetch(self, path: str) -> dict[str, Any]:
        """GET another node endpoint of the cloud (an app's, e.g. the TSE credentials) as this node."""
        return self._request("GET", path)

    @property
    def websocket_url(self) -> str:
        parsed = urlparse(self.base)
        scheme = "wss" if parsed.scheme == "https" else "ws"
        return f"{scheme}://{parsed.netloc}{parsed.path}/ws/sync/"

    def websocket_headers(self) -> dict[str, str]:
        return {"Authorization": f"{AUTH_SCHEME} {self.token}", PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
