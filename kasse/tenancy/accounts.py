"""Back-office accounts: e-mail verification links and employee login invitations.

A link carries a random token; the database keeps only its SHA-256 digest
(:class:`~kasse.tenancy.models.EmailVerification`), so a leaked table does not
let anybody in. A link is valid for :data:`TOKEN_LIFETIME` and works once.
E-mails go out after the transaction commits, in the recipient's language.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kasse.tenancy.models import EmailVerification, Organization, User

TOKEN_LIFETIME = timedelta(hours=48)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue_token(user: User) -> str:
    token = secrets.token_urlsafe(32)
    EmailVerification.objects.create(user=user, token_digest=token_digest(token))
    return token


def verification_url(token: str) -> str:
    return settings.PUBLIC_URL.rstrip("/") + reverse("signup:verify", kwargs={"token": token})


def _send_after_commit(user: User, template: str, context: dict[str, object]) -> None:
    """Render ``tenancy/email/<template>_{subject,body}.txt`` in the user's language and send."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"tenancy/email/{template}_subject.txt", context).split())
        body = render_to_string(f"tenancy/email/{template}_body.txt", context)
    recipient = user.email
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient]))


@transaction.atomic
def send_verification_email(*, user: User, organization: Organization | None = None) -> None:
    """Issue a fresh link for ``user`` and e-mail it (after commit)."""
    token = _issue_token(user)
    _send_after_commit(
        user,
        "verify",
        {
            "user": user,
            "organization": organization,
            "url": verification_url(token),
            "hours": int(TOKEN_LIFETIME.total_seconds() // 3600),
        },
    )


def send_invitation_email(*, user: User, organization: Organization, invited_by: str) -> None:
    """Tell ``user`` they may now log in to ``organization``'s back office.

    A user who cannot log in yet (no password, or e-mail not confirmed) gets a
    link to set a password / confirm; everybody else a plain notice. Call inside
    the transaction that links the user.
    """
    needs_link = not user.has_usable_password() or user.email_verified_at is None
    context: dict[str, object] = {
        "user": user,
        "organization": organization,
        "invited_by": invited_by,
        "login_url": settings.PUBLIC_URL.rstrip("/") + reverse("backoffice:login"),
        "hours": int(TOKEN_LIFETIME.total_seconds() // 3600),
    }
    if needs_link:
        context["url"] = verification_url(_issue_token(user))
    _send_after_commit(user, "invite", context)


def resend_verification(*, email: str) -> None:
    """Send a new link if an unconfirmed account has this address; silently do nothing otherwise.

    The caller shows the same answer either way, so nobody learns which
    addresses have accounts.
    """
    user = User.objects.filter(email=email.strip().lower(), is_active=True).first()
    if user is None or user.email_verified_at is not None:
        return
    send_verification_email(user=user)


def check_token(token: str) -> EmailVerification:
    """The unused, unexpired verification of ``token``, or a ``ValidationError`` saying why not."""
    verification = (
        EmailVerification.objects.select_related("user").filter(token_digest=token_digest(token)).first()
        if token
        else None
    )
    if verification is None or not verification.user.is_active:
        raise ValidationError(
            _("This confirmation link is not valid. Please copy the whole link from the e-mail."),
            code="invalid",
        )
    if verification.used_at is not None:
        raise ValidationError(
            _("This confirmation link has already been used. You can log in, or request a new link."),
            code="used",
        )
    if timezone.now() - verification.created_at > TOKEN_LIFETIME:
        raise ValidationError(
            _("This confirmation link has expired (links are valid for 48 hours). Please request a new one."),
            code="expired",
        )
    return verification


@transaction.atomic
def verify_email(*, token: str, password: str | None = None) -> User:
    """Use a link: confirm the user's e-mail address (and set the password, for invitations).

    Raises ``ValidationError`` for an unknown, used or expired link; nothing changes then.
    """
    verification = check_token(token)
    # Lock the row so the same link cannot be used twice by two requests at once.
    verification = EmailVerification.objects.select_for_update().select_related("user").get(pk=verification.pk)
    if verification.used_at is not None:
        raise ValidationError(_("This confirmation link has already been used."), code="used")
    user = verification.user
    if password is None and not user.has_usable_password():
        raise ValidationError(_("Please choose a password."), code="password_required")
    now = timezone.now()
    verification.used_at = now
    verification.save(update_fields=["used_at"])
    fields = []
    if user.email_verified_at is None:
        user.email_verified_at = now
        fields.append("email_verified_at")
    if password is not None:
        user.set_password(password)
        fields.append("password")
    if fields:
        user.save(update_fields=fields)
    return user
