"""Public sign-up pages (mounted at /signup/ by kasse/urls.py; namespace ``signup``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.tenancy.backoffice_views import invitations, signup

app_name = "signup"

urlpatterns: list[URLPattern] = [
    path("", signup.signup, name="signup"),
    path("check-your-inbox/", signup.check_inbox, name="check-inbox"),
    path("verify/<str:token>/", signup.verify, name="verify"),
    path("resend/", signup.resend, name="resend"),
    path("invitation/<str:token>/", invitations.invitation, name="invitation"),
]
