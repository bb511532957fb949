"""Wrong register and display pairing codes are limited per address."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.register.models import RegisterDevice
from kasse.register.services.pairing import create_pairing_code

pytestmark = pytest.mark.django_db


def _pair(code: str, address: str = "192.0.2.1"):
    return Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address).post("/register/pair/", {"code": code})


def test_ten_wrong_codes_block_the_address_for_a_while(register):
    with scopes_disabled():
        display_code = create_pairing_code(actor=Actor.system(), register=register, for_display=True)
    assert [_pair("00000000").status_code for _ in range(10)] == [400] * 10
    refused = _pair(display_code)
    assert refused.status_code == 429
    page = BeautifulSoup(refused.content, "html.parser")
    assert "Too many wrong pairing codes from this device. Please try again in 15 minutes." in page.get_text()
    with scopes_disabled():
        assert not RegisterDevice.objects.exists()
    assert _pair(display_code, address="192.0.2.2").status_code == 302
