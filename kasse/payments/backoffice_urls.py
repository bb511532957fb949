"""Back-office card terminal and unclear card payment pages, mounted at /devices/card-terminals/."""

from __future__ import annotations

from django.urls import path

from kasse.payments import backoffice_views
from kasse.payments.qr import backoffice_views as qr_backoffice

app_name = "payments"

urlpatterns = [
    path("", backoffice_views.terminal_list, name="terminal-list"),
    path("new/<uuid:store_id>/", backoffice_views.terminal_create, name="terminal-create"),
    path("<uuid:terminal_id>/", backoffice_views.terminal_edit, name="terminal-edit"),
    path("<uuid:terminal_id>/test/", backoffice_views.terminal_test, name="terminal-test"),
    path("qr/", qr_backoffice.account_list, name="qr-account-list"),
    path("qr/new/", qr_backoffice.account_create, name="qr-account-create"),
    path("qr/<uuid:account_id>/", qr_backoffice.account_edit, name="qr-account-edit"),
    path("unclear/", backoffice_views.unclear_list, name="unclear-list"),
    path("unclear/<uuid:payment_id>/", backoffice_views.resolve, name="resolve"),
]
