"""/media/ in dev and demo: only a login, token or register of the file's organization gets it."""

from __future__ import annotations

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from kasse.testing.factories import OrganizationFactory, ProductFactory, RegisterFactory, StoreFactory, owner_user
from kasse.testing.plugin import paired_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def image(settings, tmp_path, organization):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "products").mkdir()
    (tmp_path / "products" / "broetchen.png").write_bytes(b"\x89PNG-bytes")
    (tmp_path / "products" / "unused.png").write_bytes(b"\x89PNG-other")
    with scopes_disabled():
        product = ProductFactory(organization=organization)
        product.image = "products/broetchen.png"
        product.save()
    return "/media/products/broetchen.png"


def test_a_file_is_not_served_without_login(image):
    assert Client().get(image).status_code == 404


def test_another_organization_gets_the_same_404_as_for_a_missing_file(image):
    client = Client()
    client.force_login(owner_user(OrganizationFactory()))
    assert client.get(image).status_code == 404
    assert client.get("/media/products/missing.png").status_code == 404


def test_the_organizations_back_office_and_registers_get_it(image, organization, owner):
    client = Client()
    client.force_login(owner)
    response = client.get(image)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG-bytes"
    register = RegisterFactory(store=StoreFactory(organization=organization), organization=organization)
    assert paired_client(register, token="media-token").get(image).status_code == 200
    # a file in the media directory that is no product's image is not served to anybody
    assert client.get("/media/products/unused.png").status_code == 404
