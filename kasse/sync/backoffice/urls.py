"""Back-office pages of sync (mounted at /nodes/)."""

from __future__ import annotations

from django.urls import path

from kasse.sync.backoffice import views as views

app_name = "sync-backoffice"

urlpatterns = [
    path("", views.node_list, name="node-list"),
    path("store/<uuid:store_id>/pairing-code/", views.pairing_code, name="pairing-code"),
    path("<uuid:node_id>/revoke/", views.node_revoke, name="node-revoke"),
    path("anomalies/", views.anomaly_list, name="anomaly-list"),
    path("anomalies/<uuid:anomaly_id>/resolve/", views.anomaly_resolve, name="anomaly-resolve"),
    path("anomalies/<uuid:anomaly_id>/release/", views.anomaly_release, name="anomaly-release"),
    path("conflicts/", views.conflict_list, name="conflict-list"),
    path("conflicts/<uuid:conflict_id>/seen/", views.conflict_seen, name="conflict-seen"),
    path("live/", views.live, name="live"),
]
