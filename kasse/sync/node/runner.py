"""The store node's sync loop: push the outbox, pull the feed, wait for a nudge.

Runs in the node's serving process as two daemon threads:

* the **loop** pushes due outbox records and pulls the feed, then sleeps until
  a local sale wakes it, a nudge arrives, or ``poll_seconds`` pass; when the
  cloud is unreachable it waits with exponential backoff and jitter. With
  ``watch_outbox`` it also wakes within that many seconds when *another*
  process commits outbox records (one indexed ``MAX(position)`` query per tick);
  sales made in the serving process wake it through ``on_commit`` anyway;
* the **listener** holds a WebSocket to the cloud's ``/ws/sync/`` and turns
  each nudge into a wake-up (reconnecting with backoff).

Whatever goes wrong in one round (no answer, an answer cut off anywhere, a
garbled status line, a bug), the loop survives it: the error is logged, stored
with the time it began (``NodeState.last_error``/``last_error_at``), shown on
the registers' badge and reported to the cloud's node page, and the round is
retried with backoff. Now and then the loop also prunes acknowledged outbox
records and retries set-aside feed events.

A revoked credential stops both at once. Nothing here holds state that a crash
could lose: the outbox and the cursor are in the database.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from kasse.core.backoff import Backoff
from kasse.core.supervisor import Health, Supervisor
from kasse.sync.engine import outbox
from kasse.sync.models import NodeState
from kasse.sync.node import steps as node_ops
from kasse.sync.node.catch_up import catch_up
from kasse.sync.node.client import CloudRefused, CloudUnreachable

log = logging.getLogger(__name__)

MIN_WAIT = 0.2  # seconds between two rounds at least, however soon a record is due


class SyncRunner:
    def __init__(
        self,
        state: NodeState,
        *,
        poll_seconds: float = 10.0,
        max_backoff: float = 60.0,
        first_backoff: float = 2.0,
        on_change: Callable[[dict[str, Any]], None] | None = None,
        websocket: bool = True,
        watch_outbox: float = 0.0,
    ) -> None:
        self.state = state
        self.client = node_ops.client_for(state)
        self.poll_seconds = poll_seconds
        self.max_backoff = max_backoff
        self.on_change = on_change or (lambda status: None)
        self.use_websocket = websocket
        self.watch_outbox = watch_outbox
        self.online = False
        self.stopped = False  # the last round failed with an unexpected error ("sync stopped: ...")
        self.revoked = state.revoked
        self.housekeeping_seconds = 3600.0
        self._next_housekeeping = 0.0
        # A failed round waits 1–2 s, then 2–4 s, ... up to max_backoff (kasse.core.backoff; first_backoff is the
        # first ceiling: the process tests make it shorter, `kasse store run --retry`).
        self.backoff = Backoff(initial=first_backoff, maximum=max_backoff, jitter=0.5)
        self._failures = 0
        self._positions_known = False  # asked the cloud where the registers stand since this start
        self.loop = Supervisor("kasse-sync", self._round, backoff=self.backoff, idle_seconds=0.0)
        self.listener = Supervisor(
            "kasse-sync-ws",
            self._listen_once,
            backoff=self.backoff,
            idle_seconds=0.0,
            quiet=_websocket_errors(),
            quiet_level=logging.DEBUG,
        )

    # --- lifecycle ------------------------------------------------------------------

    def start(self) -> None:
        node_ops.RUNNER = self
        outbox.on_new_records(self.wake)
        self.loop.start()
        if self.use_websocket:
            self.listener.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.loop.finish()
        self.listener.finish()
        self.loop.stop(timeout)
        self.listener.stop(timeout)
        if node_ops.RUNNER is self:
            node_ops.RUNNER = None  # the status no longer comes from a stopped runner

    def wake(self) -> None:
        self.loop.wake()

    def health(self) -> list[Health]:
        return [self.loop.health()] + ([self.listener.health()] if self.use_websocket else [])

    # --- the loop ---------------------------------------------------------------------

    def run_once(self) -> bool:
        """One round of push and pull; returns whether it went through. Never raises."""
        was_online, was_stopped = self.online, self.stopped
        try:
            self.client.status = node_ops.report_for_cloud()
            if not self._positions_known:
                # First thing after a start: a node restored from a backup continues after the cloud's
                # receipt and Z numbers instead of handing out numbers the cloud already holds.
                catch_up(self.client)
                self._positions_known = True
            pushed = node_ops.push_once(self.state, self.client)
            pulled = node_ops.pull_once(self.state, self.client)
        except CloudUnreachable as exc:
            self.online, self.stopped = False, False
            log.warning("sync: cloud unreachable: %s", exc)
            self._note_error(f"cloud unreachable: {exc}")
            self._notify(catalog_changed=False)
            return False
        except CloudRefused as exc:
            self.online, self.stopped = False, False
            revoked = exc.status == 401
            self.revoked = revoked
            self._note_error(exc.detail or exc.code, revoked=revoked)
            log.error("the cloud refused sync: %s", exc.detail or exc.code)
            self._notify(catalog_changed=False)
            return False
        except Exception as exc:  # a bug or a surprise: the loop lives on, the error is shown
            self.online, self.stopped = False, True
            log.exception("sync stopped by an unexpected error (retrying with backoff)")
            self._note_error(f"{type(exc).__name__}: {exc}")
            self._notify(catalog_changed=False)
            return False
        self.online, self.stopped = True, False
        if pushed.sent or pulled or not was_online or was_stopped or pushed.held:
            self._notify(catalog_changed=bool(pulled & node_ops.register_screen_tables()))
        return True

    def _note_error(self, message: str, *, revoked: bool = False) -> None:
        try:
            node_ops.note_error(self.state, message, revoked=revoked)
        except Exception:
            log.exception("could not store the sync error")

    def housekeeping(self) -> None:
        """Prune acknowledged outbox records past their retention, retry set-aside feed events."""
        from django_scopes import scopes_disabled

        from kasse.sync.node.apply import retry_set_aside_events

        with scopes_disabled():
            pruned = outbox.prune_acked()
        applied, remaining = retry_set_aside_events()
        if pruned or applied or remaining:
            log.info(
                "sync housekeeping: %d synced records pruned, %d set-aside feed events applied, %d still set aside",
                pruned,
                applied,
                remaining,
            )

    def _notify(self, *, catalog_changed: bool) -> None:
        try:
            status = node_ops.status()
            status.update(online=self.online, stopped=self.stopped, catalog_changed=catalog_changed)
            self.on_change(status)
        except Exception:
            log.exception("could not publish the node status")

    def _round(self) -> float:
        """One round, then the wait before the next (run by the ``kasse-sync`` supervisor; a revoked
        credential ends it)."""
        from django_scopes import scopes_disabled

        if self.revoked:
            self.loop.finish()
            return 0.0
        head = self._outbox_head()
        ok = self.run_once()
        if self.revoked:
            self.loop.finish()
            return 0.0
        # After the round, not before: a backlog waiting when the node starts goes up first.
        if time.monotonic() >= self._next_housekeeping:
            self._next_housekeeping = time.monotonic() + self.housekeeping_seconds
            try:
                self.housekeeping()
            except Exception:
                log.exception("sync housekeeping failed")
        if ok:
            self._failures = 0
            self._idle(self._until_next_attempt(), head)
            return 0.0
        # The round failed: back off with jitter (a local sale or a nudge tries sooner) ...
        self._failures += 1
        self._idle(self.backoff.delay(self._failures), head)
        # ... and then send what waited at once, not at each record's own backoff time.
        try:
            with scopes_disabled():
                outbox.retry_all_now()
        except Exception:
            log.exception("could not reschedule the outbox")
        return 0.0

    def _until_next_attempt(self) -> float:
        """How long to wait after a good round: the poll interval, or less when an outbox record is due
        sooner (a record answered ``retry`` goes again after its own backoff, not after the poll interval);
        at least ``MIN_WAIT`` seconds, so a record that keeps failing never makes the loop spin."""
        from django_scopes import scopes_disabled

        try:
            with scopes_disabled():
                due = outbox.next_attempt_in()
        except Exception:
            log.exception("could not read when the outbox is due")
            return self.poll_seconds
        return self.poll_seconds if due is None else max(MIN_WAIT, min(self.poll_seconds, due))

    def _outbox_head(self) -> int | None:
        """The newest outbox position (only read with ``watch_outbox``)."""
        if not self.watch_outbox:
            return None
        from django.db.models import Max
        from django_scopes import scopes_disabled

        try:
            with scopes_disabled():
                return outbox.OutboxRecord.objects.aggregate(p=Max("position"))["p"]
        except Exception:
            log.exception("could not read the outbox position")
            return None

    def _idle(self, seconds: float, head: int | None) -> None:
        """Wait ``seconds`` or until woken; with ``watch_outbox``, also until the outbox grew past ``head``."""
        if not self.watch_outbox:
            self.loop.wait(seconds)
            return
        deadline = time.monotonic() + seconds
        while not self.loop.wait(min(self.watch_outbox, deadline - time.monotonic())):
            if time.monotonic() >= deadline or self._outbox_head() != head:
                return

    # --- the nudge listener ----------------------------------------------------------------

    def _listen_once(self) -> float:
        """One connection to the cloud's ``/ws/sync/``, held until it drops or the runner stops (run by the
        ``kasse-sync-ws`` supervisor: a failed connection is tried again with the runner's backoff)."""
        from websockets.sync.client import connect

        if self.revoked:
            self.listener.finish()
            return 0.0
        with connect(
            self.client.websocket_url,
            additional_headers=self.client.websocket_headers(),
            open_timeout=10,
            close_timeout=2,
        ) as ws:
            self.listener.failures.succeeded()  # connected: a later drop waits from the start of the backoff
            self.wake()  # we may have missed nudges while disconnected
            while not self.listener.stopping.is_set():
                try:
                    message = ws.recv(timeout=1.0)
                except TimeoutError:
                    continue
                data = json.loads(message)
                if data.get("type") == "revoked":
                    self.revoked = True
                    self.wake()
                    self.listener.finish()
                    return 0.0
                self.wake()
        return 0.0


def _websocket_errors() -> tuple[type[BaseException], ...]:
    from websockets.exceptions import WebSocketException

    return (OSError, WebSocketException, ValueError)
