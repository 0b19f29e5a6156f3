"""The demo school: named people in named classes, so a first look (and the browser tests)
find a school's day ready. Idempotent: running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from parta import search
from parta.actions.base import Ctx, Services, unit_of_work
from parta.actions.members import add_member
from parta.db import utcnow
from parta.i18n import t
from parta.models import (
    Group,
    GroupKind,
    GroupTeacher,
    Membership,
    Municipality,
    Organization,
    OrgKind,
    ParentLink,
    ParentLinkStatus,
    Region,
    Role,
    User,
    VerificationStatus,
)

__all__ = ["DEMO_PEOPLE", "DemoPerson", "seed_demo"]

ORG_NAME = "Школа № 1 (демо)"


@dataclass(frozen=True)
class DemoPerson:
    key: str
    phone: str
    name: str
    roles: tuple[Role, ...] = ()
    group: str | None = None


DEMO_PEOPLE = (
    DemoPerson("operator", "+79000000000", "Оператор Платформы"),
    DemoPerson("admin", "+79000000001", "Ирина Петровна Смирнова", (Role.org_admin, Role.administration, Role.teacher)),
    DemoPerson("teacher", "+79000000002", "Анна Сергеевна Волкова", (Role.teacher,)),
    DemoPerson("math_teacher", "+79000000003", "Олег Викторович Лебедев", (Role.teacher,)),
    DemoPerson("student", "+79000000011", "Маша Иванова", (Role.student,), "5А"),
    DemoPerson("student2", "+79000000012", "Петя Соколов", (Role.student,), "5А"),
    DemoPerson("little", "+79000000013", "Ваня Иванов", (Role.student,), "1А"),
    DemoPerson("parent", "+79000000021", "Елена Иванова", (Role.parent,)),
)


async def _user(ctx: Ctx, p: DemoPerson) -> User:
    user = (await ctx.db.execute(select(User).where(User.phone == p.phone))).scalar_one_or_none()
    if user is None:
        user = User(phone=p.phone, name=p.name)
        ctx.db.add(user)
        await ctx.db.flush()
    return user


async def _seed(ctx: Ctx) -> Organization:
    region = (await ctx.db.execute(select(Region).where(Region.name == "Демонстрационная область"))).scalar_one_or_none()
    if region is None:
        region = Region(name="Демонстрационная область")
        ctx.db.add(region)
        await ctx.db.flush()
    muni = (await ctx.db.execute(select(Municipality).where(Municipality.region_id == region.id))).scalar_one_or_none()
    if muni is None:
        muni = Municipality(region_id=region.id, name="Городской округ Демо")
        ctx.db.add(muni)
        await ctx.db.flush()
    org = (await ctx.db.execute(select(Organization).where(Organization.name == ORG_NAME))).scalar_one_or_none()
    if org is not None:
        return org
    org = Organization(name=ORG_NAME, short_name="Школа № 1", kind=OrgKind.school,
                       municipality_id=muni.id, address="ул. Школьная, 1",
                       gradebook_url="https://gradebook.example/school1",
                       description="Демонстрационная школа Парты.")
    ctx.db.add(org)
    await ctx.db.flush()
    groups = {"staff": Group(org_id=org.id, kind=GroupKind.staff_room, name=t("ru", "staff_room.name"))}
    for grade, letter in ((1, "А"), (5, "А"), (5, "Б"), (9, "А")):
        groups[f"{grade}{letter}"] = Group(org_id=org.id, kind=GroupKind.class_,
                                           name=f"{grade}{letter}", grade=grade, letter=letter)
    ctx.db.add_all(groups.values())
    await ctx.db.flush()
    users = {p.key: await _user(ctx, p) for p in DEMO_PEOPLE}
    users["operator"].is_operator = True
    users["little"].parent_email = "elena.ivanova@example.com"
    for p in DEMO_PEOPLE:
        if p.roles:
            gid = groups[p.group].id if p.group else None
            await add_member(ctx, org, users[p.key], set(p.roles), group_id=gid)
    memberships = {m.user_id: m for m in (await ctx.db.execute(
        select(Membership).where(Membership.org_id == org.id))).scalars()}
    memberships[users["teacher"].id].verification = VerificationStatus.verified
    memberships[users["teacher"].id].position = "учитель русского языка"
    memberships[users["admin"].id].verification = VerificationStatus.verified
    memberships[users["admin"].id].position = "заместитель директора"
    memberships[users["math_teacher"].id].verification = VerificationStatus.requested
    memberships[users["math_teacher"].id].position = "учитель математики"
    groups["5А"].class_teacher_id = users["teacher"].id
    groups["1А"].class_teacher_id = users["admin"].id
    ctx.db.add(GroupTeacher(group_id=groups["5А"].id, user_id=users["math_teacher"].id,
                            subject="Математика"))
    now = utcnow()
    for child in ("student", "little"):
        ctx.db.add(ParentLink(org_id=org.id, parent_id=users["parent"].id,
                              child_id=users[child].id, group_id=groups["5А" if child == "student" else "1А"].id,
                              child_name_claimed=users[child].name, status=ParentLinkStatus.confirmed,
                              decided_by=users["admin"].id, decided_at=now))
    await _seed_chats(ctx, org, groups, users)
    ctx.audit("org.registered", org.id, "organization", org.id, name=ORG_NAME, demo=True)
    return org


DEMO_RULES = (
    "1. Общаемся вежливо, без грубых слов и оскорблений.\n"
    "2. Пишем по делу: учёба, расписание, школьная жизнь.\n"
    "3. Не публикуем чужие фотографии и личные данные без согласия.\n"
    "4. Нарушения удаляет модератор — классный руководитель."
)


async def _seed_chats(ctx: Ctx, org: Organization, groups: dict[str, Group],
                      users: dict[str, User]) -> None:
    """The class and parents' chats of 5А with a first conversation, joined by their people."""
    from parta.actions import stats
    from parta.actions.chats import add_chat_member
    from parta.models import Chat, ChatKind, ChatMember, ChatRole, Message

    teacher = users["teacher"]
    roles = {p.key: p.roles for p in DEMO_PEOPLE}
    specs = ((ChatKind.class_, "5А — класс", ("student", "student2"),
              ("Здравствуйте, ребята! Завтра экскурсия в музей, сбор в 9:00 у школы.",
               "А форма парадная?", "Нет, обычная. Возьмите воду и тетрадь.")),
             (ChatKind.parents, "5А — родители", ("parent",),
              ("Уважаемые родители! Родительское собрание в четверг в 18:30, кабинет 12.",
               "Спасибо, будем.")))
    for kind, title, joiners, lines in specs:
        chat = Chat(org_id=org.id, kind=kind, title=title, rules=DEMO_RULES,
                    group_id=groups["5А"].id, created_by=teacher.id)
        ctx.db.add(chat)
        await ctx.db.flush()
        await add_chat_member(ctx, chat, teacher.id, ChatRole.owner, rules_accepted=True)
        for key in joiners:
            await add_chat_member(ctx, chat, users[key].id, ChatRole.member, rules_accepted=True)
        speakers = ["teacher", *joiners]
        last = None
        for n, line in enumerate(lines):
            speaker = speakers[n % len(speakers)]
            last = Message(chat_id=chat.id, author_id=users[speaker].id, body=line)
            ctx.db.add(last)
            await ctx.db.flush()
            await search.index_message(ctx.db, last.id, line)
            await stats.count_posted(ctx.db, [stats.Posted(
                chat, users[speaker].id, stats.role_bucket(roles[speaker]), last.created_at)],
                {chat.org_id: await stats.org_zone(ctx.db, chat.org_id)})
        assert last is not None
        chat.last_message_id = last.id
        for member in (await ctx.db.execute(select(ChatMember).where(
                ChatMember.chat_id == chat.id))).scalars():
            member.last_read_message_id = last.id  # the demo conversation has been read


async def seed_demo(services: Services) -> int:
    async with unit_of_work(services) as ctx:
        org = await _seed(ctx)
        ctx.events.clear()  # nobody is listening at seed time
        return org.id
