"""UUIDv7 identifiers (RFC 9562), created where a record is born.

Time-ordered ids keep B-tree inserts local and let a store node create records
offline without ever colliding with the cloud. Python gets ``uuid.uuid7`` only
in 3.14, so we build it here: 48 bits of Unix milliseconds, the version and
variant bits, and 74 random bits, with a counter in ``rand_a`` that keeps ids
from one process monotonic within the same millisecond.

The random bits come from ``os.urandom`` read a few kilobytes at a time (one system call for hundreds of
ids instead of one or two per id: a node's upload makes an event id per sale); a forked child never reuses
its parent's unread bytes.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0
_POOL_SIZE = 4096
_pool = b""
_taken = _POOL_SIZE  # bytes of ``_pool`` used (all: read a new one first)
_UUID = uuid.UUID


def _forget_pool() -> None:
    global _pool, _taken
    _pool, _taken = b"", _POOL_SIZE


os.register_at_fork(after_in_child=_forget_pool)


def uuid7() -> uuid.UUID:
    """Return a new, process-monotonic UUIDv7."""
    global _last_ms, _counter, _pool, _taken
    with _lock:
        if _taken > _POOL_SIZE - 10:
            _pool, _taken = os.urandom(_POOL_SIZE), 0
        pool, start = _pool, _taken
        _taken += 10
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms = ms
            _counter = int.from_bytes(pool[start : start + 2], "big") & 0x3FF  # leave headroom
        else:
            _counter += 1
            if _counter > 0xFFF:  # 4096 ids in one ms: borrow the next millisecond
                _last_ms += 1
                _counter = 0
            ms = _last_ms
        rand_a = _counter
    rand_b = int.from_bytes(pool[start + 2 : start + 10], "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= rand_a << 64
    value |= 0b10 << 62
    value |= rand_b
    return _UUID(int=value)


def uuid7_time_ms(value: uuid.UUID) -> int:
    """Milliseconds since the epoch encoded in a UUIDv7."""
    return value.int >> 80
