"""A revoked customer display loses its open WebSocket at once (as a revoked node does)."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django_scopes import scopes_disabled
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from kasse.core.actors import Actor
from kasse.register.live import close_sockets_of_revoked_devices
from kasse.register.models import RegisterDevice
from kasse.register.services.pairing import DEVICE_COOKIE, _digest, revoke_device
from kasse.sync.engine.registry import label_of
from kasse.testing.asgi_server import asgi_server

pytestmark = pytest.mark.django_db(transaction=True)


def _display(register, token: str) -> RegisterDevice:
    with scopes_disabled():
        return RegisterDevice.objects.create(
            organization=register.organization, register=register, token_digest=_digest(token), is_display=True
        )


def test_revoking_a_display_closes_its_open_socket_at_once(register, owner):
    display = _display(register, "display-token")
    other = _display(register, "other-display")
    with asgi_server() as base_url:
        url = base_url.replace("http://", "ws://") + "/ws/register/display/"
        with (
            connect(url, additional_headers={"Cookie": f"{DEVICE_COOKIE}=display-token"}, open_timeout=5) as ws,
            connect(url, additional_headers={"Cookie": f"{DEVICE_COOKIE}=other-display"}, open_timeout=5) as ws2,
        ):
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


def _closed_with(ws) -> int | None:
    """The close code the server sent (a status socket may send its status first); a timeout fails."""
    for _ in range(10):
        try:
            ws.recv(timeout=5)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else None
    return None


def test_revoking_a_register_closes_its_status_and_scanner_sockets_too(register, owner):
    device = _display(register, "register-token")
    with scopes_disabled():
        RegisterDevice.objects.filter(pk=device.pk).update(is_display=False)
        device.refresh_from_db()
    with asgi_server() as base_url:
        ws_base = base_url.replace("http://", "ws://")
        headers = {"Cookie": f"{DEVICE_COOKIE}=register-token"}
        with (
            connect(ws_base + "/ws/register/status/", additional_headers=headers, open_timeout=5) as status,
            connect(ws_base + "/ws/register/scanner/", additional_headers=headers, open_timeout=5) as scanner,
        ):
            assert json.loads(status.recv(timeout=5))["type"] == "status"
            # When the owner revokes the register
            with scopes_disabled():
                revoke_device(actor=Actor.for_user(owner), device=device)
            # Then both of its sockets are closed by the server
            assert _closed_with(status) == 4403
            assert _closed_with(scanner) == 4403


def test_a_revocation_pulled_by_a_store_node_closes_the_devices_sockets_on_the_node(register):
    display = _display(register, "display-token")
    other = _display(register, "other-display")
    label = label_of(RegisterDevice)
    with asgi_server() as base_url:
        url = base_url.replace("http://", "ws://") + "/ws/register/display/"
        with (
            connect(url, additional_headers={"Cookie": f"{DEVICE_COOKIE}=display-token"}, open_timeout=5) as ws,
            connect(url, additional_headers={"Cookie": f"{DEVICE_COOKIE}=other-display"}, open_timeout=5) as ws2,
        ):
            assert "html" in json.loads(ws.recv(timeout=5))
            assert "html" in json.loads(ws2.recv(timeout=5))
            # When the node commits a pulled batch in which the cloud revoked one display (the other changed)
            events = [
                {
                    "seq": 7,
                    "model": label,
                    "id": str(display.pk),
                    "deleted": False,
                    "row": {"id": str(display.pk), "revoked_at": "2026-12-06T20:00:00+00:00"},
                },
                {
                    "seq": 8,
                    "model": label,
                    "id": str(other.pk),
                    "deleted": False,
                    "row": {"id": str(other.pk), "revoked_at": None},
                },
            ]
            with transaction.atomic():
                close_sockets_of_revoked_devices(events)
            # Then the revoked display's socket closes, the other stays
            assert _closed_with(ws) == 4403
            ws2.send("ping")
            ws2.ping().wait(timeout=5)
