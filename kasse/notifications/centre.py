"""The notification centre: which users hear of an event, in the app, with the unread count live.

``notify_in_app`` runs right after the commit that published the events, in the process that committed it
(``events.publish``), so the unread count reaches that process's WebSockets at once without a channel layer
shared with the worker; it is a few queries and one insert, guarded so that it never fails the commit.
Who hears of what:

- the capability an event needs in its store (``CAPABILITY``): receipts, Z reports and the Übersicht's
  alerts need *view reports*, so a cashier never gets them and a store-bound manager only for their stores;
  an event of no store (a webhook switched off) needs the capability in every store;
- the user's preference for that event in that store, else for all their stores, else the default
  (``DEFAULT_ON``); a preference's ``min_amount`` keeps small sales and small cash differences quiet.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from channels.layers import get_channel_layer
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_scopes import scope

from kasse.core.channels_bridge import send_to_groups
from kasse.notifications.models import Notification, NotificationPreference
from kasse.tenancy.models import Employee
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import stores_with_capability

log = logging.getLogger(__name__)

CAPABILITY: dict[str, str] = {
    "sale.completed": Capability.VIEW_REPORTS,
    "refund.created": Capability.VIEW_REPORTS,
    "shift.closed": Capability.VIEW_REPORTS,
    "stock.low": Capability.VIEW_REPORTS,
    "receipt.aborted": Capability.VIEW_REPORTS,
    "alert.node_silent": Capability.VIEW_REPORTS,
    "alert.printer": Capability.VIEW_REPORTS,
    "alert.tse_outage": Capability.VIEW_REPORTS,
    "alert.sync_anomaly": Capability.MANAGE_SETTINGS,
    "alert.customer_conflict": Capability.MANAGE_SETTINGS,
    "webhook.endpoint_disabled": Capability.MANAGE_API,
    "summary.daily": Capability.VIEW_REPORTS,
}
# Every sale is optional (a busy shop would drown the owner); the rest is on until switched off.
DEFAULT_ON = set(CAPABILITY) - {"sale.completed"}
# Push follows the app unless chosen otherwise, but the daily summary does not buzz a phone at closing time;
# e-mail is off until chosen, except for the daily summary, which is made to be read as an e-mail.
DEFAULT_NO_PUSH = {"summary.daily"}
DEFAULT_EMAIL = {"summary.daily"}
AMOUNT_RULES = {
    "sale.completed": "total",
    "refund.created": "total",
    "receipt.aborted": "total",
    "shift.closed": "cash_difference",
}


def user_group(user_id: Any, organization_id: Any) -> str:
    """The Channels group of one user's notification sockets in one organization."""
    return f"notify-{uuid.UUID(str(user_id)).hex}-{uuid.UUID(str(organization_id)).hex}"


def _amount_passes(kind: str, payload: dict[str, Any], minimum: Decimal | None) -> bool:
    field = AMOUNT_RULES.get(kind)
    if minimum is None or field is None:
        return True
    try:
        return abs(Decimal(str(payload.get(field) or "0"))) >= minimum
    except InvalidOperation:
        return True


def _may_see(employee: Employee, capability: str, store_id: uuid.UUID | None) -> bool:
    allowed = stores_with_capability(employee, capability)
    if store_id is None:
        return allowed is None
    return allowed is None or store_id in allowed


def recipients(organization_id: Any, store_id: Any, kind: str, payload: dict[str, Any]) -> list[Any]:
    """The ids of the users who get ``kind`` in the app (in the organization's scope)."""
    return [
        user_id
        for user_id, minimum in _candidates(organization_id, store_id, kind)
        if _amount_passes(kind, payload, minimum)
    ]


@dataclass(frozen=True)
class Wish:
    """How one user wants to hear of one kind of event in one store: the channels and the smallest amount."""

    user_id: Any
    minimum: Decimal | None
    in_app: bool
    push: bool
    email: bool


def wishes(organization_id: Any, store_id: Any, kind: str, *, in_app_only: bool = False) -> list[Wish]:
    """Every user who may see ``kind`` in ``store_id`` and wants it by some channel (a store's own choice,
    else the all-stores one, else the defaults: in the app as ``DEFAULT_ON``, push as in the app, no e-mail);
    ``in_app_only``: only those who want it in the app are sure to be among them."""
    capability = CAPABILITY.get(kind)
    if capability is None:
        return []
    store = uuid.UUID(str(store_id)) if store_id else None
    mine = Q(store__isnull=True) | Q(store_id=store) if store else Q(store__isnull=True)
    prefs: dict[tuple[Any, Any], NotificationPreference] = {
        (p.user_id, p.store_id): p
        for p in NotificationPreference.objects.filter(mine, organization_id=organization_id, kind=kind)
    }
    defaults_want = kind in DEFAULT_ON or (not in_app_only and kind in DEFAULT_EMAIL)
    if not defaults_want and not any(p.in_app or (not in_app_only and (p.push or p.email)) for p in prefs.values()):
        return []  # nobody chose it and nobody gets it unasked (every uploaded sale: no look at the employees)
    found: dict[Any, Wish] = {}
    employees = Employee.objects.filter(
        organization_id=organization_id, is_active=True, user__isnull=False, user__is_active=True
    )
    for employee in employees:
        if employee.user_id in found or not _may_see(employee, capability, store):
            continue
        pref = prefs.get((employee.user_id, store)) or prefs.get((employee.user_id, None))
        in_app = pref.in_app if pref is not None else kind in DEFAULT_ON
        push = pref.push if pref is not None and pref.push is not None else in_app and kind not in DEFAULT_NO_PUSH
        email = pref.email if pref is not None else kind in DEFAULT_EMAIL
        if in_app or push or email:
            found[employee.user_id] = Wish(employee.user_id, pref.min_amount if pref else None, in_app, push, email)
    return list(found.values())


def amount_passes(kind: str, payload: dict[str, Any], minimum: Decimal | None) -> bool:
    return _amount_passes(kind, payload, minimum)


def _candidates(organization_id: Any, store_id: Any, kind: str) -> list[tuple[Any, Decimal | None]]:
    """The users who want ``kind`` in ``store_id`` in the app, each with the smallest amount they want."""
    return [(w.user_id, w.minimum) for w in wishes(organization_id, store_id, kind, in_app_only=True) if w.in_app]


def notify_in_app(messages: list[dict[str, Any]]) -> int:
    """Put published events into the centre of each user who wants them; push their unread counts.

    The recipients are found once per organization, store and kind of the messages (a node's upload brings
    hundreds of sales of one store), then each message's amount is held against each user's minimum."""
    made = 0
    by_organization: dict[Any, list[dict[str, Any]]] = {}
    for message in messages:
        by_organization.setdefault(message["organization_id"], []).append(message)
    for organization_id, theirs in by_organization.items():
        notifications = []
        # No transaction of its own: the reads need none, and one INSERT is atomic (most uploads of sales
        # notify nobody, and an empty transaction was a round trip and a commit after every push).
        with scope(organization=organization_id):
            candidates: dict[tuple[Any, str], list[tuple[Any, Decimal | None]]] = {}
            for message in theirs:
                key = (message["store_id"], message["kind"])
                if key not in candidates:
                    candidates[key] = _candidates(organization_id, *key)
                notifications += [
                    Notification(
                        organization_id=organization_id,
                        user_id=user_id,
                        store_id=message["store_id"],
                        event_id=message["event_id"],
                        kind=message["kind"],
                        payload=message["payload"],
                    )
                    for user_id, minimum in candidates[key]
                    if _amount_passes(message["kind"], message["payload"], minimum)
                ]
            if notifications:
                Notification.objects.bulk_create(notifications, ignore_conflicts=True)
        for user_id in dict.fromkeys(n.user_id for n in notifications):
            push_count(user_id, organization_id)
        made += len(notifications)
    return made


def unread_count(user_id: Any, organization_id: Any) -> int:
    with scope(organization=organization_id):
        return Notification.objects.filter(
            user_id=user_id, organization_id=organization_id, read_at__isnull=True
        ).count()


def push_count(user_id: Any, organization_id: Any) -> None:
    """Send the user's unread count to their open back-office pages (a missed one costs a reload)."""
    if get_channel_layer() is None:
        return
    try:
        count = unread_count(user_id, organization_id)
        send_to_groups([(user_group(user_id, organization_id), {"type": "notify.count", "count": count})])
    except Exception:
        log.exception("could not send the unread count")


def _number(value: Any) -> str:
    """A decimal string of a payload (stock: "3.000") as the reader writes it ("3")."""
    try:
        return str(formats.localize(Decimal(str(value)).normalize()))
    except (InvalidOperation, TypeError):
        return str(value)


def _node_text(p: dict[str, Any]) -> str:
    texts = {
        "offline": _("Store server %(node)s has not been heard from."),
        "failing": _("Store server %(node)s cannot send its sales."),
        "set_aside": _("Store server %(node)s set records aside that need a look."),
        "waiting_too_long": _("Sales of store server %(node)s have been waiting too long to arrive."),
    }
    return texts.get(str(p.get("problem")), texts["offline"]) % {"node": p.get("node")}


def _daily_text(p: dict[str, Any]) -> str:
    try:
        day = formats.date_format(date.fromisoformat(str(p.get("day"))), "SHORT_DATE_FORMAT")
    except ValueError:
        day = str(p.get("day"))
    change = p.get("gross_change")
    text = _("Day of %(store)s on %(day)s: %(gross)s € revenue, %(receipts)s receipts") % {
        "store": p.get("store"),
        "day": day,
        "gross": formats.localize(Decimal(str(p.get("gross") or "0"))),
        "receipts": p.get("receipts"),
    }
    if change is not None:
        text += " " + _("(%(change)s %% on last week)") % {"change": f"{int(change):+d}"}
    return str(text)


def describe(notification: Notification) -> str:
    """One line for the centre, in the reader's language."""
    p = notification.payload
    money = {k: formats.localize(Decimal(str(p[k]))) for k in ("total", "cash_difference") if p.get(k) is not None}
    texts = {
        "sale.completed": lambda: (
            _("Sale of %(total)s € (receipt %(number)s, %(employee)s)")
            % {"total": money.get("total"), "number": p.get("receipt_number"), "employee": p.get("employee")}
        ),
        "refund.created": lambda: (
            _("Return of %(total)s € (receipt %(number)s, %(employee)s)")
            % {"total": money.get("total"), "number": p.get("receipt_number"), "employee": p.get("employee")}
        ),
        "shift.closed": lambda: (
            _("Z report %(number)s closed, cash difference %(difference)s €")
            % {"number": p.get("z_number"), "difference": money.get("cash_difference", "0")}
        ),
        "summary.daily": lambda: _daily_text(p),
        "webhook.endpoint_disabled": lambda: (
            _("Webhook endpoint %(url)s switched off after 24 hours of failures") % {"url": p.get("url")}
        ),
        "receipt.aborted": lambda: (
            ngettext(
                "Receipt given up with %(count)s item of %(total)s € (%(employee)s)",
                "Receipt given up with %(count)s items of %(total)s € (%(employee)s)",
                int(p.get("items") or 0),
            )
            % {"count": p.get("items"), "total": money.get("total"), "employee": p.get("employee")}
        ),
        "alert.node_silent": lambda: _node_text(p),
        "alert.printer": lambda: (
            _("Printer %(name)s: %(status)s") % {"name": p.get("printer"), "status": p.get("status_text")}
        ),
        "alert.tse_outage": lambda: (
            _("%(register)s: the security device (TSE) is failing.") % {"register": p.get("register")}
        ),
        "alert.sync_anomaly": lambda: (
            ngettext(
                "%(n)s sale from a store server needs checking.",
                "%(n)s sales from store servers need checking.",
                int(p.get("count") or 0),
            )
            % {"n": p.get("count")}
        ),
        "alert.customer_conflict": lambda: (
            ngettext(
                "%(n)s customer was changed in two places at once.",
                "%(n)s customers were changed in two places at once.",
                int(p.get("count") or 0),
            )
            % {"n": p.get("count")}
        ),
        "stock.low": lambda: (
            _("%(product)s: %(quantity)s left, below the reorder level of %(threshold)s")
            % {
                "product": p.get("product_name"),
                "quantity": _number(p.get("quantity")),
                "threshold": _number(p.get("threshold")),
            }
        ),
    }
    if notification.kind in texts:
        return str(texts[notification.kind]())
    from kasse.notifications.events import ALL_EVENTS

    return str(ALL_EVENTS.get(notification.kind, notification.kind)) + (
        f": {p['detail']}" if isinstance(p.get("detail"), str) else ""
    )
