"""Time-ordered identifiers (UUID version 7, RFC 9562).

Rows are keyed by ``(tenant_id, id)``. A UUIDv7 sorts by creation time, so
keyset pagination in id order lists things oldest first, and ids need no
database sequence (which a tenant-distributed cluster would have to share).
"""

from __future__ import annotations

import os
import time
import uuid

_VERSION_AND_VARIANT = (0x7 << 76) | (0b10 << 62)
_RAND_A = 0x0FFF << 64
_RAND_B = 0x3FFF_FFFF_FFFF_FFFF


def _from(ms: int, tail: int) -> uuid.UUID:
    """The UUID of a 48-bit millisecond time and 80 random bits (12 + 62 of them used)."""
    return uuid.UUID(
        int=((ms & 0xFFFF_FFFF_FFFF) << 80)
        | _VERSION_AND_VARIANT
        | (tail & _RAND_A)
        | (tail & _RAND_B)
    )


def uuid7(timestamp_ms: int | None = None, rand: bytes | None = None) -> uuid.UUID:
    ms = time.time_ns() // 1_000_000 if timestamp_ms is None else timestamp_ms
    return _from(ms, int.from_bytes(os.urandom(10) if rand is None else rand, "big"))


def uuid7s(count: int) -> list[uuid.UUID]:
    """``count`` new ids at once (one read of the random source for all of them)."""
    ms = time.time_ns() // 1_000_000
    pool = os.urandom(10 * count)
    return [_from(ms, int.from_bytes(pool[i : i + 10], "big")) for i in range(0, 10 * count, 10)]
