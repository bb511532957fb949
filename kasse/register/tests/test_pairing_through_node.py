"""A register of a store that sells through its store node is paired and served on the node, never the cloud."""

from __future__ import annotations

import pytest
import segno
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.test import Client
from django_scopes import scopes_disabled

from kasse.register.models import PairingCode
from kasse.register.node_gate import serving_node
from kasse.register.services.pairing import DEVICE_COOKIE
from kasse.sync.cloud.services import NODE_BLOCK_SIZE
from kasse.sync.engine.lan_address import clean_lan_url, guess_lan_url
from kasse.sync.models import StoreNode
from kasse.testing.plugin import paired_client, soup_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _node(store, lan_url="http://192.168.1.20:8100"):
    with scopes_disabled():
        node = StoreNode.objects.create(
            organization=store.organization,
            store=store,
            name="Laden-PC",
            token_digest="n" * 64,
            customer_number_base=NODE_BLOCK_SIZE,
            lan_url=lan_url,
        )
    cache.clear()
    return node


def _pairing_page(owner_client, register, **extra):
    return soup_of(
        owner_client.post(f"/devices/register/{register.pk}/pairing-code/", extra, HTTP_ACCEPT_LANGUAGE="en")
    )


def test_pairing_page_of_a_node_store_names_the_nodes_address_with_a_qr_code(owner_client, store, register):
    _node(store)
    page = _pairing_page(owner_client, register)
    code = page.select_one("[data-testid=pairing-code]").text.replace(" ", "")
    assert "Laden-PC" in page.select_one("[data-testid=pair-on-node]").text
    assert (
        "Open http://192.168.1.20:8100/register/pair/ on the device"
        in page.select_one("[data-testid=pair-instructions]").text
    )
    svg = page.select_one("[data-testid=pair-qr] svg")
    expected = segno.make(f"http://192.168.1.20:8100/register/pair/?code={code}", error="m")
    assert str(svg) == str(BeautifulSoup(expected.svg_inline(scale=5, title="Pairing link"), "html.parser").svg)
    assert "testserver" not in page.text  # never the cloud's own address for such a store


def test_pairing_page_without_a_node_keeps_the_clouds_address(owner_client, register):
    page = _pairing_page(owner_client, register)
    assert (
        "Open http://testserver/register/pair/ on the device" in page.select_one("[data-testid=pair-instructions]").text
    )
    assert page.select_one("[data-testid=pair-on-node]") is None
    assert page.select_one("[data-testid=pair-qr] svg") is not None


def test_pairing_page_says_so_when_the_node_has_not_reported_its_address(owner_client, store, register):
    _node(store, lan_url="")
    page = _pairing_page(owner_client, register)
    assert "has not reported its address" in page.select_one("[data-testid=pair-instructions]").text
    assert page.select_one("[data-testid=pair-qr]") is None


def test_the_cloud_refuses_to_pair_a_register_of_a_node_store_and_leaves_the_code_for_the_node(
    owner_client, store, register
):
    _node(store)
    code = _pairing_page(owner_client, register).select_one("[data-testid=pairing-code]").text.replace(" ", "")
    response = Client().post("/register/pair/", {"code": code}, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 400
    assert DEVICE_COOKIE not in response.cookies
    assert soup_of(response).select_one("[data-testid=pair-error]").text == (
        "Diese Kasse gehört zu einer Filiale, die über ihren Filialserver „Laden-PC“ verkauft. Bitte dort koppeln: "
        "http://192.168.1.20:8100/register/pair/ auf diesem Gerät öffnen und den Code erneut eingeben."
    )
    with scopes_disabled():
        assert PairingCode.objects.get().used_at is None


@pytest.mark.parametrize("path", ["/register/", "/register/lock/", "/register/display/"])
def test_the_cloud_does_not_serve_a_paired_register_or_display_of_a_node_store(store, register, path):
    device = paired_client(register)
    assert device.get("/register/lock/").status_code == 200
    _node(store)
    response = device.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    page = soup_of(response)
    assert page.select_one("[data-testid=sells-through-node]") is not None
    assert page.select_one("[data-testid=node-address]").text == "http://192.168.1.20:8100/register/pair/"


def test_an_htmx_request_of_such_a_register_loads_the_whole_page(store, register):
    device = paired_client(register)
    _node(store)
    response = device.post("/register/cart/scan/", {"code": "4000000000017"}, HTTP_HX_REQUEST="true")
    assert (response.status_code, response["HX-Redirect"]) == (204, "/register/")


def test_a_revoked_node_hands_the_registers_back_to_the_cloud(store, register):
    from django.utils import timezone

    node = _node(store)
    with scopes_disabled():
        StoreNode.objects.filter(pk=node.pk).update(revoked_at=timezone.now())
    cache.clear()
    assert serving_node(store.pk) is None
    assert paired_client(register).get("/register/lock/").status_code == 200


def test_the_node_reports_its_lan_address_with_every_sync_request(store):
    from kasse.sync.cloud.services import _digest

    token = "node-secret"
    with scopes_disabled():
        node = StoreNode.objects.create(
            organization=store.organization,
            store=store,
            name="Laden-PC",
            token_digest=_digest(token),
            customer_number_base=NODE_BLOCK_SIZE,
        )
    headers = {"HTTP_AUTHORIZATION": f"Node {token}", "HTTP_KASSE_SYNC_PROTOCOL": "1"}
    Client().get("/sync/v1/changes?since=0", HTTP_KASSE_NODE_URL="http://192.168.1.20:8100/", **headers)
    node.refresh_from_db()
    assert node.lan_url == "http://192.168.1.20:8100"
    Client().get("/sync/v1/changes?since=0", HTTP_KASSE_NODE_URL="javascript:alert(1)", **headers)
    node.refresh_from_db()
    assert node.lan_url == "http://192.168.1.20:8100"  # a value that is no LAN URL is ignored


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://192.168.1.20:8100", "http://192.168.1.20:8100"),
        ("https://kasse-laden.local/", "https://kasse-laden.local"),
        ("http://[fd00::1]:8100", "http://[fd00::1]:8100"),
        ("http://user:pw@10.0.0.1", ""),
        ("http://10.0.0.1/evil?x=1", ""),
        ("ftp://10.0.0.1", ""),
        ("http://10.0.0.1:99999", ""),
        ("http://<script>", ""),
        ("", ""),
    ],
)
def test_lan_urls_are_cleaned(value, expected):
    assert clean_lan_url(value) == expected


def test_a_node_listening_on_one_address_advertises_it():
    assert guess_lan_url("192.168.1.20", 8100) == "http://192.168.1.20:8100"
