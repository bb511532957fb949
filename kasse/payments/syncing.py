"""How card terminals sync: the configuration comes down to its store's node, which drives the terminal.

Card payments are born on the node; they do not go up yet (docs/payments.md, "Limits")."""

from __future__ import annotations

from kasse.sync.engine.registry import Direction, Scope, SyncSpec, register

register(SyncSpec("payments.CardTerminal", Direction.DOWN, Scope.STORE))
