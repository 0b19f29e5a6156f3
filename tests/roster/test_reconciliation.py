"""Reconciling the platform with the school's records (R8): the five lists before and after the
lyceum's roster is applied, who comes off them as the school's day goes on, recording the
reconciliation and its quarterly reminder, the XLSX and CSV exports, and every refusal."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import httpx
from openpyxl import load_workbook
from sqlalchemy import select, update
from typer.testing import CliRunner

from parta.actions.chats import add_chat_member
from parta.actions.members import add_member
from parta.actions.movement import depart
from parta.db import utcnow
from parta.models import (
    Chat,
    ChatKind,
    ChatRole,
    Group,
    Membership,
    Organization,
    ParentLink,
    Reconciliation,
    Role,
    User,
)
from tests.conftest import World, error_code
from tests.helpers import API, register_gymnasium
from tests.roster.fixtures import SCHOOL, SCHOOL_V2, oneroster
from tests.roster.helpers import acting, audit, import_file

NAMES = {p.sid: p.name for p in SCHOOL_V2 + SCHOOL}
PHONES = {p.sid: p.phone for p in SCHOOL_V2 + SCHOOL}


def n(sid: str) -> str:
    return NAMES[sid]


async def as_(world: World, key: str) -> httpx.AsyncClient:
    """A demo person signed in once per test (sign-in codes are rate-limited per phone)."""
    cache: dict[str, httpx.AsyncClient] = world.__dict__.setdefault("signed_in", {})
    if key not in cache:
        cache[key] = await world.as_(key)
    return cache[key]


async def report(client: httpx.AsyncClient, org_id: int) -> dict[str, Any]:
    r = await client.get(f"{API}/orgs/{org_id}/reconciliation")
    assert r.status_code == 200, r.text
    return dict(r.json())


def listed(body: dict[str, Any], name: str) -> dict[str, str]:
    """A list as {name: why}."""
    return {e["name"]: e["why"] for e in body["lists"][name]}


async def org_of(ctx: Any, world: World) -> Organization:
    org = await ctx.db.get(Organization, world.org_id)
    assert org is not None
    return org


# The lists -----------------------------------------------------------------------------------

async def test_before_any_roster_only_what_needs_no_records_is_listed(world: World) -> None:
    body = await report(await as_(world, "admin"), world.org_id)
    assert body["roster"] is None and body["last"] is None
    assert body["reminder"] is False and body["due_at"] is None  # nothing to reconcile with yet
    assert body["lists"]["not_activated"] == [] and body["lists"]["not_in_roster"] == []
    assert body["lists"]["departed_in_chats"] == []
    assert body["lists"]["parents_without_child"] == []  # Елена's children are both here
    classes = body["lists"]["classes_without_teacher"]
    assert [(c["name"], c["why"], c["students"]) for c in classes] == [
        ("5Б", "none", 0), ("9А", "none", 0)]
    assert classes[0]["reason"] == "Классный руководитель не назначен"
    assert body["counts"] == {"not_activated": 0, "not_in_roster": 0, "departed_in_chats": 0,
                              "parents_without_child": 0, "classes_without_teacher": 2}


async def test_after_the_roster_the_platform_is_compared_with_it(world: World) -> None:
    await import_file(world, oneroster().zip_bytes())
    admin = await as_(world, "admin")
    body = await report(admin, world.org_id)
    assert body["roster"]["file_name"] == "licey7.zip" and body["roster"]["applied_at"]
    assert body["reminder"] is True  # a roster was applied and nobody reconciled yet
    never = {e["name"]: e for e in body["lists"]["not_activated"]}
    maria = never[n("stu-1")]
    assert (maria["roles"], maria["classes"], maria["why"]) == (["student"], ["5А"],
                                                                "never_signed_in")
    assert never[n("par-1")]["classes"] == ["5А", "5Б"]  # her children's classes
    assert never[n("tch-2")]["classes"] == ["6А"]  # the class she leads
    # Sign-in is what activates: Пётр signs in once and is off the list.
    await world.sign_in(PHONES["stu-2"])
    assert n("stu-2") in never
    assert n("stu-2") not in listed(await report(admin, world.org_id), "not_activated")
    # The demo's people the lyceum's records do not know.
    missing = listed(body, "not_in_roster")
    assert missing["Ваня Иванов"] == "no_record" and n("stu-1") not in missing
    assert missing["Ирина Петровна Смирнова"] == "no_record"  # the demo's, by another phone
    assert listed(body, "classes_without_teacher") == {"9А": "none"}  # the file led 5Б and 6А


async def test_someone_departed_who_came_back_by_hand(world: World) -> None:
    await import_file(world, oneroster().zip_bytes())
    await import_file(world, oneroster(SCHOOL_V2).zip_bytes())  # Дарья Сидорова leaves
    admin = await as_(world, "admin")
    body = await report(admin, world.org_id)
    assert n("stu-6") not in listed(body, "not_in_roster")  # gone: no longer a member
    assert n("stu-6") not in listed(body, "departed_in_chats")  # and out of every chat (R32)
    async with acting(world) as ctx:  # ...then added back by hand, into last year's 6А chat
        daria = (await ctx.db.execute(select(User).where(User.name == n("stu-6")))).scalar_one()
        await add_member(ctx, await org_of(ctx, world), daria, {Role.student})
        group = (await ctx.db.execute(select(Group).where(Group.name == "6А"))).scalar_one()
        six_a = (await ctx.db.execute(select(Chat).where(
            Chat.group_id == group.id, Chat.kind == ChatKind.class_))).scalar_one()
        await add_chat_member(ctx, six_a, daria.id, ChatRole.member, rules_accepted=True)
    body = await report(admin, world.org_id)
    assert listed(body, "not_in_roster")[n("stu-6")] == "departed_in_roster"
    [entry] = [e for e in body["lists"]["departed_in_chats"] if e["name"] == n("stu-6")]
    assert entry["why"] == "departed_in_roster"
    assert sorted(entry["chats"]) == sorted(["6А — класс", "Общешкольный канал"])


async def test_people_who_left_but_stayed_in_chats(world: World) -> None:
    admin = await as_(world, "admin")
    masha, petya = await world.user_id("student"), await world.user_id("student2")
    async with acting(world) as ctx:  # Маша leaves properly: out of every chat
        await depart(ctx, await org_of(ctx, world), masha, "departure")
    async with world.services.sessionmaker() as db:  # Петя's membership ended by hand, long ago
        await db.execute(update(Membership).where(Membership.user_id == petya)
                         .values(left_at=utcnow() - timedelta(days=400)))
        await db.commit()
    body = await report(admin, world.org_id)
    [petya] = body["lists"]["departed_in_chats"]
    assert (petya["name"], petya["why"], petya["roles"]) == ("Петя Соколов", "left_org", [])
    assert sorted(petya["chats"]) == ["5А — класс", "Общешкольный канал"]
    assert petya["reason"] == "Выбыл из организации, но остаётся в чатах"


async def test_parents_without_a_child_here(world: World) -> None:
    admin = await as_(world, "admin")
    async with acting(world) as ctx:
        org = await org_of(ctx, world)
        newcomer = User(phone="+79001112233", name="Ольга Новая")
        asking = User(phone="+79001112244", name="Павел Ждущий")
        ctx.db.add_all([newcomer, asking])
        await ctx.db.flush()
        await add_member(ctx, org, newcomer, {Role.parent})
        await add_member(ctx, org, asking, {Role.parent})
        ctx.db.add(ParentLink(org_id=org.id, parent_id=asking.id, child_name_claimed="Коля"))
    body = await report(admin, world.org_id)
    assert listed(body, "parents_without_child") == {"Ольга Новая": "no_link",
                                                     "Павел Ждущий": "link_pending"}
    children = [await world.user_id(key) for key in ("student", "little")]
    async with acting(world) as ctx:  # both of Елена's children leave the school
        org = await org_of(ctx, world)
        for child in children:
            await depart(ctx, org, child, "departure")
    body = await report(admin, world.org_id)
    assert listed(body, "parents_without_child")["Елена Иванова"] == "child_left"


async def test_a_class_whose_teacher_left(world: World) -> None:
    teacher = await world.user_id("teacher")
    async with world.services.sessionmaker() as db:
        await db.execute(update(Membership).where(Membership.user_id == teacher)
                         .values(left_at=utcnow()))
        await db.commit()
    body = await report(await as_(world, "admin"), world.org_id)
    assert listed(body, "classes_without_teacher") == {"5А": "teacher_left", "5Б": "none",
                                                       "9А": "none"}


# Recording it, and the reminder --------------------------------------------------------------

async def test_marking_reconciled_records_who_when_and_the_counts(world: World) -> None:
    await import_file(world, oneroster().zip_bytes())
    admin = await as_(world, "admin")
    counts = (await report(admin, world.org_id))["counts"]
    world.events.clear()
    r = await admin.post(f"{API}/orgs/{world.org_id}/reconciliation/mark",
                         json={"note": "Сверено с журналом"})
    assert r.status_code == 201, r.text
    status = r.json()
    assert status["reminder"] is False
    assert status["last"]["by"]["name"] == "Ирина Петровна Смирнова"
    assert status["last"]["counts"] == counts
    [entry] = await audit(world, "reconciliation.marked")
    assert entry.details["counts"] == counts and entry.details["note"] == "Сверено с журналом"
    [changed] = world.events_of("org.changed")
    assert await world.user_id("admin") in changed.audience
    assert await world.user_id("teacher") not in changed.audience
    # A quarter later the reminder is back.
    async with world.services.sessionmaker() as db:
        await db.execute(update(Reconciliation).values(created_at=utcnow() - timedelta(days=91)))
        await db.commit()
    r = await admin.get(f"{API}/orgs/{world.org_id}/reconciliation/status")
    assert r.status_code == 200 and r.json()["reminder"] is False
    async with world.services.sessionmaker() as db:
        await db.execute(update(Reconciliation).values(created_at=utcnow() - timedelta(days=93)))
        await db.commit()
    assert (await report(admin, world.org_id))["reminder"] is True


async def test_the_administration_may_reconcile_too(world: World) -> None:
    await import_file(world, oneroster().zip_bytes())
    deputy = await world.sign_in(PHONES["adm-1"])  # the lyceum's deputy: administration only
    assert (await deputy.get(f"{API}/orgs/{world.org_id}/reconciliation")).status_code == 200
    r = await deputy.post(f"{API}/orgs/{world.org_id}/reconciliation/mark", json={})
    assert r.status_code == 201, r.text


# Exports -------------------------------------------------------------------------------------

async def test_the_xlsx_has_a_sheet_per_list_with_russian_headers(world: World) -> None:
    petya = await world.user_id("student2")
    async with world.services.sessionmaker() as db:
        await db.execute(update(Membership).where(Membership.user_id == petya)
                         .values(left_at=utcnow()))
        await db.commit()
    r = await (await as_(world, "admin")).get(
        f"{API}/orgs/{world.org_id}/reconciliation", params={"format": "xlsx"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert r.headers["content-disposition"].startswith(
        f'attachment; filename="reconciliation-{world.org_id}-')
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["Не активированы", "Нет в списке школы", "Выбывшие в чатах",
                               "Родители без ребёнка", "Классы без руководителя"]
    rows = list(book["Выбывшие в чатах"].values)
    assert rows[0] == ("ФИО", "Роли", "Классы", "Чаты", "Причина")
    assert rows[1][0] == "Петя Соколов" and rows[1][4] == "Выбыл из организации, но остаётся в чатах"
    classes = list(book["Классы без руководителя"].values)
    assert classes == [("Класс", "Учеников", "Причина"),
                       ("5Б", 0, "Классный руководитель не назначен"),
                       ("9А", 0, "Классный руководитель не назначен")]
    async with world.services.sessionmaker() as db:  # the formula-looking name stays text
        await db.execute(update(Group).where(Group.name == "9А").values(name="=1+1"))
        await db.commit()
    r = await (await as_(world, "admin")).get(
        f"{API}/orgs/{world.org_id}/reconciliation", params={"format": "xlsx"})
    cell = load_workbook(io.BytesIO(r.content))["Классы без руководителя"]["A3"]
    assert cell.value == "=1+1" and cell.data_type == "s"  # text, not a formula
    r = await (await as_(world, "admin")).get(
        f"{API}/orgs/{world.org_id}/reconciliation", params={"format": "csv"})
    assert r.content.decode("utf-8-sig").splitlines()[-1].split(";")[1] == "'=1+1"


async def test_the_csv_is_one_table_excel_opens_in_cyrillic(world: World) -> None:
    petya = await world.user_id("student2")
    async with world.services.sessionmaker() as db:
        await db.execute(update(Membership).where(Membership.user_id == petya)
                         .values(left_at=utcnow()))
        await db.commit()
    r = await (await as_(world, "admin")).get(
        f"{API}/orgs/{world.org_id}/reconciliation", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].endswith('.csv"')
    assert r.content.startswith(b"\xef\xbb\xbf")  # the byte-order mark
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Список", "ФИО или класс", "Роли", "Классы", "Чаты", "Причина", "Учеников"]
    assert rows[1][:2] == ["Выбывшие в чатах", "Петя Соколов"]
    assert rows[-1] == ["Классы без руководителя", "9А", "", "9А", "",
                        "Классный руководитель не назначен", "0"]


# Refusals ------------------------------------------------------------------------------------

async def test_only_administrators_see_or_record_it(world: World) -> None:
    urls = [f"{API}/orgs/{world.org_id}/reconciliation",
            f"{API}/orgs/{world.org_id}/reconciliation?format=xlsx",
            f"{API}/orgs/{world.org_id}/reconciliation/status"]
    mark = f"{API}/orgs/{world.org_id}/reconciliation/mark"
    for key in ("teacher", "student", "parent", "math_teacher"):
        c = await as_(world, key)
        for url in urls:
            r = await c.get(url)
            assert (r.status_code, error_code(r)) == (403, "forbidden"), (key, url)
        assert (await c.post(mark, json={})).status_code == 403, key
    _, gym_admin = await register_gymnasium(world)
    for url in urls:
        r = await gym_admin.get(url)
        assert (r.status_code, error_code(r)) == (404, "not_found"), url
    assert (await gym_admin.post(mark, json={})).status_code == 404
    operator = await as_(world, "operator")  # support may look, but only the school attests it
    assert (await operator.get(urls[0])).status_code == 200
    assert (await operator.post(mark, json={})).status_code == 403
    assert (await world.client().get(urls[0])).status_code == 401
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(Reconciliation.id))).all() == []


async def test_malformed_requests_are_refused(world: World) -> None:
    admin = await as_(world, "admin")
    r = await admin.get(f"{API}/orgs/{world.org_id}/reconciliation", params={"format": "pdf"})
    assert (r.status_code, r.json()["error"]["field_codes"]) == (422, {"format": "invalid"})
    mark = f"{API}/orgs/{world.org_id}/reconciliation/mark"
    for body in ({"note": "x" * 201}, {"done": True}, {"note": 5}):
        r = await admin.post(mark, json=body)
        assert r.status_code == 422, body
    r = await admin.get(f"{API}/orgs/0/reconciliation")
    assert r.status_code == 404
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(Reconciliation.id))).all() == []


# The command line ------------------------------------------------------------------------------

def test_the_command_writes_the_spreadsheet(tmp_path: Any, monkeypatch: Any) -> None:
    import sqlite3

    from parta.cli import app

    monkeypatch.setenv("PARTA_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    assert runner.invoke(app, ["demo"]).exit_code == 0
    with sqlite3.connect(tmp_path / "cli.db") as db:
        org = db.execute("select id from organization").fetchone()[0]
    out = tmp_path / "сверка.xlsx"
    result = runner.invoke(app, ["roster", "reconcile", "--org", str(org), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Классы без руководителя" in result.output
    assert load_workbook(out).sheetnames[-1] == "Классы без руководителя"
    result = runner.invoke(app, ["roster", "reconcile", "--org", "999"])
    assert result.exit_code == 2 and "not_found" in result.output
