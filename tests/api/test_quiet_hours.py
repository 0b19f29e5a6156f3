"""A school's quiet hours (issue 14): its administrator sets them for the school's students and
parents; pushes and e-mail digests to them wait for the morning; a person's own quiet hours
override the school's; teachers keep theirs (or the defaults)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.api.test_chats import joined, make_class_chat
from tests.api.test_digest import (  # noqa: F401 - smtp is a fixture
    ELENA,
    MailServer,
    away,
    confirm_email,
    digests,
    direct_to_elena,
    minutes,
    say,
    smtp,
)
from tests.api.test_push import Clock, notifier_of, push, subscribe  # noqa: F401 - push: a fixture
from tests.conftest import World, error_code
from tests.helpers import API, register_gymnasium
from tests.push_service import PushService

EVENING_YEKATERINBURG = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # 21:00 there, 19:00 in Moscow
SCHOOL_NIGHT = {"enabled": True, "start": "20:00", "end": "08:00", "time_zone": "Asia/Yekaterinburg"}


async def test_the_schools_quiet_hours_hold_a_students_push_until_the_morning(
        world: World, push: PushService) -> None:  # noqa: F811
    irina = await world.as_("admin")
    r = await irina.put(f"{API}/orgs/{world.org_id}/quiet-hours", json=SCHOOL_NIGHT)
    assert r.status_code == 200 and r.json() == {
        "enabled": True, "start": "20:00", "end": "08:00", "time_zone": "Asia/Yekaterinburg"}
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    mine = (await masha.get(f"{API}/notifications/settings")).json()
    assert (mine["quiet_source"], mine["quiet_start"], mine["quiet_end"], mine["time_zone"]) == (
        "school", "20:00", "08:00", "Asia/Yekaterinburg")
    theirs = (await anna.get(f"{API}/notifications/settings")).json()  # a teacher: not hers
    assert (theirs["quiet_source"], theirs["quiet_start"]) == ("default", "21:00")
    assert (await masha.get(f"{API}/orgs/{world.org_id}/quiet-hours")).json()["enabled"] is True

    await subscribe(world, push, masha, "masha")
    clock = Clock(EVENING_YEKATERINBURG)  # 19:00 in Moscow: only the school's hours hold it
    notifier = notifier_of(world, clock)
    await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Форма на завтра — парадная"})
    await notifier.drain()
    assert push.received == []
    clock.now = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)  # 08:00 in Yekaterinburg
    await notifier.drain()
    assert len(push.to("masha")) == 1

    # Her own choice overrides the school's: no quiet hours at all.
    r = await masha.put(f"{API}/notifications/settings", json={"quiet_enabled": False})
    assert (r.json()["quiet_source"], r.json()["quiet_enabled"]) == ("own", False)
    clock.now = EVENING_YEKATERINBURG + timedelta(days=1)
    await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "И сменку"})
    await notifier.drain()
    assert len(push.to("masha")) == 2
    # And she may give them back to the school.
    r = await masha.put(f"{API}/notifications/settings", json={"quiet_own": False})
    assert (r.json()["quiet_source"], r.json()["quiet_start"]) == ("school", "20:00")


async def test_the_schools_quiet_hours_hold_a_parents_digest(world: World,
                                                            smtp: MailServer) -> None:  # noqa: F811
    at = minutes(31)
    local = at.astimezone(ZoneInfo("Asia/Yekaterinburg"))
    irina = await world.as_("admin")
    r = await irina.put(f"{API}/orgs/{world.org_id}/quiet-hours", json={
        "enabled": True, "start": (local - timedelta(hours=1)).strftime("%H:%M"),
        "end": (local + timedelta(hours=1)).strftime("%H:%M"), "time_zone": "Asia/Yekaterinburg"})
    assert r.status_code == 200, r.text
    elena = await world.as_("parent")
    await confirm_email(world, elena, ELENA)
    anna = await world.as_("teacher")
    direct = await direct_to_elena(world, anna)
    await away(world, "parent")
    await say(anna, direct, "Завтра экскурсия")
    assert await digests(world, at) == 0
    assert smtp.digests() == []
    assert await digests(world, at + timedelta(minutes=61)) == 1


async def test_only_the_schools_administrator_sets_them(world: World) -> None:
    irina = await world.as_("admin")
    before = (await irina.get(f"{API}/orgs/{world.org_id}/quiet-hours")).json()
    assert before == {"enabled": False, "start": "21:00", "end": "08:00",
                      "time_zone": "Europe/Moscow"}
    for key in ("teacher", "parent", "student"):
        c = await world.as_(key)
        r = await c.put(f"{API}/orgs/{world.org_id}/quiet-hours", json=SCHOOL_NIGHT)
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
    for bad in ({"start": "20:00"}, {"enabled": True, "start": "25:00"},
                {"enabled": True, "end": "8"}, {"enabled": "soon"},
                {"enabled": True, "time_zone": "Mars/Olympus"},
                {"enabled": True, "colour": "blue"}):
        r = await irina.put(f"{API}/orgs/{world.org_id}/quiet-hours", json=bad)
        assert (r.status_code, error_code(r)) == (422, "validation_failed"), bad
    gym, orlova = await register_gymnasium(world)
    r = await orlova.put(f"{API}/orgs/{world.org_id}/quiet-hours", json=SCHOOL_NIGHT)
    assert r.status_code == 404  # another school's: as if there were none
    assert (await orlova.get(f"{API}/orgs/{world.org_id}/quiet-hours")).status_code == 404
    r = await irina.put(f"{API}/orgs/{gym}/quiet-hours", json=SCHOOL_NIGHT)
    assert r.status_code == 404
    assert (await irina.get(f"{API}/orgs/{world.org_id}/quiet-hours")).json() == before
    r = await irina.put(f"{API}/orgs/{world.org_id}/quiet-hours", json={"enabled": False})
    assert r.json()["enabled"] is False
