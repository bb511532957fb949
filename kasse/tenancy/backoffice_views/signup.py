"""Public pages: sign-up of a new shop, e-mail confirmation, new confirmation link.

No login needed here; nothing on these pages tells whether an e-mail address
has an account, except sign-up itself (which must refuse a taken address).
"""

from __future__ import annotations

from django.contrib import auth, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kasse.core.actors import Actor
from kasse.tenancy.accounts import check_token, resend_verification, send_verification_email, verify_email
from kasse.tenancy.backoffice_views import show_service_errors
from kasse.tenancy.forms import (
    ResendForm,
    SetPasswordForm,
    SignupOrganizationForm,
    SignupOwnerForm,
    SignupStoreForm,
)
from kasse.tenancy.models import Organization, Store, User
from kasse.tenancy.services import create_organization

SESSION_SIGNUP_EMAIL = "signup_email"


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("backoffice:dashboard")
    data = request.POST or None
    org_form = SignupOrganizationForm(
        data, prefix="org", instance=Organization(), initial={"language": request.LANGUAGE_CODE}
    )
    store_form = SignupStoreForm(data, prefix="store", instance=Store())
    owner_form = SignupOwnerForm(data, prefix="owner")
    forms_ = (org_form, store_form, owner_form)
    if request.method == "POST":
        if all([f.is_valid() for f in forms_]):
            org_data = dict(org_form.cleaned_data)
            store_data = {k: v or org_data.get(k, "") for k, v in store_form.cleaned_data.items()}
            owner = owner_form.cleaned_data
            try:
                with transaction.atomic():
                    created = create_organization(
                        actor=Actor(kind="user", label=owner["email"]),
                        organization=org_data,
                        store=store_data,
                        owner_email=owner["email"],
                        owner_password=owner["password1"],
                        owner_name=owner["full_name"],
                        email_verified=False,
                    )
                    send_verification_email(user=created.owner, organization=created.organization)
            except ValidationError as exc:
                show_service_errors(org_form, exc)
            else:
                request.session[SESSION_SIGNUP_EMAIL] = created.owner.email
                return redirect("signup:check-inbox")
        return render(
            request,
            "tenancy/signup.html",
            {"org_form": org_form, "store_form": store_form, "owner_form": owner_form},
            status=400,
        )
    return render(
        request, "tenancy/signup.html", {"org_form": org_form, "store_form": store_form, "owner_form": owner_form}
    )


def check_inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "tenancy/check_inbox.html", {"email": request.session.get(SESSION_SIGNUP_EMAIL, "")})


def _log_in(request: HttpRequest, user: User) -> HttpResponse:
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session["language"] = user.language
    messages.success(request, _("Thank you, your e-mail address is confirmed. Welcome to kasse!"))
    return redirect("backoffice:dashboard")


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm the address; an invited user without a password chooses one here first."""
    try:
        verification = check_token(token)
    except ValidationError as exc:
        return render(request, "tenancy/verify_failed.html", {"message": exc.messages[0], "code": exc.code}, status=400)
    user = verification.user
    if user.has_usable_password():
        try:
            user = verify_email(token=token)
        except ValidationError as exc:
            return render(
                request, "tenancy/verify_failed.html", {"message": exc.messages[0], "code": exc.code}, status=400
            )
        return _log_in(request, user)
    form = SetPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            user = verify_email(token=token, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            return render(
                request, "tenancy/verify_failed.html", {"message": exc.messages[0], "code": exc.code}, status=400
            )
        return _log_in(request, user)
    return render(
        request,
        "tenancy/set_password.html",
        {"form": form, "invited_user": user},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def resend(request: HttpRequest) -> HttpResponse:
    form = ResendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        resend_verification(email=form.cleaned_data["email"])
        messages.success(
            request,
            _(
                "If an account with this address is waiting for confirmation, we have just sent it "
                "a new link. Please check your inbox."
            ),
        )
        return redirect("backoffice:login")
    return render(request, "tenancy/resend.html", {"form": form})
