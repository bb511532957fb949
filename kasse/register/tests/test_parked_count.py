"""Parked carts say "1 Position", "2 Positionen": the count picks the singular or plural form."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.django_db


def _parked(till, language):
    html = BeautifulSoup(till.get("/register/parked/", HTTP_ACCEPT_LANGUAGE=language).content, "html.parser")
    return sorted(" ".join(b.text.split()).rsplit(" · ", 1)[0] for b in html.select("[data-testid=resume]"))


def test_parked_carts_count_their_lines_in_singular_and_plural(till, bakery):
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    till.post("/register/cart/park/", {"label": "Anna"})
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    till.post("/register/cart/park/", {"label": "Ben"})
    assert _parked(till, "de") == ["Anna · 1 Position", "Ben · 2 Positionen"]
    assert _parked(till, "en") == ["Anna · 1 line", "Ben · 2 lines"]
