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
