"""The owner's loyalty pages, the customer's page in the back office, the digital card and idle messages."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.loyalty.models import CardLink, LoyaltyProgram, LoyaltyTier
from kasse.loyalty.selectors import points_balance
from kasse.loyalty.services import adjust_points, issue_card_link
from kasse.marketing.services import save_campaign
from kasse.register.display import idle_context
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db


def test_the_owner_sets_up_the_program_and_a_tier(client, owner, organization):
    client.force_login(owner)
    assert client.get("/loyalty/").status_code == 200
    response = client.post(
        "/loyalty/",
        {
            "action": "program",
            "is_active": "on",
            "points_per_euro": "2",
            "rounding": "half_up",
            "point_value": "0,01",
            "min_redeem_points": "100",
            "expiry_months": "24",
        },
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 302
    client.post(
        "/loyalty/", {"action": "tier", "tier-name": "Gold", "tier-threshold": "1000", "tier-points_per_euro": "3"}
    )
    refused = client.post(
        "/loyalty/",
        {"action": "tier", "tier-name": "Gold 2", "tier-threshold": "1000", "tier-points_per_euro": "4"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 422
    assert "Another tier starts at this number of points." in refused.content.decode()
    with scopes_disabled():
        program = LoyaltyProgram.objects.get(organization=organization)
        assert (program.points_per_euro, program.rounding, program.min_redeem_points) == (Decimal(2), "half_up", 100)
        assert list(LoyaltyTier.objects.values_list("name", flat=True)) == ["Gold"]


def test_the_customer_page_shows_points_and_the_owner_corrects_them(client, owner, anna, program):
    adjust_points(actor=Actor.system(), customer=anna, points=40, note="Start")
    client.force_login(owner)
    refused = client.post(
        f"/loyalty/customers/{anna.pk}/adjust/", {"points": "-50", "note": "Fehler"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 302
    client.post(f"/loyalty/customers/{anna.pk}/adjust/", {"points": "-15", "note": "Fehler"})
    page = soup_of(client.get(f"/customers/{anna.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert page.select_one("[data-testid=loyalty-balance]")["data-points"] == "25"
    assert "Only 40 points are on this account." in str(page)
    assert len(page.select("[data-testid=loyalty-history] tbody tr")) == 2
    with scopes_disabled():
        assert points_balance(anna.pk) == 25
    assert page.select_one("[data-testid=points-adjust-form]") is not None


def test_a_store_manager_sees_a_customers_points_but_cannot_correct_them(organization, store, anna, program):
    # points are worth money in every store: a manager bound to one store reads them, an owner or an
    # all-stores manager corrects them (the page hides the form, the view answers 403, the service refuses)
    from django.core.exceptions import ValidationError
    from django.test import Client
    from django.utils import translation

    from kasse.tenancy.permissions import Role
    from kasse.testing.factories import EmployeeFactory, UserFactory

    adjust_points(actor=Actor.system(), customer=anna, points=40, note="Start")
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.MANAGER))
    client = Client()
    client.force_login(user)
    page = soup_of(client.get(f"/customers/{anna.pk}/"))
    assert page.select_one("[data-testid=loyalty-balance]")["data-points"] == "40"
    assert page.select_one("[data-testid=points-adjust-form]") is None
    answer = client.post(f"/loyalty/customers/{anna.pk}/adjust/", {"points": "500", "note": "Kulanz"})
    assert answer.status_code == 403
    with scopes_disabled(), translation.override("de"):
        with pytest.raises(ValidationError, match="nur Inhaber und Filialleitungen aller Filialen"):
            adjust_points(actor=Actor.for_user(user), customer=anna, points=500, note="Kulanz")
        assert points_balance(anna.pk) == 40


def test_the_digital_card_is_reached_by_its_link_only_and_a_new_link_revokes_the_old_one(
    client, owner, anna, program, django_capture_on_commit_callbacks, mailoutbox
):
    adjust_points(actor=Actor.system(), customer=anna, points=120, note="Start")
    anna.email = "anna@example.org"
    with scopes_disabled():
        anna.save()
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        shown = soup_of(client.post(f"/loyalty/customers/{anna.pk}/card-link/"))
    link = shown.select_one("[data-testid=card-link-url]").text
    path = re.sub(r"^https?://[^/]+", "", link)
    assert path in mailoutbox[0].body
    client.logout()
    card = soup_of(client.get(path, HTTP_ACCEPT_LANGUAGE="de"))
    assert card.select_one("[data-testid=card-points]")["data-points"] == "120"
    qr = card.select_one("[data-testid=card-qr] svg")
    # A full QR code (21 modules and a border of 2, at 6 px), not the Micro QR a short number would get, which
    # many register scanners do not read
    assert (qr["width"], qr["height"]) == ("150", "150")
    assert card.select_one("[data-testid=card-qr] figcaption").text == "K1001"
    assert card.select_one("link[rel=manifest]") is not None
    assert client.get(path + "manifest.webmanifest").json()["display"] == "standalone"
    issue_card_link(actor=Actor.system(), customer=anna)
    assert client.get(path).status_code == 404
    assert client.get("/card/" + "x" * 32 + "/").status_code == 404
    with scopes_disabled():
        assert len(CardLink.objects.get(customer=anna).token_digest) == 64  # only the digest is stored


def test_a_campaign_message_is_on_the_idle_customer_display_while_it_is_scheduled(register, organization):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    save_campaign(
        actor=Actor.system(),
        organization=organization,
        data={"name": "Jetzt", "display_message": "Heute Brot −50 %", "display_from": now - timedelta(hours=1)},
    )
    save_campaign(
        actor=Actor.system(),
        organization=organization,
        data={"name": "Später", "display_message": "Morgen", "display_from": now + timedelta(days=1)},
    )
    with scopes_disabled():
        assert idle_context(register)["offers"][:1] == ["Heute Brot −50 %"]
        assert "Morgen" not in idle_context(register)["offers"]
