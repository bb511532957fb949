"""Background tasks of marketing (django-tasks; ``kasse worker`` runs them)."""

from __future__ import annotations

from django_tasks import task

from kasse.marketing.services import deliver, mail_consent_request


@task()
def send_consent_mail(consent_id: str) -> None:
    """The double opt-in e-mail of a consent request."""
    mail_consent_request(consent_id)


@task()
def deliver_campaign(campaign_id: str) -> None:
    """A campaign's e-mails, at the configured rate."""
    deliver(campaign_id)
