"""Back-office pages for API tokens."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from kasse.api.models import ApiToken
from kasse.api.tokens import create_api_token
from kasse.core.actors import Actor
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, UserFactory
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db


def test_owner_sees_tokens_and_the_nav_item(owner_client, organization):
    create_api_token(actor=Actor.system(), organization=organization, name="Buchhaltung")
    response = owner_client.get(reverse("api-backoffice:token-list"), HTTP_ACCEPT_LANGUAGE="de")
    soup = soup_of(response)
    assert response.status_code == 200
    assert [n.get_text(strip=True) for n in soup.select("[data-testid=token-name]")] == ["Buchhaltung"]
    assert soup.select_one("[data-testid=token-status]").get_text(strip=True) == "aktiv"
    assert soup.select_one("[data-testid=api-docs-link]")["href"] == "/api/v1/docs"
    assert "API" in [a.get_text(strip=True) for a in soup.select("[data-testid=mainnav] a")]
    assert soup.select_one("[data-testid=raw-token]") is None


def test_created_token_is_shown_once_and_works(owner_client, organization):
    # When the owner creates a token
    response = owner_client.post(reverse("api-backoffice:token-create"), {"name": "Onlineshop"})
    raw = soup_of(response).select_one("[data-testid=raw-token]")["value"]
    # Then the page shows it, not cached, and only a digest is stored
    assert response["Cache-Control"] == "no-store"
    with scopes_disabled():
        token = ApiToken.objects.get(name="Onlineshop")
    assert raw.startswith(f"kasse_{token.prefix}_")
    assert raw.split("_", 2)[2] not in token.secret_digest
    # And the list afterwards does not show it again
    assert soup_of(owner_client.get(reverse("api-backoffice:token-list"))).select_one("[data-testid=raw-token]") is None
    # And it opens the API
    assert Client().get("/api/v1/organization", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_empty_name_is_refused(owner_client, organization):
    response = owner_client.post(reverse("api-backoffice:token-create"), {"name": " "}, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 422
    assert soup_of(response).select_one("[data-testid=error-name]").get_text(strip=True) == (
        "Dieses Feld ist zwingend erforderlich."
    )
    with scopes_disabled():
        assert ApiToken.objects.count() == 0


def test_revoke_stops_the_token_at_once(owner_client, organization):
    token, raw = create_api_token(actor=Actor.system(), organization=organization, name="Alt")
    response = owner_client.post(reverse("api-backoffice:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    with scopes_disabled():
        token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get("/api/v1/organization", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    page = soup_of(owner_client.get(reverse("api-backoffice:token-list"), HTTP_ACCEPT_LANGUAGE="en"))
    assert page.select_one("[data-testid=token-status]").get_text(strip=True).startswith("revoked")
    assert page.select_one("[data-testid=token-revoke]") is None


def test_revoke_needs_post(owner_client, organization):
    token, _raw = create_api_token(actor=Actor.system(), organization=organization, name="Alt")
    assert owner_client.get(reverse("api-backoffice:token-revoke", args=[token.pk])).status_code == 405


def test_a_manager_may_not_manage_tokens(organization):
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=Role.MANAGER)
    client = Client()
    client.force_login(user)
    assert client.get(reverse("api-backoffice:token-list")).status_code == 403
    assert client.post(reverse("api-backoffice:token-create"), {"name": "x"}).status_code == 403


def test_anonymous_is_sent_to_login(db):
    response = Client().get(reverse("api-backoffice:token-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:login"))
