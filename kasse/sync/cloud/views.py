"""The cloud's sync endpoints for store nodes (``/sync/v1/``).

Nodes authenticate with ``Authorization: Node <credential>`` and say which
protocol they speak in ``Kasse-Sync-Protocol``; a different protocol is
refused with 409 and a message saying which side to update, before anything
is read or written.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F
from django.db.models.functions import Greatest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_scopes import scope, scopes_disabled

import kasse
from kasse.core.throttle import PAIRING, client_address
from kasse.sync.cloud.feed import current_seq, events_since, snapshot
from kasse.sync.cloud.ingest import Ingestor
from kasse.sync.cloud.positions import positions_answer, received_position
from kasse.sync.cloud.services import node_for_token, pair_node
from kasse.sync.engine.lan_address import NODE_URL_HEADER, clean_lan_url
from kasse.sync.engine.protocol import (
    AUTH_SCHEME,
    BACKLOG_HEADER,
    MAX_BODY_BYTES,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    PULL_LIMIT,
    STATUS_HEADER,
    VERSION_HEADER,
    error_text,
)
from kasse.sync.models import StoreNode

MAX_PUSH_RECORDS = 2000
PAIR_MAX_BYTES = 4096  # a code, a name and a version


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"protocol": PROTOCOL_VERSION, "error": code, "detail": message}, status=status)


def _protocol_refusal(request: HttpRequest, body: dict[str, Any] | None = None) -> JsonResponse | None:
    spoken = request.headers.get(PROTOCOL_HEADER) or (body or {}).get("protocol")
    try:
        theirs = int(spoken) if spoken is not None else None
    except (TypeError, ValueError):
        theirs = None
    if theirs == PROTOCOL_VERSION:
        return None
    if theirs is None:
        return _error(400, "protocol_missing", _("The request does not say which sync protocol it speaks."))
    values = {"node": theirs, "cloud": PROTOCOL_VERSION, "version": kasse.__version__}
    if theirs < PROTOCOL_VERSION:
        message = _(
            "This store node speaks sync protocol %(node)s, the cloud speaks %(cloud)s (kasse %(version)s). "
            "Nothing was synced. Please update the store node."
        )
    else:
        message = _(
            "This store node speaks sync protocol %(node)s, the cloud speaks %(cloud)s (kasse %(version)s). "
            "Nothing was synced. Please update the cloud."
        )
    return _error(409, "protocol_mismatch", message % values)


class BodyTooLarge(Exception):
    pass


def _json_body(request: HttpRequest, limit: int | None = None) -> dict[str, Any] | None:
    """The JSON object of a node's request. Read with the protocol's own limit, not Django's upload limit
    (2.5 MB): a batch of a thousand sales is larger than that. ``None`` when it is not a JSON object,
    also when it is nested too deeply for the parser."""
    limit = MAX_BODY_BYTES if limit is None else limit
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise BodyTooLarge
    raw = request._body if hasattr(request, "_body") else request.read(limit + 1)
    if len(raw) > limit:
        raise BodyTooLarge
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def node_endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Authenticate the node, check the protocol, note the contact, run in its organization's scope."""

    @csrf_exempt
    def wrapper(request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        token = header[len(AUTH_SCHEME) + 1 :].strip() if header.startswith(AUTH_SCHEME + " ") else ""
        node = node_for_token(token)
        if node is None:
            return _error(401, "unauthorized", _("This store node is not paired or its pairing was revoked."))
        body: dict[str, Any] | None = None
        if request.method == "POST":
            try:
                body = _json_body(request)
            except BodyTooLarge:
                return _error(
                    413,
                    "too_large",
                    _("The request is larger than %(n)s MB. Nothing was stored; send fewer records at a time.")
                    % {"n": MAX_BODY_BYTES >> 20},
                )
            if body is None:
                return _error(400, "bad_json", _("The request body is not a JSON object."))
        refusal = _protocol_refusal(request, body)
        if refusal is not None:
            return refusal
        updates: dict[str, Any] = {"last_contact_at": timezone.now()}
        backlog = request.headers.get(BACKLOG_HEADER, "")
        if backlog.isdigit():
            updates["last_backlog"] = int(backlog)
        version = request.headers.get(VERSION_HEADER, "")[:40]
        if version:
            updates["version"] = version
        updates.update(_reported_status(request.headers.get(STATUS_HEADER, "")))
        lan_url = clean_lan_url(request.headers.get(NODE_URL_HEADER, ""))
        if lan_url:
            updates["lan_url"] = lan_url
        # The contact and what the view notes (``note``) go into one UPDATE after the view: one commit per
        # request, and none before a push's records are stored (the live feed waits for that commit).
        setattr(request, _NOTED, updates)
        try:
            with scope(organization=node.organization_id):
                response = view(request, node, body)
        finally:
            with scopes_disabled():
                StoreNode.objects.filter(pk=node.pk).update(**updates)
        response[VERSION_HEADER] = kasse.__version__  # the handshake: a node learns that it is behind
        return response

    return wrapper


_NOTED = "_kasse_node_noted"  # the columns of the node's row that the request updates when it is done


def note(request: HttpRequest, **columns: Any) -> None:
    """Have ``node_endpoint`` write ``columns`` to the node's row with the contact, after the view."""
    getattr(request, _NOTED).update(columns)


def _reported_status(header: str) -> dict[str, Any]:
    """The node's own sync health from ``Kasse-Sync-Status`` (JSON), as ``StoreNode`` columns; whatever
    is missing or malformed is left as it was (it only informs the owner, it never fails a request)."""
    if not header or len(header) > 4000:
        return {}
    try:
        report = json.loads(header)
    except ValueError:
        return {}
    if not isinstance(report, dict):
        return {}
    updates: dict[str, Any] = {}
    if "set_aside" in report or "feed_set_aside" in report:  # outbox records and feed events together
        updates["set_aside"] = _count(report.get("set_aside")) + _count(report.get("feed_set_aside"))
    if "oldest_waiting" in report:
        updates["oldest_waiting_at"] = _moment(report["oldest_waiting"])
    error = report.get("last_error")
    if isinstance(error, str) and "last_error" in report:
        # The last error and since when stay on the page after it is over; ``failing`` says whether it is.
        updates["failing"] = bool(error)
        if error:
            updates["last_error"] = error_text(error)
            updates["last_error_at"] = _moment(report.get("error_since")) or timezone.now()
    return updates


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**30 else 0


def _moment(value: Any) -> Any:
    if not isinstance(value, str):
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


@csrf_exempt
@require_POST
def pair(request: HttpRequest) -> HttpResponse:
    """Redeem a node pairing code. Nothing is authenticated yet, so the body is small (a code, a name,
    a version) and wrong codes are limited per address."""
    address = client_address(request)
    wait = PAIRING.retry_after(address)
    if wait:
        response = _error(
            429,
            "too_many_attempts",
            _("Too many wrong pairing codes from this address. Please try again in %(minutes)s minutes.")
            % {"minutes": math.ceil(wait / 60)},
        )
        response["Retry-After"] = str(wait)
        return response
    try:
        body = _json_body(request, PAIR_MAX_BYTES)
    except BodyTooLarge:
        return _error(413, "too_large", _("A pairing request is at most %(n)s bytes.") % {"n": PAIR_MAX_BYTES})
    if body is None:
        return _error(400, "bad_json", _("The request body is not a JSON object."))
    refusal = _protocol_refusal(request, body)
    if refusal is not None:
        return refusal
    try:
        node, token = pair_node(
            code=str(body.get("code", "")),
            name=str(body.get("name", "")),
            version=str(body.get("version", "")),
            replaces=str(body.get("replaces") or ""),
        )
    except ValidationError as exc:
        PAIRING.note(address)
        return _error(400, "pairing_failed", " ".join(exc.messages))
    return JsonResponse(
        {
            "protocol": PROTOCOL_VERSION,
            "node_id": str(node.pk),
            "token": token,
            "organization_id": str(node.organization_id),
            "store_id": str(node.store_id),
            "store_name": node.store.name,
            "customer_number_base": node.customer_number_base,
        }
    )


@require_GET
@node_endpoint
def snapshot_view(request: HttpRequest, node: StoreNode, body: Any) -> HttpResponse:
    # The cursor is read first: events after it are re-applied on top of the rows (upserts converge).
    cursor = current_seq(node.organization_id)
    tables = [[label, rows] for label, rows in snapshot(node)]
    return JsonResponse({"protocol": PROTOCOL_VERSION, "cursor": cursor, "tables": tables})


@require_GET
@node_endpoint
def changes(request: HttpRequest, node: StoreNode, body: Any) -> HttpResponse:
    try:
        since = int(request.GET.get("since", "0"))
        limit = min(max(int(request.GET.get("limit", PULL_LIMIT)), 1), PULL_LIMIT)
    except ValueError:
        return _error(400, "bad_cursor", _("“since” and “limit” must be whole numbers."))
    events, cursor, more = events_since(node, since, limit)
    note(request, last_cursor=cursor, last_pull_at=timezone.now())
    return JsonResponse({"protocol": PROTOCOL_VERSION, "events": events, "cursor": cursor, "more": more})


@require_POST
@node_endpoint
def push(request: HttpRequest, node: StoreNode, body: Any) -> HttpResponse:
    records = body.get("records")
    if not isinstance(records, list):
        return _error(400, "bad_records", _("“records” must be a list."))
    if len(records) > MAX_PUSH_RECORDS:
        return _error(413, "too_many", _("At most %(n)s records per request.") % {"n": MAX_PUSH_RECORDS})
    ingestor = Ingestor(node, records)
    results = ingestor.run()
    received = received_position(records, results)
    note(request, last_push_at=timezone.now())
    if received > node.last_position:
        note(request, last_position=Greatest(F("last_position"), received))
    answer: dict[str, Any] = {"protocol": PROTOCOL_VERSION, "results": results}
    if node.positions_moved or any(r.get("status") == "quarantined" for r in results.values()):
        # A register's numbers moved in the cloud (a released sale) or the node reused numbers: it continues
        # after the cloud's (the node raises its counters, never lowers them).
        note(request, positions_moved=False)
        answer["positions"] = positions_answer(node, received)
    if ingestor.clock_ahead is not None:
        note(request, clock_ahead_seconds=ingestor.clock_ahead, clock_ahead_at=timezone.now())
        answer["warnings"] = [
            {
                "code": "clock_ahead",
                "seconds": ingestor.clock_ahead,
                "detail": _(
                    "This store node's clock runs %(minutes)s minutes ahead of the cloud's. Receipts carry wrong "
                    "times: please set the clock of the store PC (automatic time)."
                )
                % {"minutes": ingestor.clock_ahead // 60},
            }
        ]
    return JsonResponse(answer)


@require_GET
@node_endpoint
def positions(request: HttpRequest, node: StoreNode, body: Any) -> HttpResponse:
    """Where each register of the node's store stands in the cloud (see :mod:`kasse.sync.cloud.positions`)."""
    return JsonResponse({"protocol": PROTOCOL_VERSION, **positions_answer(node)})
