"""A revoked customer display loses its open WebSocket at once (as a revoked node does)."""

from __future__ import annotations

import json

import pytest
from django_scopes import scopes_disabled
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from kasse.core.actors import Actor
from kasse.register.models import RegisterDevice
from kasse.register.services.pairing import DEVICE_COOKIE, _digest, revoke_device
from kasse.testing.asgi_server import asgi_server

pytestmark = pytest.mark.django_db(transaction=True)


def _display(register, token: str) -> RegisterDevice:
    with scopes_disabled():
        return RegisterDevice.objects.create(organization=register.organization, register=register,
                                             token_digest=_digest(token), is_display=True)


def test_revoking_a_display_closes_its_open_socket_at_once(register, owner):
    display = _display(register, "display-token")
    other = _display(register, "other-display")
    with asgi_server() as base_url:
        url = base_url.replace("http://", "ws://") + "/ws/register/display/"
        with connect(url, additional_headers={"Cookie": f"{DEVICE_COOKIE}=display-token"}, open_timeout=5) as ws, \
                connect(url, additional_headers={"Cookie": f"{DEVICE_COOKIE}=other-display"}, open_timeout=5) as ws2:
            # Given two displays of one register, each showing the idle screen
            assert "html" in json.loads(ws.recv(timeout=5))
            assert "html" in json.loads(ws2.recv(timeout=5))
            # When the owner revokes one
            with scopes_disabled():
                revoke_device(actor=Actor.for_user(owner), device=display)
            # Then its socket is closed by the server with 4403, without waiting for anything else
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4403
            # and the other display stays connected
            ws2.send("ping")
            ws2.ping().wait(timeout=5)
    assert other.revoked_at is None
