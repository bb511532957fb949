"""Invitations for existing users: an account is linked to an employee only when its owner accepts.

A manager who types the e-mail address of an account that already exists (for
example an owner of another shop) does not get that account attached: the user
gets an e-mail with a link, opens it signed in as themselves, and accepts.
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
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.tenancy.models import Employee, LoginInvitation, Organization, User

INVITATION_LIFETIME = timedelta(days=7)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_existing_user(*, actor: Actor, organization: Organization, employee: Employee, user: User) -> None:
    """Ask ``user`` to become ``employee``'s login (inside the caller's transaction; e-mail after commit)."""
    token = secrets.token_urlsafe(32)
    with scopes_disabled():
        LoginInvitation.objects.filter(employee=employee, accepted_at__isnull=True).delete()
        LoginInvitation.objects.create(
            organization=organization,
            employee=employee,
            user=user,
            token_digest=_digest(token),
            invited_by=actor.label[:200],
            expires_at=timezone.now() + INVITATION_LIFETIME,
        )
    log_action(organization, actor, "tenancy.employee.login_invited", employee, {"email": user.email})
    context = {
        "user": user,
        "organization": organization,
        "invited_by": actor.label,
        "employee": employee,
        "url": settings.PUBLIC_URL.rstrip("/") + reverse("signup:invitation", kwargs={"token": token}),
        "days": INVITATION_LIFETIME.days,
    }
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("tenancy/email/join_subject.txt", context).split())
        body = render_to_string("tenancy/email/join_body.txt", context)
    recipient = user.email
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient]))


def open_invitation(token: str) -> LoginInvitation:
    """The open invitation of ``token``, or a ``ValidationError`` saying why not."""
    with scopes_disabled():
        invitation = (
            LoginInvitation.objects.select_related("organization", "employee", "user")
            .filter(token_digest=_digest(token))
            .first()
            if token
            else None
        )
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at < timezone.now():
        raise ValidationError(_("This invitation is unknown, used or expired. Please ask for a new one."))
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, user: User) -> LoginInvitation:
    """``user`` accepts: they become the employee's back-office login."""
    invitation = open_invitation(token)
    with scopes_disabled():
        invitation = (
            LoginInvitation.objects.select_for_update()
            .select_related("organization", "employee", "user")
            .get(pk=invitation.pk)
        )
        if invitation.accepted_at is not None:
            raise ValidationError(_("This invitation is unknown, used or expired. Please ask for a new one."))
        if invitation.user_id != user.pk:
            raise ValidationError(
                _("This invitation is for another account. Please log in as %(email)s.")
                % {"email": invitation.user.email}
            )
        employee = Employee.objects.select_for_update().get(pk=invitation.employee_id)
        if (
            Employee.objects.filter(organization_id=invitation.organization_id, user=user)
            .exclude(pk=employee.pk)
            .exists()
        ):
            raise ValidationError(_("You already log in for another employee of this organization."))
        employee.user = user
        employee.save(update_fields=["user", "updated_at"])
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at", "updated_at"])
        log_action(
            invitation.organization,
            Actor.for_user(user),
            "tenancy.employee.login_accepted",
            employee,
            {"email": user.email},
        )
    return invitation
