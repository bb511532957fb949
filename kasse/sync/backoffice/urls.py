"""Back-office pages of sync (mounted at /nodes/)."""

from __future__ import annotations

from django.urls import path

from kasse.sync.backoffice import views as views

app_name = "sync_admin"

urlpatterns = [
    path("", views.node_list, name="nodes"),
    path("store/<uuid:store_id>/pairing-code/", views.pairing_code, name="pairing_code"),
    path("<uuid:node_id>/revoke/", views.node_revoke, name="node_revoke"),
    path("anomalies/", views.anomaly_list, name="anomalies"),
    path("anomalies/<uuid:anomaly_id>/resolve/", views.anomaly_resolve, name="anomaly_resolve"),
    path("anomalies/<uuid:anomaly_id>/release/", views.anomaly_release, name="anomaly_release"),
    path("conflicts/", views.conflict_list, name="conflicts"),
    path("conflicts/<uuid:conflict_id>/seen/", views.conflict_seen, name="conflict_seen"),
    path("live/", views.live, name="live"),
]
