"""``{% sync_status_badge %}``: the register's sync badge (filled in live by sync/register-status.js)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kasse.sync.engine.local import is_node

register = template.Library()


def _plural(text: Callable[[int], str]) -> dict[str, str]:
    """Both plural forms with ``{n}`` in place of the number, for the script to fill in."""
    return {"one": text(1) % {"count": "{n}"}, "other": text(2) % {"count": "{n}"}}


def badge_texts(*, node: bool) -> dict[str, Any]:
    return {
        "synced": _("Online – synchronised"),
        "direct": _("Online"),
        "direct_title": _("This register sells through the cloud directly."),
        "waiting_online": _plural(
            lambda n: ngettext("Online – %(count)s record syncing", "Online – %(count)s records syncing", n)
        ),
        "offline": _plural(
            lambda n: ngettext("Offline – %(count)s record waiting", "Offline – %(count)s records waiting", n)
        ),
        "set_aside": _plural(
            lambda n: ngettext(
                "%(count)s record set aside – see the store node", "%(count)s records set aside – see the store node", n
            )
        ),
        "feed_set_aside": _plural(
            lambda n: ngettext(
                "%(count)s change from the cloud set aside – update kasse",
                "%(count)s changes from the cloud set aside – update kasse",
                n,
            )
        ),
        "stopped": _("Sync stopped: {error}"),
        "update": _("Please update kasse: the cloud runs version {version}"),
        "error_since": _("Error since {time}: {error}"),
        "oldest_waiting": _("Oldest waiting record: {time}"),
        "last_push": _("Last sent to the cloud: {time}"),
        "last_pull": _("Last fetched from the cloud: {time}"),
        "revoked": _("Store node revoked – sales stay on the node"),
        "unpaired": _("Store node not paired"),
        "disconnected": _("No connection to the store node") if node else _("No connection to the server"),
        "connecting": _("Connecting…"),
        "last_sync": _("Last sync: {time}"),
        "never": _("Not synced yet"),
        "offline_hint": _("Selling goes on; the sales are sent when the internet is back."),
    }


@register.inclusion_tag("sync/register/badge.html", takes_context=True)
def sync_status_badge(context: template.Context) -> dict[str, Any]:
    reg = context.get("register")
    store = getattr(reg, "store", None)
    return {
        "texts": badge_texts(node=is_node()),
        "time_zone": getattr(store, "time_zone", "Europe/Berlin"),
    }
