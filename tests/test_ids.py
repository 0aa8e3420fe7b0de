"""Time-ordered ids (``server.ids``): the UUIDv7 layout of RFC 9562, one at a time or many."""

from __future__ import annotations

import time

from server.ids import uuid7, uuid7s


def test_the_layout_holds_the_time_the_version_the_variant_and_the_random_bits() -> None:
    rand = bytes(range(1, 11))
    value = uuid7(0x0123_4567_89AB, rand)
    assert value.int >> 80 == 0x0123_4567_89AB
    assert value.version == 7 and value.variant == "specified in RFC 4122"
    # 12 random bits after the version, 62 after the variant.
    assert (value.int >> 64) & 0x0FFF == int.from_bytes(rand[:2], "big") & 0x0FFF
    assert value.int & 0x3FFF_FFFF_FFFF_FFFF == int.from_bytes(rand[2:], "big") & (2**62 - 1)


def test_many_at_once_are_distinct_and_of_now() -> None:
    before = time.time_ns() // 1_000_000
    ids = uuid7s(2000)
    after = time.time_ns() // 1_000_000
    assert len(set(ids)) == 2000
    assert all(i.version == 7 and before <= i.int >> 80 <= after for i in ids)
    assert uuid7s(0) == []
