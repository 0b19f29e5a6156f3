"""A teacher writing late sees that the families will hear of it in the morning (issue 14):
GET /chats/{id}/quiet counts the chat's other members in their quiet hours now — their own,
else the school's for its students and parents, else 21:00–07:00 Moscow — and says when those
end. Counts and times only; the clock is moved by the test."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from parta.queries import quiet
from tests.api.test_chats import joined, make_class_chat
from tests.api.test_digest import parents_chat
from tests.conftest import World, error_code
from tests.helpers import API, register_gymnasium


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, now: datetime) -> None:
        self.now = now
        monkeypatch.setattr(quiet, "_now", lambda: self.now)


async def quiet_of(c: httpx.AsyncClient, chat_id: int) -> dict[str, Any]:
    r = await c.get(f"{API}/chats/{chat_id}/quiet")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def statements_of(world: World, c: httpx.AsyncClient, chat_id: int) -> int:
    """How many statements the server sends to the database to answer the read (asked by a
    client without the test's own look at every answer, which reads the database too)."""
    bare = world.client(Authorization=c.headers["Authorization"])
    bare.event_hooks = {"request": [], "response": []}
    engine = world.services.sessionmaker.kw["bind"].sync_engine
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        await quiet_of(bare, chat_id)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return len(seen)


def at(answer: dict[str, Any], key: str) -> datetime | None:
    value = answer[key]
    return None if value is None else datetime.fromisoformat(value)


async def test_a_teacher_writing_at_night_learns_the_parents_hear_of_it_at_seven(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch, datetime(2026, 12, 7, 19, 40, tzinfo=UTC))  # 22:40 in Moscow
    anna, chat_id = await parents_chat(world)
    assert (await quiet_of(anna, chat_id))["total"] == 0  # nobody else yet: nobody to wake
    elena = await joined(world, "parent", chat_id)

    late = await quiet_of(anna, chat_id)
    assert {k: late[k] for k in ("chat_id", "total", "quiet", "urgent", "typical_at",
                                 "time_zone")} == {
        "chat_id": chat_id, "total": 1, "quiet": 1, "urgent": False, "typical_at": "07:00",
        "time_zone": "Europe/Moscow"}
    assert at(late, "earliest") == at(late, "typical") == datetime(2026, 12, 8, 4, 0, tzinfo=UTC)

    # Past midnight the same quiet hours still hold, and end the same morning.
    clock.now = datetime(2026, 12, 8, 1, 30, tzinfo=UTC)  # 04:30 in Moscow
    small_hours = await quiet_of(anna, chat_id)
    assert (small_hours["quiet"], small_hours["typical_at"]) == (1, "07:00")
    assert at(small_hours, "earliest") == datetime(2026, 12, 8, 4, 0, tzinfo=UTC)
    # In the afternoon nobody is asleep.
    clock.now = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)  # 14:00 in Moscow
    assert {k: v for k, v in (await quiet_of(anna, chat_id)).items() if k != "time_zone"} == {
        "chat_id": chat_id, "total": 1, "quiet": 0, "urgent": False, "earliest": None,
        "typical": None, "typical_at": None}

    # Her own choice counts: without quiet hours the message reaches her at once.
    clock.now = datetime(2026, 12, 7, 19, 40, tzinfo=UTC)
    r = await elena.put(f"{API}/notifications/settings", json={"quiet_enabled": False})
    assert r.status_code == 200, r.text
    assert (await quiet_of(anna, chat_id))["quiet"] == 0
    # And the teacher's own (the defaults) count when the parent writes.
    assert (await quiet_of(elena, chat_id))["quiet"] == 1


async def test_the_schools_hours_and_a_member_elsewhere_count_by_their_own_clock(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # 21:00 in Yekaterinburg, 19:00 in Moscow: only the school's quiet hours hold.
    Clock(monkeypatch, datetime(2026, 12, 7, 16, 0, tzinfo=UTC))
    irina = await world.as_("admin")
    r = await irina.put(f"{API}/orgs/{world.org_id}/quiet-hours", json={
        "enabled": True, "start": "20:00", "end": "08:00", "time_zone": "Asia/Yekaterinburg"})
    assert r.status_code == 200, r.text
    anna, chat = await make_class_chat(world)
    alone = await statements_of(world, anna, chat["id"])
    masha = await joined(world, "student", chat["id"])
    petya = await joined(world, "student2", chat["id"])
    # As cheap with members as without: no statement per member.
    assert await statements_of(world, anna, chat["id"]) == alone

    both = await quiet_of(anna, chat["id"])
    assert (both["total"], both["quiet"], both["typical_at"], both["time_zone"]) == (
        2, 2, "08:00", "Asia/Yekaterinburg")
    assert at(both, "earliest") == datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
    # Masha asks: the teacher keeps the defaults (19:00 in Moscow: awake), Петя the school's.
    assert (await quiet_of(masha, chat["id"]))["quiet"] == 1

    # Петя chose his own, in Kaliningrad (18:00 there): not yet.
    r = await petya.put(f"{API}/notifications/settings", json={
        "quiet_enabled": True, "quiet_start": "22:00", "quiet_end": "06:00",
        "time_zone": "Europe/Kaliningrad"})
    assert r.status_code == 200, r.text
    assert (await quiet_of(anna, chat["id"]))["quiet"] == 1
    # Then he moved to Vladivostok (02:00 there), quiet until 09:00 his time: he hears first.
    r = await petya.put(f"{API}/notifications/settings", json={
        "quiet_enabled": True, "quiet_start": "22:00", "quiet_end": "09:00",
        "time_zone": "Asia/Vladivostok"})
    assert r.status_code == 200, r.text
    two = await quiet_of(anna, chat["id"])
    assert (two["total"], two["quiet"]) == (2, 2)
    assert at(two, "earliest") == datetime(2026, 12, 7, 23, 0, tzinfo=UTC)
    # One each: the earlier is the typical one, told in the school's time zone (04:00).
    assert (at(two, "typical"), two["typical_at"]) == (datetime(2026, 12, 7, 23, 0, tzinfo=UTC),
                                                       "04:00")


async def test_an_administrators_channel_post_is_urgent_and_wakes_nobody_later(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, datetime(2026, 12, 7, 20, 0, tzinfo=UTC))  # 23:00 in Moscow
    irina = await world.as_("admin")
    channel = next(c for c in (await irina.get(f"{API}/chats")).json()["chats"]
                   if c["kind"] == "school_channel")
    answer = await quiet_of(irina, channel["id"])
    assert (answer["urgent"], answer["quiet"], answer["typical_at"]) == (True, 0, None)
    assert answer["total"] >= 1


async def test_only_the_chats_members_are_told_and_another_school_finds_nothing(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, datetime(2026, 12, 7, 19, 40, tzinfo=UTC))
    anna, chat_id = await parents_chat(world)
    oleg = await world.as_("math_teacher")  # of the school, not in the chat
    r = await oleg.get(f"{API}/chats/{chat_id}/quiet")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    _gym, natalia = await register_gymnasium(world)
    r = await natalia.get(f"{API}/chats/{chat_id}/quiet")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await anna.get(f"{API}/chats/0/quiet")
    assert r.status_code == 404
    r = await anna.get(f"{API}/chats/abc/quiet")  # a malformed path id: 404 like any (house rule)
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await world.client().get(f"{API}/chats/{chat_id}/quiet")
    assert r.status_code == 401
