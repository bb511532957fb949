"""An owner creates an API token in the back office and reads the API docs, in Chromium."""

from __future__ import annotations

import pytest

from kasse.testing.factories import owner_user
from kasse.testing.plugin import log_in_in_browser


@pytest.mark.browser
def test_owner_creates_a_token_and_opens_the_docs(live_server, page, transactional_db, organization, store):
    # Given an owner who is logged in
    owner_user(organization, email="inhaber@example.org", language="de")
    log_in_in_browser(page, live_server.url, "inhaber@example.org")

    # When they open the API section from the main navigation and create a token
    page.click("[data-testid=mainnav] >> text=API")
    page.fill("input[name=name]", "Onlineshop")
    page.click("[data-testid=token-create]")

    # Then the full token is shown once and the token is listed as active
    raw = page.input_value("[data-testid=raw-token]")
    assert raw.startswith("kasse_")
    assert page.text_content("[data-testid=token-name]").strip().startswith("Onlineshop")

    # When they follow the link to the documentation
    page.click("[data-testid=api-docs-link]")
    # Then Swagger UI renders our operations from our own static files
    page.locator(".opblock-summary-path", has_text="/api/v1/products/by-barcode/{code}").wait_for()
    assert page.locator(".opblock").count() >= 14
