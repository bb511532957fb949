"""The register's scripts take their texts from Django's JavaScript catalog, in the page's language."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_register_loads_the_catalog_of_its_language_as_a_script_file_before_its_own(till, language):
    page = BeautifulSoup(till.get("/register/", HTTP_ACCEPT_LANGUAGE=language).content, "html.parser")
    assert page.html["lang"] == language
    sources = [script.get("src") or "" for script in page.select("script")]
    catalog = f"/jsi18n/{language}.js"
    assert catalog in sources
    assert sources.index(catalog) < next(i for i, source in enumerate(sources) if source.endswith("register.js"))


def test_the_catalog_translates_the_registers_messages(client):
    german = client.get("/jsi18n/de.js").content.decode()
    assert '"Card payment declined.": "Kartenzahlung abgelehnt."' in german
    assert '"No connection.": "Keine Verbindung."' in german
