"""Broadcasts (R38) in the demo school: Ирина Петровна plans «Линейка к Дню Конституции» for the
whole school tomorrow at 10:00 — its notice comes to the school channel, everyone sees it on
their list; a talk for 5А's parents goes to their chat, and Маша neither sees it nor may open
it. Only the administration plans and cancels; viewers' questions wait for the presenter, who
approves, answers or dismisses them; another school finds nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from parta.db import utcnow
from parta.models import Broadcast, Chat, ChatKind, Message
from tests.conftest import World, error_code
from tests.helpers import API, groups_of, register_gymnasium

MSK = ZoneInfo("Europe/Moscow")
TITLE = "Линейка к Дню Конституции"


def tomorrow_at(hour: int) -> datetime:
    return datetime.combine(utcnow().astimezone(MSK).date() + timedelta(days=1), time(hour),
                            tzinfo=MSK)


def plan(audience: str = "school", minutes: int = 45, start: datetime | None = None,
         **extra: Any) -> dict[str, Any]:
    start = start or tomorrow_at(10)
    return {"title": TITLE, "audience": audience, "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(minutes=minutes)).isoformat(), **extra}


async def notices(world: World, kind: ChatKind | None = None, chat_id: int | None = None) -> list[Message]:
    async with world.services.sessionmaker() as db:
        q = select(Message).join(Chat, Chat.id == Message.chat_id).where(Message.kind == "broadcast")
        if kind is not None:
            q = q.where(Chat.kind == kind)
        if chat_id is not None:
            q = q.where(Chat.id == chat_id)
        return list((await db.execute(q.order_by(Message.id))).scalars())


async def stored(world: World) -> int:
    async with world.services.sessionmaker() as db:
        return len((await db.execute(select(Broadcast.id))).all())


async def listed(c: httpx.AsyncClient, org_id: int) -> list[str]:
    r = await c.get(f"{API}/orgs/{org_id}/broadcasts")
    assert r.status_code == 200, r.text
    return [b["title"] for b in r.json()["broadcasts"]]


async def test_the_administration_plans_a_school_broadcast_and_everyone_is_told(world: World) -> None:
    irina = await world.as_("admin")
    r = await irina.post(f"{API}/orgs/{world.org_id}/broadcasts", json=plan())
    assert r.status_code == 201, r.text
    b = r.json()
    assert b["audience"] == "school" and b["groups"] == []
    assert [p["name"] for p in b["presenters"]] == ["Ирина Петровна Смирнова"]  # none named: the planner
    assert b["presenting"] and b["can_manage"] and not b["on_air"] and b["viewers"] == 0
    [notice] = await notices(world, ChatKind.school_channel)
    assert notice.meta["broadcast_id"] == b["id"] and notice.meta["stage"] == "planned"
    assert TITLE in notice.body
    changed = world.events_of("broadcast.changed")
    assert changed and await world.user_id("parent") in changed[-1].audience
    for key in ("teacher", "student", "parent", "little"):
        c = await world.as_(key)
        assert await listed(c, world.org_id) == [TITLE], key
        r = await c.get(f"{API}/broadcasts/{b['id']}")
        assert r.status_code == 200 and not r.json()["can_manage"] and not r.json()["presenting"]


async def test_a_class_broadcast_is_for_its_class_and_a_parents_one_for_its_parents(world: World) -> None:
    irina = await world.as_("admin")
    groups = await groups_of(irina, world.org_id)
    g5, g1 = groups["5А"]["id"], groups["1А"]["id"]
    r = await irina.post(f"{API}/orgs/{world.org_id}/broadcasts", json=plan(
        "parents", title="Собрание родителей 5А", group_ids=[g5],
        presenter_ids=[await world.user_id("teacher")]))
    assert r.status_code == 201, r.text
    parents_talk = r.json()
    assert [g["name"] for g in parents_talk["groups"]] == ["5А"]
    assert [p["name"] for p in parents_talk["presenters"]] == ["Анна Сергеевна Волкова"]
    [notice] = await notices(world, ChatKind.parents)
    assert notice.body.startswith("Трансляция: Собрание родителей 5А")
    r = await irina.post(f"{API}/orgs/{world.org_id}/broadcasts", json=plan(
        "classes", title="Урок безопасности 1А", group_ids=[g1]))
    assert r.status_code == 422 and error_code(r) == "no_audience_chat"  # 1А has no chat yet
    r = await irina.post(f"{API}/orgs/{world.org_id}/broadcasts", json=plan(
        "classes", title="Урок безопасности 5А", group_ids=[g5, g1]))
    assert r.status_code == 201, r.text
    safety = r.json()
    assert [n.meta["title"] for n in await notices(world, ChatKind.class_)] == ["Урок безопасности 5А"]

    elena, masha, anna, oleg, vanya = [await world.as_(k) for k in
                                       ("parent", "student", "teacher", "math_teacher", "little")]
    assert await listed(elena, world.org_id) == ["Собрание родителей 5А"]
    assert await listed(masha, world.org_id) == ["Урок безопасности 5А"]
    assert await listed(vanya, world.org_id) == ["Урок безопасности 5А"]  # 1А is in it too
    assert sorted(await listed(oleg, world.org_id)) == ["Собрание родителей 5А",
                                                         "Урок безопасности 5А"]  # he teaches 5А
    anna_sees = (await anna.get(f"{API}/orgs/{world.org_id}/broadcasts")).json()["broadcasts"]
    assert sorted((x["title"], x["presenting"]) for x in anna_sees) == [
        ("Собрание родителей 5А", True), ("Урок безопасности 5А", False)]
    for c, bid in ((masha, parents_talk["id"]), (elena, safety["id"]), (vanya, parents_talk["id"])):
        r = await c.get(f"{API}/broadcasts/{bid}")
        assert r.status_code == 403 and error_code(r) == "not_in_audience", r.text
        r = await c.post(f"{API}/broadcasts/{bid}/questions", json={"body": "Можно?"})
        assert r.status_code == 403 and error_code(r) == "not_in_audience"
    assert (await irina.get(f"{API}/broadcasts/{safety['id']}")).status_code == 200


async def test_only_the_administration_plans_and_cancels_and_the_wrong_plan_is_refused(world: World) -> None:
    anna = await world.as_("teacher")
    r = await anna.post(f"{API}/orgs/{world.org_id}/broadcasts", json=plan())
    assert r.status_code == 403 and error_code(r) == "forbidden"
    for key in ("student", "parent"):
        r = await (await world.as_(key)).post(f"{API}/orgs/{world.org_id}/broadcasts", json=plan())
        assert r.status_code == 403
    gym_id, gym_admin = await register_gymnasium(world)
    r = await gym_admin.post(f"{API}/orgs/{world.org_id}/broadcasts", json=plan())
    assert r.status_code == 404
    assert (await gym_admin.get(f"{API}/orgs/{world.org_id}/broadcasts")).status_code == 404
    irina = await world.as_("admin")
    g5 = (await groups_of(irina, world.org_id))["5А"]["id"]
    masha_id = await world.user_id("student")
    past = utcnow() - timedelta(hours=2)
    naive = tomorrow_at(10).replace(tzinfo=None)
    bad: list[tuple[dict[str, Any], str]] = [
        (plan(start=past), "starts_at"),
        (plan(minutes=0), "ends_at"),
        (plan(minutes=5 * 60), "ends_at"),
        ({**plan(), "starts_at": naive.isoformat()}, "starts_at"),
        (plan("classes"), "group_ids"),
        (plan("school", group_ids=[g5]), "group_ids"),
        (plan(presenter_ids=[masha_id]), "presenter_ids"),
        (plan(presenter_ids=[await world.user_id(k) for k in
                             ("admin", "teacher", "math_teacher")] + [10_001, 10_002, 10_003]),
         "presenter_ids"),
        (plan(title=""), "title"),
        (plan(title="Т" * 201), "title"),
        (plan("everyone"), "audience"),
        ({**plan(), "extra": 1}, "extra"),
    ]
    for body, field in bad:
        r = await irina.post(f"{API}/orgs/{world.org_id}/broadcasts", json=body)
        assert r.status_code == 422, (field, r.text)
        assert field in r.text, (field, r.text)
    # Another school's class does not exist here.
    gym_groups = await groups_of(gym_admin, gym_id)
    if gym_groups:
        r = await irina.post(f"{API}/orgs/{world.org_id}/broadcasts",
                             json=plan("classes", group_ids=[next(iter(gym_groups.values()))["id"]]))
        assert r.status_code == 404
    r = await irina.post(f"{API}/orgs/{world.org_id}/broadcasts",
                         json=plan("classes", group_ids=[999_999]))
    assert r.status_code == 404
    r = await irina.post(f"{API}/orgs/{world.org_id}/broadcasts",
                         content=b'{"title": "' + b"x" * 300_000 + b'"}',
                         headers={"Content-Type": "application/json"})
    assert r.status_code in (413, 422)
    assert await stored(world) == 0 and await notices(world) == []

    r = await irina.post(f"{API}/orgs/{world.org_id}/broadcasts", json=plan())
    bid = r.json()["id"]
    r = await anna.post(f"{API}/broadcasts/{bid}/cancel")
    assert r.status_code == 403 and error_code(r) == "may_not_plan_broadcasts"
    assert (await gym_admin.post(f"{API}/broadcasts/{bid}/cancel")).status_code == 404
    assert (await gym_admin.get(f"{API}/broadcasts/{bid}")).status_code == 404
    r = await irina.post(f"{API}/broadcasts/{bid}/cancel")
    assert r.status_code == 200 and r.json()["cancelled_at"]
    assert [n.meta["stage"] for n in await notices(world)] == ["planned", "cancelled"]
    r = await irina.post(f"{API}/broadcasts/{bid}/cancel")
    assert r.status_code == 409 and error_code(r) == "broadcast_cancelled"
    r = await (await world.as_("student")).post(f"{API}/broadcasts/{bid}/questions",
                                                json={"body": "Будет ли перенос?"})
    assert r.status_code == 409 and error_code(r) == "broadcast_cancelled"


async def test_viewers_questions_wait_for_the_presenter_who_approves_answers_or_dismisses(
        world: World) -> None:
    irina, masha, petya = await world.as_("admin"), await world.as_("student"), await world.as_("student2")
    bid = (await irina.post(f"{API}/orgs/{world.org_id}/broadcasts", json=plan())).json()["id"]
    asked = []
    for text in ("Во сколько начнётся?", "Нужна ли форма?", "Можно ли с родителями?"):
        r = await masha.post(f"{API}/broadcasts/{bid}/questions", json={"body": text})
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "pending" and r.json()["mine"] and r.json()["asker"] is None
        asked.append(r.json()["id"])
    r = await masha.post(f"{API}/broadcasts/{bid}/questions", json={"body": "И ещё один"})
    assert r.status_code == 409 and error_code(r) == "too_many_questions"
    for body in ({"body": ""}, {"body": "в" * 501}, {}):
        assert (await petya.post(f"{API}/broadcasts/{bid}/questions", json=body)).status_code == 422
    assert world.events_of("broadcast.questions")[-1].audience == {await world.user_id("admin")}

    r = await irina.get(f"{API}/broadcasts/{bid}/questions")
    assert r.json()["moderates"] is True
    assert [(q["body"], q["asker"]["name"]) for q in r.json()["questions"]] == [
        ("Во сколько начнётся?", "Маша Иванова"), ("Нужна ли форма?", "Маша Иванова"),
        ("Можно ли с родителями?", "Маша Иванова")]
    r = await petya.get(f"{API}/broadcasts/{bid}/questions")
    assert r.json() == {"moderates": False, "questions": []}  # nothing approved yet

    r = await petya.post(f"{API}/broadcasts/{bid}/questions/{asked[0]}", json={"status": "approved"})
    assert r.status_code == 403 and error_code(r) == "not_presenter"
    r = await irina.post(f"{API}/broadcasts/{bid}/questions/{asked[1]}", json={"status": "answered"})
    assert r.status_code == 422  # an answer needs its text
    assert (await irina.post(f"{API}/broadcasts/{bid}/questions/{asked[0]}",
                             json={"status": "approved"})).status_code == 200
    r = await irina.post(f"{API}/broadcasts/{bid}/questions/{asked[1]}",
                         json={"status": "answered", "answer": "Да, парадная."})
    assert r.status_code == 200 and r.json()["answer"] == "Да, парадная."
    assert (await irina.post(f"{API}/broadcasts/{bid}/questions/{asked[2]}",
                             json={"status": "dismissed"})).status_code == 200
    assert (await irina.post(f"{API}/broadcasts/{bid}/questions/999999",
                             json={"status": "approved"})).status_code == 404

    seen = (await petya.get(f"{API}/broadcasts/{bid}/questions")).json()["questions"]
    assert [(q["body"], q["status"], q["answer"], q["asker"]) for q in seen] == [
        ("Во сколько начнётся?", "approved", None, None),
        ("Нужна ли форма?", "answered", "Да, парадная.", None)]
    mine = (await masha.get(f"{API}/broadcasts/{bid}/questions")).json()["questions"]
    assert [q["status"] for q in mine] == ["approved", "answered", "dismissed"]  # her own, too
    r = await masha.post(f"{API}/broadcasts/{bid}/questions", json={"body": "Спасибо!"})
    assert r.status_code == 201  # none of hers waits any more
