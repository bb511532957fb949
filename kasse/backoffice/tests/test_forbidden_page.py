"""A page the user's role does not allow shows the back office's own page, translated, with status 403."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("de", "Diese Seite dürfen Sie nicht öffnen"),
        ("en", "You may not open this page"),
    ],
)
def test_a_store_manager_gets_the_translated_back_office_403_page(client, organization, store, language, heading):
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.MANAGER))
    client.force_login(user)
    response = client.get("/devices/printers/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    page = BeautifulSoup(response.content, "html.parser")
    assert page.select_one("[data-testid=forbidden] h1").text == heading
    assert page.select_one("[data-testid=forbidden-home]")["href"] == "/"
    assert page.select_one("[data-testid=mainnav]") is not None  # the back office around it, not a bare page
