"""The store node's HTTP client for the cloud's sync endpoints (standard library only)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode, urlparse

import kasse
from kasse.sync.protocol import AUTH_SCHEME, BACKLOG_HEADER, PROTOCOL_HEADER, PROTOCOL_VERSION, VERSION_HEADER


class CloudUnreachable(Exception):
    """No answer from the cloud (network down, DNS, timeout, 5xx): try again later."""


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


class CloudClient:
    def __init__(self, cloud_url: str, token: str = "", timeout: float = 15.0) -> None:
        self.base = check_cloud_url(cloud_url)
        self.token = token
        self.timeout = timeout
        self.backlog: int | None = None

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), VERSION_HEADER: kasse.__version__,
                   "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"{AUTH_SCHEME} {self.token}"
        if self.backlog is not None:
            headers[BACKLOG_HEADER] = str(self.backlog)
        data = None
        if body is not None:
            data = json.dumps({"protocol": PROTOCOL_VERSION, **body}, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - checked URL
                payload = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                raise CloudUnreachable(f"cloud error {exc.code}") from exc
            try:
                error = json.loads(exc.read())
            except ValueError:
                error = {}
            raise CloudRefused(exc.code, error.get("error", str(exc.code)), error.get("detail", "")) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise CloudUnreachable(str(getattr(exc, "reason", exc))) from exc
        if payload.get("protocol") != PROTOCOL_VERSION:
            raise CloudRefused(409, "protocol_mismatch",
                               f"The cloud answered with sync protocol {payload.get('protocol')}, "
                               f"this node speaks {PROTOCOL_VERSION}. Nothing was applied.")
        return dict(payload)

    def pair(self, code: str, name: str) -> dict[str, Any]:
        return self._request("POST", "/sync/v1/pair", {"code": code, "name": name, "version": kasse.__version__})

    def snapshot(self) -> dict[str, Any]:
        return self._request("GET", "/sync/v1/snapshot")

    def changes(self, since: int, limit: int) -> dict[str, Any]:
        return self._request("GET", "/sync/v1/changes?" + urlencode({"since": since, "limit": limit}))

    def push(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        return self._request("POST", "/sync/v1/push", {"records": records})

    @property
    def websocket_url(self) -> str:
        parsed = urlparse(self.base)
        scheme = "wss" if parsed.scheme == "https" else "ws"
        return f"{scheme}://{parsed.netloc}{parsed.path}/ws/sync/"

    def websocket_headers(self) -> dict[str, str]:
        return {"Authorization": f"{AUTH_SCHEME} {self.token}", PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
