"""Back-office pages for API tokens: list, create (the token is shown once), revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kasse.api.models import ApiToken
from kasse.api.tokens import create_api_token, revoke_api_token
from kasse.backoffice.access import backoffice_view
from kasse.core.actors import Actor
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest

api_view = backoffice_view(Capability.MANAGE_API)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("Who or what uses the token, e.g. “Online shop” or “Accounting export”."),
    )


def _list_context(request: BackofficeRequest, form: TokenForm) -> dict[str, object]:
    tokens = ApiToken.objects.filter(organization=request.organization)
    return {
        "tokens": tokens.select_related("created_by"),
        "form": form,
        "api_root": request.build_absolute_uri(reverse("api-v1:api-root")),
    }


@require_GET
@api_view
def token_list(request: BackofficeRequest) -> HttpResponse:
    return render(request, "api/token_list.html", _list_context(request, TokenForm()))


@require_POST
@api_view
def token_create(request: BackofficeRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return render(request, "api/token_list.html", _list_context(request, form), status=422)
    token, raw = create_api_token(
        actor=Actor.for_user(request.user),
        organization=request.organization,
        name=form.cleaned_data["name"],
    )
    # The plain token is only in this response: it is neither stored nor redirected.
    context = _list_context(request, TokenForm())
    context.update({"new_token": token, "raw_token": raw})
    response = render(request, "api/token_list.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@api_view
def token_revoke(request: BackofficeRequest, pk: str) -> HttpResponse:
    token = get_object_or_404(ApiToken, organization=request.organization, pk=pk)
    if token.revoked_at is None:
        revoke_api_token(actor=Actor.for_user(request.user), token=token)
        messages.success(request, _("The token “%(name)s” is revoked; it no longer works.") % {"name": token.name})
    return redirect("api-backoffice:token-list")
