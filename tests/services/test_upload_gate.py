"""A server process's allowance for uploads: a few files worked on at once, and for each person
so many files a minute and bytes an hour — with the seconds to wait when past them."""

from __future__ import annotations

import asyncio

import pytest

from parta.services.upload_gate import GateBusy, UploadGate

MASHA, PETYA = 11, 12


def test_files_a_minute_per_person() -> None:
    gate = UploadGate(2)
    limits = {"per_minute": 3, "bytes_per_hour": 10**9}
    for second in (0, 10, 20):
        assert gate.admit(MASHA, 100, now=1000 + second, **limits) == 0
    # The fourth within the minute waits until the first of them is a minute old.
    assert gate.admit(MASHA, 100, now=1030, **limits) == 30
    assert gate.admit(PETYA, 100, now=1030, **limits) == 0  # hers is not his
    assert gate.admit(MASHA, 100, now=1060.5, **limits) == 0  # the first one left the minute
    assert gate.admit(MASHA, 100, now=1061, **limits) == 9  # the next: 10 s + 60 − 61


def test_bytes_an_hour_per_person() -> None:
    gate = UploadGate(2)
    limits = {"per_minute": 100, "bytes_per_hour": 1000}
    assert gate.admit(MASHA, 600, now=0, **limits) == 0
    assert gate.admit(MASHA, 300, now=100, **limits) == 0
    assert gate.admit(MASHA, 200, now=200, **limits) == 3400  # once the 600 are an hour old
    assert gate.admit(MASHA, 100, now=200, **limits) == 0  # what is left of the hour fits
    assert gate.admit(MASHA, 5000, now=300, **limits) == 3600  # never fits: try in an hour
    assert gate.admit(MASHA, 600, now=3600, **limits) == 0  # the first 600 are gone


async def test_workers_places_are_shared_first_come_first_served() -> None:
    gate = UploadGate(1)
    order: list[str] = []
    first_in, first_may_go = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with gate.working(wait=60):
            order.append("first")
            first_in.set()
            await first_may_go.wait()

    async def second() -> None:
        async with gate.working(wait=60):
            order.append("second")

    one = asyncio.create_task(first())
    await first_in.wait()
    two = asyncio.create_task(second())
    with pytest.raises(GateBusy):  # nobody who will not wait gets in meanwhile
        async with gate.working(wait=0):
            order.append("impatient")
    first_may_go.set()
    await asyncio.gather(one, two)
    assert order == ["first", "second"]
    async with gate.working(wait=0):  # free again
        order.append("third")
