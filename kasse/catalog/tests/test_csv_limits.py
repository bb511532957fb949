"""CSV import limits: a file or a cell too large for a product list gets a clear message and changes nothing."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django_scopes import scope

from kasse.catalog.csv_export import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from kasse.catalog.csv_io import import_products_csv

pytestmark = pytest.mark.django_db

HEADER = "sku;name;price;vat_class"


def _upload(client, content: bytes):
    response = client.post(
        reverse("catalog:product-import"),
        {"file": SimpleUploadedFile("p.csv", content), "action": "import"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    return response, BeautifulSoup(response.content, "html.parser")


def _english(owner_client):
    session = owner_client.session
    session["language"] = "en"
    session.save()


def test_a_10_mb_file_is_refused_before_it_is_read(owner_client, organization, counts):
    _english(owner_client)
    row = "\r\nS-{n};Brötchen {n};0,45;reduced"
    content = (HEADER + "".join(row.format(n=n) for n in range(400_000))).encode()[: 10 * 1024 * 1024]
    before = counts()
    response, page = _upload(owner_client, content)
    assert response.status_code == 400
    assert "The file is larger than 4 MB; please split it." in page.select_one("[data-testid=import-form]").text
    assert counts() == before


def test_the_service_refuses_a_large_file_too(organization, actor):
    with scope(organization=organization), translation.override("en"):
        result = import_products_csv(actor=actor, organization=organization, file=b"x" * (MAX_IMPORT_BYTES + 1))
    assert [str(e) for e in result.errors] == ["The file is larger than 4 MB; please split it."]


def test_a_200_kb_cell_is_a_clear_error(owner_client, organization, counts):
    _english(owner_client)
    content = f"{HEADER}\r\nS-1;Brezel;0,80;reduced\r\nS-2;{'B' * 200_000};0,80;reduced\r\n".encode()
    before = counts()
    response, page = _upload(owner_client, content)
    assert response.status_code == 400
    assert [li.text for li in page.select("[data-testid=import-errors] li")] == [
        "Line 3: This line cannot be read: a cell has more than 1,000 characters or an unclosed quote."
    ]
    assert counts() == before


def test_a_cell_over_1000_characters_is_a_clear_error(owner_client, organization, counts):
    _english(owner_client)
    content = f"{HEADER}\r\nS-1;{'B' * 1001};0,80;reduced\r\n".encode()
    before = counts()
    response, page = _upload(owner_client, content)
    assert response.status_code == 400
    assert [li.text for li in page.select("[data-testid=import-errors] li")] == [
        "Line 2: A cell has more than 1,000 characters."
    ]
    assert counts() == before


def test_too_many_rows_are_a_clear_error(organization, actor, counts):
    content = (HEADER + "".join(f"\r\nS-{n};P{n};1;reduced" for n in range(MAX_IMPORT_ROWS + 1))).encode()
    before = counts()
    with scope(organization=organization), translation.override("en"):
        result = import_products_csv(actor=actor, organization=organization, file=content)
    assert [str(e) for e in result.errors] == ["The file has more than 20,000 rows; please split it."]
    assert counts() == before
