"""A new shop signs up in a real browser, confirms its e-mail and lands on its dashboard."""

from __future__ import annotations

import re

import pytest
from django.core import mail


@pytest.mark.browser
def test_shop_signs_up_confirms_its_email_and_sees_its_dashboard(live_server, page, transactional_db, settings):
    settings.PUBLIC_URL = live_server.url
    mail.outbox = []
    # Given the login page, the owner-to-be follows "sign up"
    page.goto(live_server.url + "/login/")
    page.click("[data-testid=signup-link]")
    # When they fill in their business, first store and login and submit
    page.fill("input[name=org-name]", "Blumen Berger")
    page.fill("input[name=org-legal_name]", "Blumen Berger OHG")
    page.fill("input[name=org-street]", "Rosenweg 7")
    page.fill("input[name=org-postal_code]", "01067")
    page.fill("input[name=org-city]", "Dresden")
    page.fill("input[name=org-vat_id]", "DE111222333")
    page.fill("input[name=store-name]", "Blumen Berger Neustadt")
    page.fill("input[name=owner-full_name]", "Jana Berger")
    page.fill("input[name=owner-email]", "jana@blumen.example")
    page.fill("input[name=owner-password1]", "Tulpen-und-Rosen-9")
    page.fill("input[name=owner-password2]", "Tulpen-und-Rosen-9")
    page.click("[data-testid=signup-submit]")
    # Then they are asked to check their inbox, and an e-mail with a link is there
    page.wait_for_selector("[data-testid=check-inbox]")
    assert "jana@blumen.example" in page.text_content("[data-testid=check-inbox]")
    assert len(mail.outbox) == 1
    link = re.search(re.escape(live_server.url) + r"/signup/verify/\S+/", mail.outbox[0].body).group(0)
    # When they follow the link
    page.goto(link)
    # Then they are logged in on their shop's dashboard
    page.wait_for_selector("[data-testid=org-name]")
    assert page.text_content("[data-testid=org-name]") == "Blumen Berger"
    assert page.url == live_server.url + "/"
