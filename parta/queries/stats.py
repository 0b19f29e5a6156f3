"""The director's and the municipality's statistics (R34, R39, R2), read from the counters
(``models/stats.py``) and from the roster, calls and lessons — never from messages' words.

Figures for one school and for a municipality's schools are computed by the same statements,
each grouped by organization, so fifty schools cost what one does plus their rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import utcnow
from parta.errors import ValidationFailed
from parta.models import (
    CALLS,
    HOUR,
    HOURS,
    LESSONS,
    NO_CLASS,
    NO_PERSON,
    SCHOOL,
    STAFF_ROLES,
    Announcement,
    Chat,
    EnrolmentOffer,
    FamilyAck,
    Group,
    GroupKind,
    GroupMember,
    Invite,
    Lesson,
    Membership,
    MembershipRole,
    OfferStatus,
    OpenQuestion,
    Organization,
    ParentLink,
    ParentLinkStatus,
    Role,
    StatHeld,
    StatMessages,
    StatReplies,
    User,
)
from parta.queries.acks import families_of
from parta.queries.scope import MunicipalityScope, OrgScope
from parta.schemas.common import Ref
from parta.schemas.stats import (
    Activation,
    ClassFigures,
    MunicipalStatsOut,
    SchoolFigures,
    StatsOut,
    Targets,
    WeekFigures,
)

__all__ = ["ROLES", "WORKING_DAY_MINUTES", "municipal_stats", "role_bucket", "school_stats",
           "week_of", "weeks_range", "working_minutes", "zone_named"]

ROLES = ("staff", "student", "parent")
WORK_START, WORK_END = time(9, 0), time(18, 0)
WORKING_DAY_MINUTES = 9 * 60
TARGETS = Targets()
_MINUTE = 60_000_000  # microseconds
_MICRO = timedelta(microseconds=1)


# The calendar of the statistics ----------------------------------------------------------------

DEFAULT_ZONE = "Europe/Moscow"  # ``organization.time_zone``'s default


def zone_named(name: str | None) -> ZoneInfo:
    """A school's zone (``organization.time_zone``): its weeks, days and working hours are
    counted by its own calendar. A name that is no zone (never written by Parta, which checks
    it) reads as the default."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def role_bucket(roles: Iterable[Role]) -> str | None:
    """The role a person's messages count under; None for one who holds no role there."""
    held = set(roles)
    if held & STAFF_ROLES:
        return "staff"
    if Role.student in held:
        return "student"
    if Role.parent in held:
        return "parent"
    return None


def week_of(moment: datetime | date, zone: ZoneInfo) -> date:
    """The Monday of the week ``moment`` falls in, as the school's calendar has it."""
    day = moment.astimezone(zone).date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def working_minutes(start: datetime, end: datetime, zone: ZoneInfo) -> int:
    """Minutes of working time (Monday–Friday, 09:00–18:00 in ``zone``) between two moments."""
    if end <= start:
        return 0
    a, b = start.astimezone(zone), end.astimezone(zone)
    total = 0.0
    day = a.date()
    while day <= b.date():
        if day.weekday() < 5:
            lo = max(datetime.combine(day, WORK_START, tzinfo=zone), a)
            hi = min(datetime.combine(day, WORK_END, tzinfo=zone), b)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return int(total // 60)


def weeks_range(start: date | None, end: date | None, zone: ZoneInfo, max_weeks: int,
                now: datetime | None = None) -> tuple[date, date]:
    """The Mondays of the first and last week asked for. Unset: from the school year's first
    week (1 September) to this week. Refuses a backwards or too long a range (422)."""
    today = (now or utcnow()).astimezone(zone).date()
    last = week_of(end or today, zone)
    if start is None:
        year = today.year if today.month >= 9 else today.year - 1
        start = max(date(year, 9, 1), last - timedelta(weeks=max_weeks - 1))
    first = week_of(start, zone)
    if first > last:
        raise ValidationFailed("stats_range_backwards", fields={"from": "after_to"})
    if (last - first).days // 7 + 1 > max_weeks:
        raise ValidationFailed("stats_range_too_long", fields={"from": "too_long"},
                               params={"weeks": max_weeks})
    return first, last


def _weeks(first: date, last: date) -> list[date]:
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def _nth(counts: dict[int, int], n: int, below: int = 0) -> int:
    """The value holding the ``n``-th smallest (from 1) of values given as value → how many
    times, ``below`` of them lying under the smallest value given."""
    seen = below
    for value in sorted(counts):
        seen += counts[value]
        if seen >= n:
            return value
    raise AssertionError("unreachable")


def _hour_of_median(hours: dict[int, int]) -> tuple[int, int, int]:
    """From answers counted by the hour (``HOURS`` rows): how many, the hour holding the median
    (the lower middle), and how many answers lie in the hours before it."""
    total = sum(hours.values())
    middle, seen = (total + 1) // 2, 0
    for hour in sorted(hours):
        if seen + hours[hour] >= middle:
            return total, hour, seen
        seen += hours[hour]
    raise AssertionError("unreachable")


# Reading the figures --------------------------------------------------------------------------

def _counter() -> defaultdict[int, int]:
    return defaultdict(int)


@dataclass
class _Figures:
    """What the statements read. A «unit» is a class (one school's view: ``by="class"``) or
    an organization (a municipality's: ``by="org"``); weeks are summed over the organizations."""

    msgs_week: dict[tuple[date, str], int] = field(default_factory=lambda: defaultdict(int))
    msgs_unit: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    active: dict[tuple[int, date], int] = field(default_factory=lambda: defaultdict(int))
    teachers: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    calls_week: dict[date, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    calls_unit: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    lessons_week: dict[date, int] = field(default_factory=lambda: defaultdict(int))
    lessons_unit: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    answered_week: dict[date, int] = field(default_factory=dict)
    median_week: dict[date, int] = field(default_factory=dict)
    answered_unit: dict[int, int] = field(default_factory=dict)
    median_unit: dict[int, int] = field(default_factory=dict)
    waiting: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    roster: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    activated: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    activated_by: dict[tuple[str, date], int] = field(default_factory=lambda: defaultdict(int))
    invites: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    offers: dict[int, int] = field(default_factory=lambda: defaultdict(int))


_ROLE_OF = {"staff": STAFF_ROLES, "student": frozenset({Role.student}),
            "parent": frozenset({Role.parent})}


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _by_zone(zones: dict[int, ZoneInfo]) -> dict[ZoneInfo, list[int]]:
    """The schools grouped by their zone (most often one group)."""
    out: dict[ZoneInfo, list[int]] = defaultdict(list)
    for org_id, zone in zones.items():
        out[zone].append(org_id)
    return out


async def _read(db: AsyncSession, orgs: Sequence[int], first: date, last: date,
                zones: dict[int, ZoneInfo], now: datetime, by: str) -> _Figures:
    """Each school's weeks, days and working hours follow its own zone (``zones``): its
    counters are kept by its own calendar, so a week's column adds up each school's own
    Monday-to-Sunday."""
    f = _Figures()
    by_class = by == "class"
    in_range = and_(StatMessages.org_id.in_(orgs), StatMessages.week >= first,
                    StatMessages.week <= last)
    school = and_(in_range, StatMessages.group_id == SCHOOL)
    totals = and_(school, StatMessages.author_id == NO_PERSON)  # not the staff's per person
    for week, role, n in (await db.execute(
            select(StatMessages.week, StatMessages.role, func.sum(StatMessages.messages))
            .where(totals).group_by(StatMessages.week, StatMessages.role))).all():
        f.msgs_week[(_day(week), role)] += int(n)
    unit_of_msgs = StatMessages.group_id if by_class else StatMessages.org_id
    for unit, role, n in (await db.execute(
            select(unit_of_msgs, StatMessages.role, func.sum(StatMessages.messages))
            .where(and_(in_range, StatMessages.group_id != SCHOOL) if by_class else totals)
            .group_by(unit_of_msgs, StatMessages.role))).all():
        f.msgs_unit[(unit, role)] += int(n)

    # R34: teachers on today's roster who posted at least 3 messages in the week.
    teacher_ids = (select(Membership.org_id, Membership.user_id)
                   .join(MembershipRole, MembershipRole.membership_id == Membership.id)
                   .where(Membership.org_id.in_(orgs), Membership.left_at.is_(None),
                          MembershipRole.role == Role.teacher).subquery())
    # A staff member's week is one school row (its key holds the person): no sum to take.
    for org_id, week, n in (await db.execute(
            select(StatMessages.org_id, StatMessages.week, func.count())
            .join(teacher_ids, and_(teacher_ids.c.org_id == StatMessages.org_id,
                                    teacher_ids.c.user_id == StatMessages.author_id))
            .where(school, StatMessages.role == "staff", StatMessages.author_id != NO_PERSON,
                   StatMessages.messages >= TARGETS.teacher_posts)
            .group_by(StatMessages.org_id, StatMessages.week))).all():
        f.active[(org_id, _day(week))] = int(n)
    for org_id, n in (await db.execute(select(teacher_ids.c.org_id, func.count())
                                       .group_by(teacher_ids.c.org_id))).all():
        f.teachers[org_id] = int(n)

    await _read_held(db, f, orgs, first, last, zones, now, by_class)
    await _read_replies(db, f, orgs, first, last, by_class)
    for org_id, group_id, asked in (await db.execute(
            select(OpenQuestion.org_id, OpenQuestion.group_id, OpenQuestion.asked_at)
            .where(OpenQuestion.org_id.in_(orgs)))).all():
        if working_minutes(asked, now, zones[org_id]) > WORKING_DAY_MINUTES:
            f.waiting[group_id if by_class else org_id] += 1

    for zone, some in _by_zone(zones).items():
        await _read_activation(db, f, some, first, last, zone)
    for org_id, n in (await db.execute(
            select(Invite.org_id, func.count()).where(
                Invite.org_id.in_(orgs), Invite.annulled_at.is_(None), Invite.expires_at > now,
                or_(Invite.max_uses.is_(None), Invite.uses < Invite.max_uses))
            .group_by(Invite.org_id))).all():
        f.invites[org_id] = int(n)
    for org_id, n in (await db.execute(
            select(EnrolmentOffer.org_id, func.count()).where(
                EnrolmentOffer.org_id.in_(orgs), EnrolmentOffer.status == OfferStatus.pending)
            .group_by(EnrolmentOffer.org_id))).all():
        f.offers[org_id] = int(n)
    return f


async def _read_replies(db: AsyncSession, f: _Figures, orgs: Sequence[int], first: date,
                        last: date, by_class: bool) -> None:
    """Questions answered and the median reply time, exact to the minute: per week (over the
    schools) and per school, the answers counted by the hour (``HOURS`` rows) say which hour
    holds the median and how many lie before it; the school rows of that hour alone then give
    the minute. A school's classes are read from their own rows (a few per class and week)."""
    r = StatReplies
    in_range = and_(r.org_id.in_(orgs), r.week >= first, r.week <= last)
    by_week: dict[date, dict[int, int]] = defaultdict(_counter)
    for week, hour, n in (await db.execute(
            select(r.week, r.minutes, func.sum(r.answered))
            .where(in_range, r.group_id == HOURS).group_by(r.week, r.minutes))).all():
        by_week[_day(week)][int(hour)] += int(n)
    found = {week: _hour_of_median(hours) for week, hours in by_week.items()}
    if found:
        minutes: dict[date, dict[int, int]] = defaultdict(_counter)
        for week, m, n in (await db.execute(
                select(r.week, r.minutes, func.sum(r.answered)).where(or_(*(
                    and_(r.org_id.in_(orgs), r.group_id == SCHOOL, r.week == week,
                         r.minutes >= hour, r.minutes < hour + HOUR)
                    for week, (_, hour, _) in found.items())))
                .group_by(r.week, r.minutes))).all():
            minutes[_day(week)][int(m)] += int(n)
        for week, (total, _, below) in found.items():
            f.answered_week[week] = total
            f.median_week[week] = _nth(minutes[week], (total + 1) // 2, below)
    if by_class:
        per_class: dict[int, dict[int, int]] = defaultdict(_counter)
        for group, m, n in (await db.execute(
                select(r.group_id, r.minutes, func.sum(r.answered))
                .where(in_range, r.group_id >= NO_CLASS).group_by(r.group_id, r.minutes))).all():
            per_class[group][int(m)] += int(n)
        for group, counts in per_class.items():
            f.answered_unit[group] = sum(counts.values())
            f.median_unit[group] = _nth(counts, (f.answered_unit[group] + 1) // 2)
        return
    by_org: dict[int, dict[int, int]] = defaultdict(_counter)
    for org_id, hour, n in (await db.execute(
            select(r.org_id, r.minutes, func.sum(r.answered))
            .where(in_range, r.group_id == HOURS).group_by(r.org_id, r.minutes))).all():
        by_org[org_id][int(hour)] += int(n)
    at = {org_id: _hour_of_median(hours) for org_id, hours in by_org.items()}
    if not at:
        return
    per_org: dict[int, dict[int, int]] = defaultdict(_counter)
    for org_id, m, n in (await db.execute(
            select(r.org_id, r.minutes, func.sum(r.answered)).where(or_(*(
                and_(r.org_id == org_id, r.group_id == SCHOOL, r.week >= first, r.week <= last,
                     r.minutes >= hour, r.minutes < hour + HOUR)
                for org_id, (_, hour, _) in at.items())))
            .group_by(r.org_id, r.minutes))).all():
        per_org[org_id][int(m)] += int(n)
    for org_id, (total, _, below) in at.items():
        f.answered_unit[org_id] = total
        f.median_unit[org_id] = _nth(per_org[org_id], (total + 1) // 2, below)


async def _read_held(db: AsyncSession, f: _Figures, orgs: Sequence[int], first: date,
                     last: date, zones: dict[int, ZoneInfo], now: datetime, by_class: bool
                     ) -> None:
    """Calls held and lessons that ended, by the day they began: from the counters, whole
    minutes per day and class (a school's view) or per day and school (a municipality's). The
    lessons counted but not ended yet are read from their rows and taken off their day."""
    rows = (StatHeld.group_id != SCHOOL) if by_class else (StatHeld.group_id == SCHOOL)
    held = and_(StatHeld.org_id.in_(orgs), StatHeld.what.in_((CALLS, LESSONS)), rows,
                StatHeld.day >= first, StatHeld.day < last + timedelta(weeks=1))  # the key's order
    minutes = func.sum(StatHeld.micros // _MINUTE)
    for what, week, n, m in (await db.execute(
            select(StatHeld.what, StatHeld.week, func.sum(StatHeld.held), minutes)
            .where(held).group_by(StatHeld.what, StatHeld.week))).all():
        if what == CALLS:
            f.calls_week[_day(week)] = [int(n), int(m or 0)]
        else:
            f.lessons_week[_day(week)] += int(m or 0)
    unit = StatHeld.group_id if by_class else StatHeld.org_id
    for what, on, n, m in (await db.execute(
            select(StatHeld.what, unit, func.sum(StatHeld.held), minutes)
            .where(held).group_by(StatHeld.what, unit))).all():
        if what == CALLS:
            f.calls_unit[on] = [int(n), int(m or 0)]
        else:
            f.lessons_unit[on] += int(m or 0)
    if not zones:
        return
    # From the earliest school's first Monday to the latest's last Sunday; each lesson's day
    # is then read in its own school's zone.
    start = min(datetime.combine(first, time(0), tzinfo=z) for z in zones.values())
    end = max(datetime.combine(last + timedelta(weeks=1), time(0), tzinfo=z)
              for z in zones.values())
    ahead: dict[tuple[int, int, date], int] = defaultdict(int)
    for org_id, group_id, begins, ends in (await db.execute(
            select(Lesson.org_id, Chat.group_id, Lesson.starts_at, Lesson.ends_at)
            .join(Chat, Chat.id == Lesson.chat_id)
            .where(Lesson.org_id.in_(orgs), Lesson.ends_at > now, Lesson.cancelled_at.is_(None),
                   Lesson.starts_at >= start, Lesson.starts_at < end))).all():
        group = (group_id if group_id is not None else NO_CLASS) if by_class else SCHOOL
        day = begins.astimezone(zones[org_id]).date()
        if first <= day < last + timedelta(weeks=1):
            ahead[(org_id, group, day)] += (ends - begins) // _MICRO
    if not ahead:
        return
    counted: dict[tuple[int, int, date], int] = {}
    for org_id, group, day, micros in (await db.execute(
            select(StatHeld.org_id, StatHeld.group_id, StatHeld.day, StatHeld.micros).where(
                StatHeld.org_id.in_({o for o, _, _ in ahead}), StatHeld.what == LESSONS, rows,
                StatHeld.day.in_({d for _, _, d in ahead})))).all():
        counted[(org_id, group, _day(day))] = int(micros)
    for (org_id, group, day), not_yet in ahead.items():
        was = counted.get((org_id, group, day), 0)
        less = was // _MINUTE - max(0, was - not_yet) // _MINUTE
        f.lessons_week[week_of(day, zones[org_id])] -= less
        f.lessons_unit[group if by_class else org_id] -= less


async def _read_activation(db: AsyncSession, f: _Figures, orgs: Sequence[int], first: date,
                           last: date, zone: ZoneInfo) -> None:
    """Of today's roster per role: how many, how many signed in, and how many had by the end
    of each week of the range (their first sign-in before the next Monday's midnight in the
    schools' zone): one pass over the roster per role, every week's count in the same row."""
    weeks = _weeks(first, last)
    ends = [datetime.combine(week + timedelta(weeks=1), time(0), tzinfo=zone) for week in weeks]
    for role, roles in _ROLE_OF.items():
        people = (select(Membership.org_id, Membership.user_id)
                  .join(MembershipRole, MembershipRole.membership_id == Membership.id)
                  .where(Membership.org_id.in_(orgs), Membership.left_at.is_(None),
                         MembershipRole.role.in_(roles)).distinct().subquery())
        for org_id, total, signed, *by_week in (await db.execute(
                select(people.c.org_id, func.count(), func.count(User.activated_at),
                       *(func.count(User.activated_at).filter(User.activated_at < end)
                         for end in ends))
                .join(User, User.id == people.c.user_id)
                .group_by(people.c.org_id))).all():
            f.roster[(org_id, role)] = int(total)
            f.activated[(org_id, role)] = int(signed)
            for week, n in zip(weeks, by_week, strict=True):
                f.activated_by[(role, week)] += int(n)  # added up over the schools


def _activation(role: str, on_roster: int, activated: int) -> Activation:
    target = {"staff": TARGETS.staff, "student": TARGETS.student, "parent": TARGETS.parent}[role]
    percent = round(100 * activated / on_roster, 1) if on_roster else None
    return Activation(role=role,  # type: ignore[arg-type]
                      on_roster=on_roster, activated=activated, percent=percent,
                      target=target, meets=percent is not None and percent >= target)


def _week_figures(f: _Figures, orgs: Sequence[int], weeks: list[date]) -> list[WeekFigures]:
    return [WeekFigures(
        week=week,
        messages_staff=f.msgs_week.get((week, "staff"), 0),
        messages_students=f.msgs_week.get((week, "student"), 0),
        messages_parents=f.msgs_week.get((week, "parent"), 0),
        active_teachers=sum(f.active.get((o, week), 0) for o in orgs),
        calls=f.calls_week.get(week, [0, 0])[0], call_minutes=f.calls_week.get(week, [0, 0])[1],
        lesson_minutes=f.lessons_week.get(week, 0),
        questions_answered=f.answered_week.get(week, 0),
        median_reply_minutes=f.median_week.get(week),
        activated_staff=f.activated_by.get(("staff", week), 0),
        activated_students=f.activated_by.get(("student", week), 0),
        activated_parents=f.activated_by.get(("parent", week), 0)) for week in weeks]


def _org_activation(f: _Figures, orgs: Sequence[int]) -> list[Activation]:
    return [_activation(r, sum(f.roster.get((o, r), 0) for o in orgs),
                        sum(f.activated.get((o, r), 0) for o in orgs)) for r in ROLES]


async def _class_activation(db: AsyncSession, org_id: int) -> dict[int, list[Activation]]:
    """Per class: its students (on the class's list) and their parents (confirmed links)."""
    counts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for group_id, total, signed in (await db.execute(
            select(GroupMember.group_id, func.count(), func.count(User.activated_at))
            .join(Group, Group.id == GroupMember.group_id)
            .join(User, User.id == GroupMember.user_id)
            .where(Group.org_id == org_id, Group.kind == GroupKind.class_,
                   Group.archived_at.is_(None))
            .group_by(GroupMember.group_id))).all():
        counts[(group_id, "student")] = [int(total), int(signed)]
    parents = (select(ParentLink.group_id, ParentLink.parent_id)
               .where(ParentLink.org_id == org_id, ParentLink.status == ParentLinkStatus.confirmed,
                      ParentLink.group_id.is_not(None)).distinct().subquery())
    for group_id, total, signed in (await db.execute(
            select(parents.c.group_id, func.count(), func.count(User.activated_at))
            .join(User, User.id == parents.c.parent_id).group_by(parents.c.group_id))).all():
        counts[(group_id, "parent")] = [int(total), int(signed)]
    groups = {g for g, _ in counts}
    return {g: [_activation(r, *counts[(g, r)]) for r in ("student", "parent")] for g in groups}


async def _ack_coverage(db: AsyncSession, zones: dict[int, ZoneInfo], first: date, last: date
                        ) -> float | None:
    """Of the families that the announcements made in these weeks ask (issue 15), the share
    that confirmed, in percent; None when there was no such announcement. The families are
    those each announcement asks today (a class's children with their guardians), read once
    per chat; contents are never read."""
    acks: list[Any] = []
    for zone, orgs in _by_zone(zones).items():  # each school's weeks by its own calendar
        start = datetime.combine(first, time(0), zone)
        end = datetime.combine(last + timedelta(days=7), time(0), zone)
        acks += (await db.execute(
            select(Announcement.id, Announcement.chat_id, func.count(FamilyAck.id))
            .outerjoin(FamilyAck, FamilyAck.announcement_id == Announcement.id)
            .where(Announcement.org_id.in_(orgs), Announcement.created_at >= start,
                   Announcement.created_at < end)
            .group_by(Announcement.id, Announcement.chat_id))).all()
    families: dict[int, int] = {}
    asked = confirmed = 0
    for _ack_id, chat_id, done in acks:
        if chat_id not in families:
            chat = await db.get(Chat, chat_id)
            families[chat_id] = len(await families_of(db, chat)) if chat is not None else 0
        asked += families[chat_id]
        confirmed += min(int(done), families[chat_id])
    return round(100 * confirmed / asked, 1) if asked else None


async def school_stats(db: AsyncSession, scope: OrgScope, first: date, last: date) -> StatsOut:
    """One school's figures for the weeks ``first``..``last`` (Mondays of its own calendar),
    per class."""
    org = scope.org
    now = utcnow()
    zones = {org.id: zone_named(org.time_zone)}
    f = await _read(db, [org.id], first, last, zones, now, by="class")
    by_class = await _class_activation(db, org.id)
    groups = list((await db.execute(select(Group).where(
        Group.org_id == org.id, Group.kind == GroupKind.class_, Group.archived_at.is_(None))
    )).scalars())
    groups.sort(key=lambda g: (g.grade or 99, g.name))
    nobody = [_activation(r, 0, 0) for r in ("student", "parent")]
    classes = []
    for gid, ref in [(g.id, Ref(id=g.id, name=g.name)) for g in groups] + [(NO_CLASS, None)]:
        calls = f.calls_unit.get(gid, [0, 0])
        classes.append(ClassFigures(
            group=ref, activation=by_class.get(gid, nobody) if gid != NO_CLASS else [],
            messages_staff=f.msgs_unit.get((gid, "staff"), 0),
            messages_students=f.msgs_unit.get((gid, "student"), 0),
            messages_parents=f.msgs_unit.get((gid, "parent"), 0),
            calls=calls[0], call_minutes=calls[1], lesson_minutes=f.lessons_unit.get(gid, 0),
            questions_answered=f.answered_unit.get(gid, 0),
            median_reply_minutes=f.median_unit.get(gid),
            unanswered_over_day=f.waiting.get(gid, 0)))
    return StatsOut(
        org=Ref(id=org.id, name=org.short_name or org.name), weeks_from=first, weeks_to=last,
        targets=TARGETS, activation=_org_activation(f, [org.id]),
        teachers=f.teachers.get(org.id, 0), active_teachers=f.active.get((org.id, last), 0),
        pending_invites=f.invites.get(org.id, 0), pending_offers=f.offers.get(org.id, 0),
        unanswered_over_day=sum(f.waiting.values()),
        acknowledgement_coverage=await _ack_coverage(db, zones, first, last),
        weeks=_week_figures(f, [org.id], _weeks(first, last)), classes=classes)


def _school_row(f: _Figures, org: Organization, last: date) -> SchoolFigures:
    oid = org.id
    activation = _org_activation(f, [oid])
    teachers, active = f.teachers.get(oid, 0), f.active.get((oid, last), 0)
    calls = f.calls_unit.get(oid, [0, 0])
    return SchoolFigures(
        org=Ref(id=oid, name=org.short_name or org.name), rank=0,
        targets_met=sum(a.meets for a in activation) + int(teachers > 0 and active == teachers),
        activation=activation, teachers=teachers, active_teachers=active,
        messages=sum(f.msgs_unit.get((oid, r), 0) for r in ROLES),
        calls=calls[0], call_minutes=calls[1], lesson_minutes=f.lessons_unit.get(oid, 0),
        questions_answered=f.answered_unit.get(oid, 0), median_reply_minutes=f.median_unit.get(oid),
        unanswered_over_day=f.waiting.get(oid, 0), pending_invites=f.invites.get(oid, 0))


def _shortfall(row: SchoolFigures) -> float:
    """How far the school is from its targets, summed over roles, in percentage points."""
    gap = sum(max(0.0, a.target - (a.percent or 0.0)) for a in row.activation if a.on_roster)
    if row.teachers:
        gap += 100 * (1 - row.active_teachers / row.teachers)
    return gap


async def municipal_stats(db: AsyncSession, scope: MunicipalityScope, first: date, last: date
                          ) -> MunicipalStatsOut:
    """The municipality's schools added up, and each school ranked against the targets: the
    most targets met first, then the smallest shortfall. Counts only: no names of people."""
    muni = scope.municipality
    orgs = list((await db.execute(select(Organization).where(
        Organization.municipality_id == muni.id).order_by(Organization.name))).scalars())
    ids = [o.id for o in orgs]
    zones = {o.id: zone_named(o.time_zone) for o in orgs}
    f = await _read(db, ids, first, last, zones, utcnow(), by="org")
    rows = [_school_row(f, o, last) for o in orgs]
    rows.sort(key=lambda r: (-r.targets_met, _shortfall(r), r.org.name))
    for n, row in enumerate(rows, 1):
        row.rank = n
    return MunicipalStatsOut(
        municipality=Ref(id=muni.id, name=muni.name), weeks_from=first, weeks_to=last,
        targets=TARGETS, activation=_org_activation(f, ids),
        teachers=sum(f.teachers.values()), active_teachers=sum(r.active_teachers for r in rows),
        unanswered_over_day=sum(f.waiting.values()),
        acknowledgement_coverage=await _ack_coverage(db, zones, first, last),
        weeks=_week_figures(f, ids, _weeks(first, last)), schools=rows)
