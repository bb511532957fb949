"""Back-office pages of the tenancy app: settings, employees, sign-up."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from kasse.core.actors import Actor
from kasse.tenancy.requests import BackofficeRequest


def actor_of(request: BackofficeRequest) -> Actor:
    return Actor.for_user(request.user)


def show_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put each message of a service's ``ValidationError`` next to its field, else on top."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
