"""Every WebSocket checks the browser's Origin against the allowed hosts (no cross-site hijacking)."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from kasse.register.services.pairing import DEVICE_COOKIE
from kasse.testing.asgi_server import asgi_server
from kasse.testing.plugin import paired_client

pytestmark = pytest.mark.django_db(transaction=True)

SOCKETS = ["/ws/register/display/", "/ws/register/status/", "/ws/register/scanner/", "/ws/live/", "/ws/sync/"]


@pytest.mark.parametrize("path", SOCKETS)
def test_a_page_of_another_site_cannot_open_a_socket(register, path):
    paired_client(register, token="origin-token")
    with asgi_server() as base_url:
        url = base_url.replace("http://", "ws://") + path
        # When a page on another site opens the socket with the register's cookie
        with pytest.raises(InvalidStatus) as refused:
            connect(
                url,
                origin="http://evil.example",
                open_timeout=5,
                additional_headers={"Cookie": f"{DEVICE_COOKIE}=origin-token"},
            )
    # Then the handshake is refused before any consumer runs
    assert refused.value.response.status_code == 403


def test_the_register_page_of_our_own_host_still_connects(register):
    paired_client(register, token="origin-token")
    with asgi_server() as base_url:
        url = base_url.replace("http://", "ws://") + "/ws/register/display/"
        with connect(
            url, origin=base_url, open_timeout=5, additional_headers={"Cookie": f"{DEVICE_COOKIE}=origin-token"}
        ) as ws:
            assert "html" in json.loads(ws.recv(timeout=5))
