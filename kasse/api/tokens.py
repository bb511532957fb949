"""Creating, checking and revoking API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.api.models import ApiToken
from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.tenancy.models import Organization

TOKEN_PREFIX = "kasse_"  # noqa: S105 (a public marker, not a secret)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@tenant_service
def create_api_token(*, actor: Actor, organization: Organization, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with the plain text, which is never stored."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organization=organization,
        name=name.strip()[:100] or "API",
        prefix=prefix,
        secret_digest=_digest(secret),
        created_by=actor.user,
    )
    log_action(organization, actor, "api.token.created", token, {"name": token.name})
    return token, f"{TOKEN_PREFIX}{prefix}_{secret}"


@tenant_service
def revoke_api_token(*, actor: Actor, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        log_action(token.organization, actor, "api.token.revoked", token, {"name": token.name})
    return token


def authenticate_token(raw: str) -> ApiToken | None:
    """The active token for a presented bearer string, or ``None``."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    try:
        prefix, secret = raw.removeprefix(TOKEN_PREFIX).split("_", 1)
    except ValueError:
        return None
    with scopes_disabled():
        token = (
            ApiToken.objects.select_related("organization")
            .filter(prefix=prefix, revoked_at__isnull=True, organization__is_active=True)
            .first()
        )
    if token is None or not hmac.compare_digest(token.secret_digest, _digest(secret)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        with scopes_disabled():
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
