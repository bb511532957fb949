"""Accepting an invitation to log in for an employee of another organization (see kasse/tenancy/invitations.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kasse.tenancy.invitations import accept_invitation, open_invitation
from kasse.tenancy.middleware import SESSION_ORGANIZATION_KEY


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invited = open_invitation(token)
    except ValidationError as exc:
        return render(request, "tenancy/invitation.html", {"error": " ".join(exc.messages)}, status=404)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    context: dict[str, Any] = {"invitation": invited, "organization": invited.organization}
    if invited.user_id != request.user.pk:
        context["error"] = _("This invitation is for another account. Please log in as %(email)s.") % {
            "email": invited.user.email
        }
        return render(request, "tenancy/invitation.html", context, status=403)
    if request.method == "POST":
        try:
            accept_invitation(token=token, user=request.user)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
            return render(request, "tenancy/invitation.html", context, status=400)
        request.session[SESSION_ORGANIZATION_KEY] = str(invited.organization_id)
        messages.success(request, _("You now have access to “%(org)s”.") % {"org": invited.organization.name})
        return redirect("backoffice:dashboard")
    return render(request, "tenancy/invitation.html", context)
