"""The guard against server-side request forgery: which addresses a webhook may reach, and that the checked
address is the one connected to."""

from __future__ import annotations

import socket

import pytest

from kasse.notifications import outbound
from kasse.testing.webhook_receiver import WebhookReceiver


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.215.14", True),
        ("2a00:1450:4001:82b::200e", True),
        ("127.0.0.1", False),
        ("127.8.9.10", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),  # loopback written as IPv6
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.178.1", False),
        ("169.254.169.254", False),  # cloud metadata (link-local)
        ("fd00:ec2::254", False),  # AWS metadata over IPv6
        ("100.100.100.200", False),  # Alibaba metadata (shared address space)
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 (the address under test, nothing binds it)
        ("fe80::1", False),
        ("fc00::1", False),
        ("224.0.0.1", False),
        ("255.255.255.255", False),
    ],
)
def test_only_public_addresses_are_allowed(address, allowed):
    assert outbound.address_allowed(address) is allowed


def test_loopback_is_allowed_only_by_the_setting_and_never_private_ranges():
    assert outbound.address_allowed("127.0.0.1", allow_loopback=True)
    assert outbound.address_allowed("::1", allow_loopback=True)
    assert not outbound.address_allowed("10.0.0.1", allow_loopback=True)
    assert not outbound.address_allowed("169.254.169.254", allow_loopback=True)


def test_a_name_that_resolves_to_a_private_address_is_refused(monkeypatch):
    def resolve(host, port, *args, **kwargs):
        addresses = {"shop.example": ["93.184.215.14", "10.0.0.7"]}[host]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(outbound.Refused, match="10.0.0.7"):
        outbound.check_url("https://shop.example/hook")
    for url in ["file:///etc/passwd", "gopher://shop.example/", "https://user:pw@shop.example/", "https:///x"]:
        with pytest.raises(outbound.Refused):
            outbound.check_url(url)


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch):
    """DNS rebinding: the name resolves once to the allowed address; a later answer is never used."""
    with WebhookReceiver() as receiver:
        receiver.secrets["x"] = "whsec_" + "A" * 44
        answers = iter([["127.0.0.1"], ["10.0.0.9"]])
        real = socket.getaddrinfo

        def resolve(host, port, *args, **kwargs):
            if host != "hooks.example":
                return real(host, port, *args, **kwargs)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in next(answers)]

        monkeypatch.setattr(socket, "getaddrinfo", resolve)
        answer = outbound.post(f"http://hooks.example:{receiver.port}/ok/x", b"{}", {}, allow_loopback=True)
        assert answer.status == 401  # the receiver answered (unsigned); nothing went to 10.0.0.9
        (got,) = receiver.ok("x")
        assert got.headers["host"] == f"hooks.example:{receiver.port}"


def test_a_response_body_is_read_up_to_the_limit():
    with WebhookReceiver() as receiver:
        answer = outbound.post(receiver.url("/big"), b"{}", {}, allow_loopback=True, body_limit=4096)
    assert (answer.status, len(answer.body)) == (200, 4096)


def test_kept_alive_connections_carry_the_next_requests_and_a_dropped_one_is_replaced():
    connections = outbound.Connections()
    with WebhookReceiver() as receiver:
        answers = [outbound.post(receiver.url("/ok/x"), b"{}", {}, allow_loopback=True, connections=connections)]
        answers += [outbound.post(receiver.url("/ok/x"), b"{}", {}, allow_loopback=True, connections=connections)]
        # the receiver closes this connection after answering, without a word: the next request finds it
        # closed and goes over a new one
        answers += [outbound.post(receiver.url("/drop/x"), b"{}", {}, allow_loopback=True, connections=connections)]
        answers += [outbound.post(receiver.url("/drop/x"), b"{}", {}, allow_loopback=True, connections=connections)]
        answers += [outbound.post(receiver.url("/big"), b"{}", {}, allow_loopback=True, connections=connections)]
        answers += [outbound.post(receiver.url("/ok/x"), b"{}", {}, allow_loopback=True, connections=connections)]
        connections.close()
        ports = [r.peer_port for r in receiver.received]
    assert [a.status for a in answers] == [401, 401, 401, 401, 200, 401]
    assert ports[0] == ports[1] == ports[2]  # one connection for the first three
    assert ports[3] != ports[2]  # the dropped one replaced
    assert ports[4] not in ports[:4]  # /big was not read to its end: its connection was closed, not kept


def test_a_kept_connection_is_not_used_once_the_name_resolves_elsewhere(monkeypatch):
    connections = outbound.Connections()
    with WebhookReceiver() as receiver:
        answers = iter([["127.0.0.1"], ["10.0.0.9"]])
        real = socket.getaddrinfo

        def resolve(host, port, *args, **kwargs):
            if host != "hooks.example":
                return real(host, port, *args, **kwargs)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in next(answers)]

        monkeypatch.setattr(socket, "getaddrinfo", resolve)
        url = f"http://hooks.example:{receiver.port}/ok/x"
        assert outbound.post(url, b"{}", {}, allow_loopback=True, connections=connections).status == 401
        with pytest.raises(outbound.Refused, match="10.0.0.9"):
            outbound.post(url, b"{}", {}, allow_loopback=True, connections=connections)
        connections.close()
    assert len(receiver.received) == 1


def test_a_thread_keeps_only_a_few_connections_open():
    connections = outbound.Connections(per_thread=2)
    with WebhookReceiver() as first, WebhookReceiver() as second, WebhookReceiver() as third:
        for receiver in (first, second, third, first):
            outbound.post(receiver.url("/ok/x"), b"{}", {}, allow_loopback=True, connections=connections)
        assert len(connections._open) == 2  # the first receiver's was closed for the third's
        assert first.received[0].peer_port != first.received[1].peer_port
        connections.close()
        assert connections._open == set()
