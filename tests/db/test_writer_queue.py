"""The embedded database's writers of one process take their turns in order."""

from __future__ import annotations

import asyncio

from server.db.writer_queue import WriterQueue


async def test_writers_are_served_in_the_order_they_came() -> None:
    queue = WriterQueue(timeout_seconds=5)
    served: list[int] = []
    release = asyncio.Event()

    async def first() -> None:
        async with queue.turn() as granted:
            assert granted
            await release.wait()
            served.append(0)

    async def writer(number: int) -> None:
        async with queue.turn() as granted:
            assert granted
            served.append(number)
            await asyncio.sleep(0)

    holder = asyncio.create_task(first())
    await asyncio.sleep(0)
    waiting = []
    for number in range(1, 8):
        waiting.append(asyncio.create_task(writer(number)))
        await asyncio.sleep(0)  # each queues before the next comes
    release.set()
    await asyncio.gather(holder, *waiting)
    assert served == list(range(8))


async def test_a_writer_that_waits_past_the_timeout_is_refused_and_holds_nothing() -> None:
    queue = WriterQueue(timeout_seconds=0.05)
    async with queue.turn() as granted:
        assert granted
        async with queue.turn() as late:
            assert late is False
    # The refused writer took no turn: the next one gets it at once.
    async with queue.turn() as granted:
        assert granted


async def test_a_turn_ended_by_an_error_is_given_back() -> None:
    queue = WriterQueue(timeout_seconds=0.05)
    try:
        async with queue.turn():
            raise RuntimeError("the request failed")
    except RuntimeError:
        pass
    async with queue.turn() as granted:
        assert granted
