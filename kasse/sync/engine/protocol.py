"""What both sides of sync must agree on. Bump ``PROTOCOL_VERSION`` on any incompatible change."""

from __future__ import annotations

PROTOCOL_VERSION = 1
PROTOCOL_HEADER = "Kasse-Sync-Protocol"
BACKLOG_HEADER = "Kasse-Sync-Backlog"
VERSION_HEADER = "Kasse-Version"  # both ways: the node's version in requests, the cloud's in answers
STATUS_HEADER = "Kasse-Sync-Status"  # a node's own sync health (JSON), shown on the cloud's node page
AUTH_SCHEME = "Node"
PUSH_BATCH_SIZE = 1000  # records per push request (the cloud takes up to 2,000)
MAX_BODY_BYTES = 32 * 1024 * 1024  # the largest request body the cloud reads (a node halves a batch refused as larger)
PUSH_IN_FLIGHT = 2  # push requests a node keeps under way at once (not part of the protocol: its pace)
PULL_LIMIT = 1000
POSITIONS_PATH = "/sync/v1/positions"


def error_text(value: object, limit: int = 500) -> str:
    """An error as it is stored and shown: at most ``limit`` characters, without NUL and other control
    characters (a garbled answer may carry them; PostgreSQL text refuses NUL, a page should not show them)."""
    text = str(value)
    return "".join(ch if ch >= " " or ch in "\n\t" else "\ufffd" for ch in text)[:limit]
