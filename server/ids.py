"""Time-ordered identifiers (UUID version 7, RFC 9562).

Rows are keyed by ``(tenant_id, id)``. A UUIDv7 sorts by creation time, so
keyset pagination in id order lists things oldest first, and ids need no
database sequence (which a tenant-distributed cluster would have to share).
"""

from __future__ import annotations

import os
import time
import uuid


def uuid7(timestamp_ms: int | None = None, rand: bytes | None = None) -> uuid.UUID:
    ms = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    tail = os.urandom(10) if rand is None else rand
    value = (ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76
    value |= (int.from_bytes(tail[:2], "big") & 0x0FFF) << 64
    value |= 0b10 << 62
    value |= int.from_bytes(tail[2:10], "big") & 0x3FFF_FFFF_FFFF_FFFF
    return uuid.UUID(int=value)
