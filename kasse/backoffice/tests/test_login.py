from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from kasse.testing.factories import UserFactory, owner_user


def test_login_with_email_and_password_shows_dashboard(client, organization, store):
    # Given an owner of an organization
    owner_user(organization, email="inhaber@example.org")
    # When they log in
    response = client.post("/login/", {"email": "Inhaber@example.org", "password": "correct horse battery staple"})
    # Then they land on the dashboard of their organization
    assert response.status_code == 302
    page = BeautifulSoup(client.get("/").content, "html.parser")
    assert page.select_one("[data-testid=org-name]").text == organization.name


def test_wrong_password_is_a_clear_error_in_german(client, organization):
    owner_user(organization, email="inhaber@example.org")
    response = client.post("/login/", {"email": "inhaber@example.org", "password": "nope"}, HTTP_ACCEPT_LANGUAGE="de")
    page = BeautifulSoup(response.content, "html.parser")
    assert "E-Mail-Adresse oder Passwort ist falsch." in page.select_one("[data-testid=form-errors]").text


def test_unverified_user_cannot_log_in(client, organization):
    user = UserFactory(email="neu@example.org", email_verified_at=None)
    response = client.post(
        "/login/", {"email": user.email, "password": "correct horse battery staple"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "confirm your e-mail address" in response.content.decode()


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.browser
def test_owner_logs_in_with_a_real_browser(live_server, page, transactional_db, organization, store):
    owner_user(organization, email="inhaber@example.org")
    page.goto(live_server.url + "/login/")
    page.fill("input[name=email]", "inhaber@example.org")
    page.fill("input[name=password]", "correct horse battery staple")
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=org-name]")
    assert page.text_content("[data-testid=org-name]") == organization.name


def test_only_the_most_specific_section_is_highlighted(owner_client):
    page = BeautifulSoup(owner_client.get("/settings/employees/").content, "html.parser")
    active = [a.text for a in page.select("[data-testid=mainnav] a.active")]
    assert len(active) == 1
    assert active[0] == "Team"  # the Team group has one page: the group is the link
