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
