from __future__ import annotations

from django.urls import path

from kasse.backoffice import overview_views, password_reset, pwa, views

app_name = "backoffice"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("offline/", pwa.offline, name="offline"),
    path("overview/figures/", overview_views.overview_figures, name="overview-figures"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.set_language, name="set-language"),
    path("organization/switch/", views.switch_organization, name="switch-organization"),
    path("password-reset/", password_reset.ResetRequestView.as_view(), name="password-reset"),
    path("password-reset/sent/", password_reset.ResetSentView.as_view(), name="password-reset-sent"),
    path("password-reset/<uidb64>/<token>/", password_reset.ResetConfirmView.as_view(), name="password-reset-confirm"),
    path("password-reset/done/", password_reset.ResetCompleteView.as_view(), name="password-reset-complete"),
]
