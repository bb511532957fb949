from __future__ import annotations

from django.urls import path

from kasse.backoffice import views

app_name = "backoffice"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.set_language, name="set_language"),
    path("organization/switch/", views.switch_organization, name="switch_organization"),
]
