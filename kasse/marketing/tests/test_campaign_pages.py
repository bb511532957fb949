"""The owner writes, checks and sends a campaign in the back office."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from kasse.marketing.models import Campaign, CampaignStatus
from kasse.testing.factories import CustomerFactory
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db


def test_the_owner_writes_a_campaign_sees_its_segment_and_sends_it(
    client, owner, organization, mailbox, django_capture_on_commit_callbacks
):
    CustomerFactory(organization=organization, email="a@example.org", marketing_consent=True)
    CustomerFactory(organization=organization, email="b@example.org", marketing_consent=False)
    client.force_login(owner)
    refused = client.post(
        "/campaigns/new/",
        {"name": "X", "segment": "bought_recently", "segment_value": "viele", "subject": "S", "body": "B"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 422
    assert "Please enter a number of days." in refused.content.decode()
    created = client.post("/campaigns/new/", {"name": "Herbst", "segment": "all", "subject": "Hallo", "body": "Text"})
    assert created.status_code == 302
    with scopes_disabled():
        campaign = Campaign.objects.get()
    page = soup_of(client.get(f"/campaigns/{campaign.pk}/"))
    assert page.select_one("[data-testid=segment-members]").text == "2"
    assert page.select_one("[data-testid=segment-reachable]").text == "1"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/campaigns/{campaign.pk}/send/")
    assert [m.recipients for m in mailbox.messages] == [["a@example.org"]]
    page = soup_of(client.get(f"/campaigns/{campaign.pk}/", HTTP_ACCEPT_LANGUAGE="de"))
    assert page.select_one("[data-testid=campaign-status]").text == "Verschickt"
    assert page.select_one("[data-testid=report-sent]").text == "1 / 1"
    with scopes_disabled():
        assert Campaign.objects.get().status == CampaignStatus.SENT
    again = client.post(f"/campaigns/{campaign.pk}/send/", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "This campaign has been sent already." in again.content.decode()
    assert len(mailbox.messages) == 1


def test_a_store_manager_sees_the_campaigns_but_cannot_write_or_send_one(
    organization, store, mailbox, django_capture_on_commit_callbacks
):
    # A campaign mails every customer of the organization and shows its message on every store's idle screens,
    # so a manager bound to one store reads the campaigns and writes or sends none
    from django.core.exceptions import ValidationError
    from django.test import Client
    from django.utils import translation

    from kasse.core.actors import Actor
    from kasse.marketing.services import save_campaign, send_campaign
    from kasse.tenancy.permissions import Role
    from kasse.testing.factories import EmployeeFactory, StoreFactory, UserFactory

    StoreFactory(organization=organization, name="Filiale Nord", number=50)
    CustomerFactory(organization=organization, email="a@example.org", marketing_consent=True)
    with scopes_disabled():
        campaign = Campaign.objects.create(organization=organization, name="Herbst", subject="S", body="B")
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.MANAGER))
    client = Client()
    client.force_login(user)
    listed = soup_of(client.get("/campaigns/"))
    assert [row.a.text for row in listed.select("[data-testid=campaign-row]")] == ["Herbst"]
    assert listed.select_one("[data-testid=campaign-new]") is None
    detail = soup_of(client.get(f"/campaigns/{campaign.pk}/"))
    assert detail.select_one("[data-testid=campaign-send]") is None
    assert detail.select_one("[data-testid=campaign-edit]") is None
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            client.get("/campaigns/new/").status_code,
            client.post("/campaigns/new/", {"name": "X", "segment": "all", "subject": "S", "body": "B"}).status_code,
            client.post(f"/campaigns/{campaign.pk}/edit/", {"name": "X", "segment": "all"}).status_code,
            client.post(f"/campaigns/{campaign.pk}/send/").status_code,
        ]
    assert answers == [403, 403, 403, 403]
    # and the services refuse them too, with a translated reason
    actor = Actor.for_user(user)
    with scopes_disabled(), translation.override("de"):
        with pytest.raises(ValidationError, match="nur Inhaber und Filialleitungen aller Filialen"):
            send_campaign(actor=actor, campaign=campaign)
        with pytest.raises(ValidationError, match="nur Inhaber und Filialleitungen aller Filialen"):
            save_campaign(actor=actor, organization=organization, data={"name": "X"}, campaign=campaign)
        assert list(Campaign.objects.values_list("name", "status")) == [("Herbst", CampaignStatus.DRAFT)]
    assert mailbox.messages == []
