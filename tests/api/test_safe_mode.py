"""Safe mode for students: who may start a one-to-one chat with a child, and whom a child may
start one with — as a matrix, through the real API (``policy.DIRECT_RULES``).

The rule, as the school reads it:

* an adult writes to a student only if they teach that student (the class teacher of the
  student's class, or a subject teacher of it), or are the administration (org admin, deputy);
  a parent writes to their own child only — anyone else is told ``not_your_student`` (403);
* a student writes to their own teachers, to the administration and to their own parent, and
  to classmates as before — anyone else is ``direct_not_allowed`` (403);
* someone who is not of the school does not exist here (404).

Beside the demo school (Анна leads 5А, Олег teaches it mathematics, Ирина is the
administrator, Елена is the mother of Маша in 5А and of Ваня in 1А) the tests add: Галина, who
teaches reading in 1А only; Сергей, a deputy director who teaches nobody; Катя, a 1А pupil who
is not Елена's; Дима in 5Б, and his mother Ольга.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from parta.actions.base import unit_of_work
from parta.actions.members import add_member
from parta.db import utcnow
from parta.models import Group, GroupTeacher, Organization, ParentLink, ParentLinkStatus, Role, User
from tests.conftest import PHONES, World, error_code
from tests.helpers import API, register_gymnasium

EXTRA = {
    "galina": ("+79000000004", "Галина Павловна Котова", {Role.teacher}, None),
    "deputy": ("+79000000005", "Сергей Иванович Зайцев", {Role.administration}, None),
    "katya": ("+79000000014", "Катя Белова", {Role.student}, "1А"),
    "dima": ("+79000000015", "Дима Орлов", {Role.student}, "5Б"),
    "olga": ("+79000000022", "Ольга Орлова", {Role.parent}, None),
}
PHONE = {**PHONES, **{k: v[0] for k, v in EXTRA.items()}}


async def _add_people(world: World) -> None:
    async with unit_of_work(world.services) as ctx:
        org = await ctx.db.get(Organization, world.org_id)
        assert org is not None
        groups = {g.name: g for g in (await ctx.db.execute(select(Group).where(
            Group.org_id == org.id))).scalars()}
        users = {}
        for key, (phone, name, roles, group) in EXTRA.items():
            users[key] = User(phone=phone, name=name)
            ctx.db.add(users[key])
            await ctx.db.flush()
            await add_member(ctx, org, users[key], set(roles),
                             group_id=groups[group].id if group else None)
        ctx.db.add(GroupTeacher(group_id=groups["1А"].id, user_id=users["galina"].id,
                                subject="Чтение"))
        ctx.db.add(ParentLink(org_id=org.id, parent_id=users["olga"].id,
                              child_id=users["dima"].id, group_id=groups["5Б"].id,
                              child_name_claimed="Дима Орлов", status=ParentLinkStatus.confirmed,
                              decided_at=utcnow()))


@pytest.fixture
async def school(world: World) -> World:
    await _add_people(world)
    return world


async def _ids(world: World) -> dict[str, int]:
    async with world.services.sessionmaker() as db:
        rows = (await db.execute(select(User.phone, User.id).where(
            User.phone.in_(list(PHONE.values()))))).all()
    by_phone = dict(rows)
    return {k: by_phone[p] for k, p in PHONE.items() if p in by_phone}


OK = "ok"
NOT_YOURS = "not_your_student"
NOT_ALLOWED = "direct_not_allowed"

# Adults → students. Columns: Петя (5А), Катя (1А), and the adult's own child where they have one.
ADULTS_TO_STUDENTS: dict[str, tuple[str, str, tuple[str, str] | None]] = {
    "teacher":      (OK,        NOT_YOURS, None),           # Анна, class teacher of 5А
    "math_teacher": (OK,        NOT_YOURS, None),           # Олег, subject teacher of 5А
    "galina":       (NOT_YOURS, OK,        None),           # teaches 1А only
    "admin":        (OK,        OK,        None),           # the organization's administrator
    "deputy":       (OK,        OK,        None),           # the administration, teaching nobody
    "parent":       (NOT_YOURS, NOT_YOURS, ("student", OK)),  # Елена, Маша's mother (5А)
    "olga":         (NOT_YOURS, NOT_YOURS, ("dima", OK)),   # Дима's mother (5Б)
}

# Students → adults, the other direction: their own teachers, the administration, their parent.
STUDENTS_TO_ADULTS: dict[str, dict[str, str]] = {
    "student2": {"teacher": OK, "math_teacher": OK, "galina": NOT_ALLOWED, "admin": OK,
                 "deputy": OK, "parent": NOT_ALLOWED, "olga": NOT_ALLOWED},
    "katya":    {"teacher": NOT_ALLOWED, "math_teacher": NOT_ALLOWED, "galina": OK, "admin": OK,
                 "deputy": OK, "parent": NOT_ALLOWED, "olga": NOT_ALLOWED},
    "student":  {"parent": OK, "olga": NOT_ALLOWED},  # Маша writes to her own mother
    "dima":     {"olga": OK, "parent": NOT_ALLOWED, "teacher": NOT_ALLOWED},
}

# Students among themselves: classmates, as before safe mode.
STUDENTS_TO_STUDENTS = {("student", "student2"): OK, ("student", "katya"): NOT_ALLOWED,
                        ("dima", "student2"): NOT_ALLOWED, ("little", "katya"): OK}


_signed_in: dict[tuple[int, str], httpx.AsyncClient] = {}


async def _as(world: World, who: str) -> httpx.AsyncClient:
    """One sign-in per person and test (codes per phone are limited)."""
    key = (id(world), who)
    if key not in _signed_in:
        _signed_in[key] = await world.sign_in(PHONE[who])
    return _signed_in[key]


async def _outcome(world: World, who: str, target_id: int) -> str:
    c = await _as(world, who)
    r = await c.post(f"{API}/orgs/{world.org_id}/direct", json={"user_id": target_id})
    if r.status_code == 200:
        return OK
    assert r.status_code == 403, r.text
    return error_code(r)


async def test_adults_write_only_to_the_students_they_teach_or_their_own_child(
        school: World) -> None:
    ids = await _ids(school)
    got, want = {}, {}
    for adult, (petya, katya, own) in ADULTS_TO_STUDENTS.items():
        want[(adult, "student2")], want[(adult, "katya")] = petya, katya
        got[(adult, "student2")] = await _outcome(school, adult, ids["student2"])
        got[(adult, "katya")] = await _outcome(school, adult, ids["katya"])
        if own is not None:
            want[(adult, own[0])] = own[1]
            got[(adult, own[0])] = await _outcome(school, adult, ids[own[0]])
    assert got == want


async def test_students_write_to_their_teachers_the_administration_and_their_parent(
        school: World) -> None:
    ids = await _ids(school)
    got = {(s, a): await _outcome(school, s, ids[a])
           for s, row in STUDENTS_TO_ADULTS.items() for a in row}
    assert got == {(s, a): v for s, row in STUDENTS_TO_ADULTS.items() for a, v in row.items()}


async def test_students_among_themselves_write_to_classmates(school: World) -> None:
    ids = await _ids(school)
    got = {pair: await _outcome(school, pair[0], ids[pair[1]]) for pair in STUDENTS_TO_STUDENTS}
    assert got == STUDENTS_TO_STUDENTS


async def test_a_refused_chat_is_not_made_and_the_refusal_speaks_plainly(school: World) -> None:
    from sqlalchemy import func

    from parta.models import Chat, ChatKind

    ids = await _ids(school)
    galina = await _as(school, "galina")
    r = await galina.post(f"{API}/orgs/{school.org_id}/direct", json={"user_id": ids["student2"]})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_your_student"
    assert "учителя" in r.json()["error"]["message"]  # in the person's language, Russian
    async with school.services.sessionmaker() as db:
        assert (await db.execute(select(func.count()).select_from(Chat).where(
            Chat.kind == ChatKind.direct))).scalar_one() == 0


async def test_someone_of_another_school_does_not_exist_here(school: World) -> None:
    _, gym_admin = await register_gymnasium(school)
    gym_admin_id = int((await gym_admin.get(f"{API}/me")).json()["id"])
    for who in ("admin", "teacher", "student"):
        c = await _as(school, who)
        r = await c.post(f"{API}/orgs/{school.org_id}/direct", json={"user_id": gym_admin_id})
        assert (r.status_code, error_code(r)) == (404, "not_found")


async def test_a_chats_member_list_offers_writing_only_where_the_policy_allows(
        school: World) -> None:
    """The page offers «write» exactly where the server would open the chat."""
    ids = await _ids(school)
    irina = await school.as_("admin")
    people = ["galina", "teacher", "student2", "katya", "parent", "olga", "deputy"]
    r = await irina.post(f"{API}/orgs/{school.org_id}/chats", json={
        "title": "Школьный совет", "invite_user_ids": [ids[k] for k in people]})
    assert r.status_code == 201, r.text
    chat_id = r.json()["id"]
    clients = {}
    for k in people:
        clients[k] = await _as(school, k)
        r = await clients[k].post(f"{API}/chats/{chat_id}/join", json={"accept_rules": True})
        assert r.status_code == 200, r.text
    name_of = {v: k for k, v in ids.items()}
    for k in people:
        members = (await clients[k].get(f"{API}/chats/{chat_id}/members")).json()["members"]
        offered = {name_of[m["user"]["id"]]: m["can_write"] for m in members}
        assert offered[k] is False  # not to oneself
        for other, can in offered.items():
            if other == k:
                continue
            assert can == (await _outcome(school, k, ids[other]) == OK), (k, other)
    galina = (await clients["galina"].get(f"{API}/chats/{chat_id}/members")).json()["members"]
    assert {name_of[m["user"]["id"]]: m["can_write"] for m in galina}["student2"] is False
    assert {name_of[m["user"]["id"]]: m["can_write"] for m in galina}["katya"] is True


async def test_a_one_to_one_chat_opened_before_safe_mode_takes_no_new_messages(
        school: World) -> None:
    """The chat the probe found (a teacher of another class writing to a pupil) already
    exists: neither side may write in it any more; a chat the policy allows goes on."""
    from parta.actions.chats import add_chat_member
    from parta.models import Chat, ChatKind, ChatRole

    ids = await _ids(school)
    async with unit_of_work(school.services) as ctx:
        pairs = {}
        for a, b in (("galina", "student2"), ("teacher", "student2")):
            x, y = sorted((ids[a], ids[b]))
            chat = Chat(org_id=school.org_id, kind=ChatKind.direct, direct_key=f"{x}:{y}",
                        created_by=ids[a])
            ctx.db.add(chat)
            await ctx.db.flush()
            for uid in (x, y):
                await add_chat_member(ctx, chat, uid, ChatRole.member, rules_accepted=True)
            pairs[a] = chat.id
    for who, code in (("galina", "not_your_student"), ("student2", "direct_not_allowed")):
        c = await _as(school, who)
        r = await c.post(f"{API}/chats/{pairs['galina']}/messages", json={"body": "Привет"})
        assert (r.status_code, error_code(r)) == (403, code), who
    for who in ("teacher", "student2"):
        c = await _as(school, who)
        r = await c.post(f"{API}/chats/{pairs['teacher']}/messages", json={"body": "Добрый день"})
        assert r.status_code in (200, 201), r.text
