"""Background tasks of the back office (django-tasks; ``kasse worker`` runs them)."""

from __future__ import annotations

from datetime import timedelta

from kasse.core.periodic import periodic_task
from kasse.sync.engine.local import is_node


@periodic_task(every=timedelta(minutes=1))
def publish_alerts() -> int:
    """Publish the Übersicht's new alerts as events (``kasse.backoffice.alert_events``); cloud only."""
    if is_node():
        return 0
    from kasse.backoffice.alert_events import sweep

    return sweep()


@periodic_task(every=timedelta(minutes=10))
def send_daily_summaries() -> int:
    """Publish each store's daily summary once its day has passed the summary time (``daily_summary``)."""
    if is_node():
        return 0
    from kasse.backoffice.daily_summary import send_due

    return send_due()
