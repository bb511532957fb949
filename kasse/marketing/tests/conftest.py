from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kasse.testing.smtp import Mailbox, smtp_server


@pytest.fixture
def mailbox(settings: Any) -> Iterator[Mailbox]:
    """Django sends through a real SMTP server on 127.0.0.1."""
    with smtp_server() as (box, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.PUBLIC_URL = "http://testserver"
        settings.KASSE_CAMPAIGN_MAILS_PER_MINUTE = 60_000
        yield box


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    from django.utils import translation

    with translation.override("en"):
        yield


from kasse.loyalty.tests.conftest import anna, program  # noqa: E402, F401 - shared fixtures
