"""Forgotten password: an e-mail with a one-time link (Django's token generator), in the user's language.

The request page answers the same whether or not the address has an account
(no account enumeration). The link is signed over the user's password hash and
last login, so it stops working once used or once the password changed, and
after ``PASSWORD_RESET_TIMEOUT``. Requests are limited per address and per
e-mail address; a new password is written to the audit log of the user's
organizations.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse_lazy
from django.utils import translation
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.throttle import Limit, client_address

RESET_PER_ADDRESS = Limit("password-reset-address", 10, timedelta(hours=1))
RESET_PER_EMAIL = Limit("password-reset-email", 3, timedelta(hours=1))


class ResetRequestForm(auth_forms.PasswordResetForm):
    """Django's form, with the e-mail rendered in the user's own language and a limit per address."""

    address = ""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context["user"]
        if RESET_PER_EMAIL.blocked(to_email):
            return  # a mailbox is not flooded; the page says the same as always
        RESET_PER_EMAIL.note(to_email)
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject = " ".join(render_to_string(subject_template_name, context).split())
            body = render_to_string(email_template_name, context)
        send_mail(subject, body, from_email, [to_email])


class ResetRequestView(auth_views.PasswordResetView):
    template_name = "backoffice/password_reset/request.html"
    email_template_name = "backoffice/password_reset/email_body.txt"
    subject_template_name = "backoffice/password_reset/email_subject.txt"
    form_class = ResetRequestForm
    success_url = reverse_lazy("backoffice:password-reset-sent")

    def form_valid(self, form: Any) -> HttpResponse:
        address = client_address(self.request)
        if RESET_PER_ADDRESS.blocked(address):
            return super(auth_views.PasswordResetView, self).form_valid(form)  # same answer, no e-mail
        RESET_PER_ADDRESS.note(address)
        self.extra_email_context = {
            "base_url": settings.PUBLIC_URL.rstrip("/"),
            "hours": int(settings.PASSWORD_RESET_TIMEOUT // 3600),
        }
        return super().form_valid(form)


class ResetSentView(auth_views.PasswordResetDoneView):
    template_name = "backoffice/password_reset/sent.html"


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "backoffice/password_reset/confirm.html"
    success_url = reverse_lazy("backoffice:password-reset-complete")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            record_password_reset(user=form.user)
        return response


class ResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "backoffice/password_reset/complete.html"


def record_password_reset(*, user: Any) -> None:
    """Audit a password set through a reset link, in every organization of the user."""
    from kasse.tenancy.models import Employee

    with scopes_disabled():
        organizations = list(Employee.objects.filter(user=user).values_list("organization_id", flat=True))
    for organization_id in organizations:
        log_action(organization_id, Actor.for_user(user), "backoffice.password.reset", user)
