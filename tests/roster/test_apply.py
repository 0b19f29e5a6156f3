"""Previewing and applying the lyceum's roster into the demo school: what is created, the chats
and their invitations, re-applying as a no-op, a second version with a transfer, a departure
and an arrival, errors applied by explicit choice only, and a stale preview refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from parta.errors import Conflict, ValidationFailed
from parta.models import ChatMember, ImportStatus, User
from tests.conftest import World
from tests.roster.fixtures import SCHOOL, SCHOOL_V2, oneroster, xlsx, xlsx_rows
from tests.roster.helpers import acting, apply, audit, import_file, preview, school

NAMES = {p.sid: p.name for p in SCHOOL_V2 + SCHOOL}


def n(sid: str) -> str:
    return NAMES[sid]


async def test_the_preview_shows_everything_and_writes_no_one(world: World) -> None:
    before = await school(world)
    row = await preview(world, oneroster().zip_bytes())
    assert row.status == ImportStatus.preview and row.kind == "oneroster" and row.errors == []
    assert row.counts["create"] == len(SCHOOL) and row.counts["depart"] == 0
    assert row.counts["classes"] == 1  # 6А is new; 5А and 5Б the demo school already has
    assert row.counts["parent_links"] == 6 and row.counts["subject_teachers"] == 6
    titles = sorted(c["title"] for c in row.plan["chats"])
    assert "5Б — родители" in titles and "6А — Математика" in titles
    # The demo's 5А already has its class and parents' chats: only the teachers' chat is new.
    assert [c["title"] for c in row.plan["chats"] if c["class"] == "5А"
            and c["kind"] != "subject"] == ["5А — учителя"]
    assert await school(world) == before
    assert [a.details["counts"]["create"] for a in await audit(world, "roster.previewed")] == [16]


async def test_applying_creates_the_school_with_chats_as_invitations(world: World) -> None:
    await world.as_("student")  # Маша of the demo's 5А has signed in; the file's people have not
    row = await import_file(world, oneroster().zip_bytes())
    assert row.status == ImportStatus.applied and row.progress_done == row.progress_total
    s = await school(world)
    people = s["people"]
    assert people[n("stu-1")]["roles"] == ["student"] and people[n("stu-1")]["classes"] == ["5А"]
    assert people[n("par-1")]["roles"] == ["parent"]
    assert people[n("adm-1")]["roles"] == ["administration"]
    assert people[n("stf-1")]["roles"] == ["teacher"]
    assert people[n("tch-2")]["roles"] == ["teacher"]
    assert s["class_teachers"]["6А"] == n("tch-2") and s["class_teachers"]["5Б"] == n("tch-3")
    assert s["class_teachers"]["5А"] == n("tch-1")  # the file's class teacher replaces the demo's
    assert ("5Б", "Математика", n("tch-2")) in s["subjects"]
    assert (n("par-1"), n("stu-1")) in s["parents"] and (n("par-1"), n("stu-4")) in s["parents"]
    chats = s["chats"]
    six_a = chats["6А — класс"]
    assert six_a["members"] == {n("tch-2"): "owner"}  # the class teacher moderates; nobody forced
    assert six_a["invited"] == [n("stu-6")]
    assert chats["6А — родители"]["invited"] == [n("par-5")]
    assert sorted(chats["5Б — родители"]["invited"]) == sorted([n("par-1"), n("par-4")])
    assert chats["5Б — Английский язык"]["members"] == {n("tch-3"): "owner"}
    assert sorted(chats["5Б — Английский язык"]["invited"]) == sorted([n("stu-4"), n("stu-5")])
    assert sorted(chats["5Б — учителя"]["invited"]) == sorted([n("tch-1"), n("tch-2")])
    # Existing chats of 5А get the new people as invitations, the demo's members stay.
    assert n("stu-2") in chats["5А — класс"]["invited"]
    assert "Маша Иванова" in chats["5А — класс"]["members"]
    [applied] = await audit(world, "roster.applied")
    assert applied.details["counts"]["create"] == len(SCHOOL)
    # Events go to those who have signed in: Маша hears of her new subject chats; a new
    # account's client starts from a fresh state on first sign-in, so nothing is stored for it.
    masha = await world.user_id("student")
    invited = sorted(e.event.model_dump()["title"] for e in world.events_of("chat.invited"))
    assert invited == ["5А — Математика", "5А — Русский язык"]
    assert {u for e in world.events for u in e.audience} <= {masha, await world.user_id("admin")}


async def test_applying_the_same_file_again_changes_nothing(world: World) -> None:
    await import_file(world, oneroster().zip_bytes())
    after_first = await school(world)
    again = await preview(world, oneroster().zip_bytes())
    assert again.counts["create"] == again.counts["change"] == again.counts["move"] == 0
    assert again.counts["same"] == len(SCHOOL) and again.plan["chats"] == []
    assert again.counts["parent_links"] == again.counts["subject_teachers"] == 0
    world.events.clear()
    await apply(world, again.id)
    assert await school(world) == after_first
    assert world.events_of("chat.invited") == [] and world.events_of("member.joined") == []
    # The same people from the template (no birth dates for staff, ids in a column) match too.
    from_xlsx = await preview(world, xlsx(), file_name="licey7.xlsx")
    assert from_xlsx.counts["create"] == 0 and from_xlsx.counts["same"] == len(SCHOOL)


async def test_the_second_version_transfers_departs_and_arrives(world: World) -> None:
    await import_file(world, oneroster().zip_bytes())
    first = await school(world)
    sokolov, father = first["people"][n("stu-2")]["id"], first["people"][n("par-2")]["id"]
    async with acting(world, "admin") as ctx:  # Пётр and his father had joined 5А's chats
        from parta.actions.chats import join_chat

        for uid in (sokolov, father):
            ctx.user = await ctx.db.get(User, uid)
            from parta.queries.actors import load_actor

            ctx.actor = await load_actor(ctx.db, ctx.user)  # type: ignore[arg-type]
            chat = "5А — класс" if uid == sokolov else "5А — родители"
            await join_chat(ctx, first["chats"][chat]["id"], accept_rules=True)
            if uid == sokolov:
                await join_chat(ctx, first["chats"]["5А — Математика"]["id"], accept_rules=True)
    row = await preview(world, oneroster(SCHOOL_V2).zip_bytes())
    moves = [(p["name"], p["class_from"], p["class"]) for p in row.plan["people"]
             if p["op"] == "move"]
    assert moves == [(n("stu-2"), "5А", "5Б")]
    assert sorted(d["name"] for d in row.plan["departures"]) == sorted([n("stu-6"), n("par-5")])
    assert row.counts["create"] == 2
    await apply(world, row.id)
    s = await school(world)
    assert s["people"][n("stu-2")]["classes"] == ["5Б"]
    assert n("stu-6") not in s["people"] and n("par-5") not in s["people"]
    assert s["people"][n("stu-7")]["classes"] == ["6А"]
    chats = s["chats"]
    assert n("stu-2") not in chats["5А — класс"]["members"]
    assert n("stu-2") not in chats["5А — Математика"]["members"]
    assert n("par-2") not in chats["5А — родители"]["members"]  # no other child in 5А
    assert n("stu-2") in chats["5Б — класс"]["invited"]
    assert n("par-2") in chats["5Б — родители"]["invited"]
    assert n("stu-6") not in chats["6А — класс"]["invited"]  # gone, invitations too
    assert n("par-5") not in chats["6А — родители"]["invited"]
    assert n("stu-7") in chats["6А — класс"]["invited"]
    reasons = {(e.target_id, e.details["chat_id"], e.details["reason"])
               for e in await audit(world, "chat.member_removed")}
    assert (sokolov, first["chats"]["5А — класс"]["id"], "Перевод в другой класс") in reasons
    assert (father, first["chats"]["5А — родители"]["id"],
            "Ребёнок переведён в другой класс") in reasons
    departed = {e.target_id for e in await audit(world, "member.departed")}
    assert departed == {first["people"][n("stu-6")]["id"], first["people"][n("par-5")]["id"]}
    async with world.services.sessionmaker() as db:
        left = (await db.execute(select(func.count()).select_from(ChatMember).where(
            ChatMember.user_id == first["people"][n("stu-6")]["id"],
            ChatMember.left_at.is_(None)))).scalar_one()
    assert left == 0  # not even the school-wide channel


async def test_a_file_with_errors_applies_only_by_explicit_choice(world: World) -> None:
    rows = xlsx_rows()
    index = {r[-1]: i for i, r in enumerate(rows)}
    rows[index["stu-5"]][4] = "12345"
    row = await preview(world, xlsx(rows), file_name="licey7.xlsx")
    assert [(e["line"], e["column"], e["code"]) for e in row.errors] == [
        (index["stu-5"] + 2, "Телефон", "bad_phone")]
    with pytest.raises(ValidationFailed) as refused:
        await apply(world, row.id)
    assert refused.value.code == "roster_has_errors"
    assert (await school(world))["people"].get(n("stu-1")) is None
    await apply(world, row.id, valid_rows_only=True)
    s = await school(world)
    assert n("stu-1") in s["people"] and n("stu-5") not in s["people"]


async def test_a_preview_made_before_the_roster_changed_is_refused(world: World) -> None:
    row = await preview(world, oneroster().zip_bytes())
    async with acting(world) as ctx:
        from parta.actions.groups import create_group

        await create_group(ctx, world.org_id, grade=7, letter="В")
    with pytest.raises(Conflict) as refused:
        await apply(world, row.id)
    assert refused.value.code == "roster_changed"


async def test_applying_twice_is_refused(world: World) -> None:
    row = await import_file(world, oneroster().zip_bytes())
    with pytest.raises(Conflict) as refused:
        await apply(world, row.id)
    assert refused.value.code == "roster_not_preview"


async def test_a_primary_pupils_sign_in_codes_go_to_the_parent_email_the_file_gives(world: World) -> None:
    """R10: the parent's «Эл. почта» in the file becomes where a primary pupil's codes go; an
    older child's codes still come by SMS, and an address a parent set is never replaced."""
    rows: list[list[object]] = [
        ["Орлова Алиса Петровна", "01.09.2018", "ученик", "1А", "", "", "", "", "a-1"],
        ["Орлов Глеб Петрович", "02.03.2014", "ученик", "5А", "", "", "", "", "a-2"],
        ["Орлова Ольга Ивановна", "", "родитель", "", "8 910 555 00 31", "olga.orlova@example.org",
         "Орлова Алиса Петровна (1А); Орлов Глеб Петрович (5А)", "", "p-1"],
    ]
    row = await import_file(world, xlsx(rows), file_name="список.xlsx")
    assert row.status == ImportStatus.applied, row.errors
    async with world.services.sessionmaker() as db:
        emails = {name.split()[0] if name.split()[0] in ("Алиса", "Глеб") else name.split()[1]: email
                  for name, email in (await db.execute(select(User.name, User.parent_email).where(
                      User.name.like("%Орлов%"), User.parent_email.is_not(None)))).all()
                  if "Алиса" in name or "Глеб" in name}
    assert emails == {"Алиса": "olga.orlova@example.org", "Глеб": ""}
