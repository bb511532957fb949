"""Back-office pages of the tenancy app (mounted at /settings/ by kasse/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kasse.tenancy.backoffice_views import employees, settings

app_name = "tenancy"

urlpatterns: list[URLPattern] = [
    path("", settings.settings_overview, name="settings"),
    path("organization/", settings.organization_edit, name="organization"),
    path("stores/", settings.store_list, name="store-list"),
    path("stores/new/", settings.store_create, name="store-create"),
    path("stores/<uuid:pk>/", settings.store_edit, name="store-edit"),
    path("stores/<uuid:store_pk>/registers/new/", settings.register_create, name="register-create"),
    path("registers/<uuid:pk>/", settings.register_edit, name="register-edit"),
    path("employees/", employees.employee_list, name="employee-list"),
    path("employees/new/", employees.employee_create, name="employee-create"),
    path("employees/<uuid:pk>/", employees.employee_edit, name="employee-edit"),
]
