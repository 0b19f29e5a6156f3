"""Reads of broadcasts (R38): who is in a broadcast's audience, one broadcast, the caller's
broadcasts, the questions.

The audience: ``school`` — everyone with a role in the school; ``staff`` — teachers and the
administration; ``classes`` — the students of the chosen classes and the teachers who teach
them; ``parents`` — the parents (confirmed links) of the chosen classes' students and those
teachers. The school's administration and the presenters always may watch. Another school's
broadcast does not exist (404); one of the caller's own school they are not the audience of is
refused (403 ``not_in_audience``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import utcnow
from parta.errors import Forbidden, NotFound
from parta.models import (
    ADMIN_ROLES,
    Audience,
    Broadcast,
    BroadcastGroup,
    BroadcastPresenter,
    BroadcastQuestion,
    BroadcastViewer,
    Group,
    GroupMember,
    Material,
    ParentLink,
    QuestionStatus,
    Role,
)
from parta.models.enums import ParentLinkStatus
from parta.policy import Action, Actor, can
from parta.queries.people import persons
from parta.queries.scope import OrgScope, org_seen
from parta.schemas.broadcasts import BroadcastOut, BroadcastsOut, QuestionOut, QuestionsOut
from parta.schemas.common import Ref

__all__ = ["BroadcastView", "broadcast_answer", "broadcast_in", "broadcast_outs",
           "my_broadcasts", "questions", "viewers_now"]

STAFF_ROLES = frozenset({Role.org_admin, Role.administration, Role.teacher})
MAX_LISTED = 100
# Listed from a day back (an evening's broadcast is still on the list the morning after).
LISTED_SINCE = timedelta(days=1)


class BroadcastView:
    """A broadcast the gate let the caller see, with what they are to it."""

    __slots__ = ("broadcast", "group_ids", "manages", "presenter", "scope")

    def __init__(self, broadcast: Broadcast, scope: OrgScope, group_ids: list[int],
                 presenter: BroadcastPresenter | None, manages: bool) -> None:
        self.broadcast, self.scope, self.group_ids = broadcast, scope, group_ids
        self.presenter, self.manages = presenter, manages

    @property
    def moderates(self) -> bool:
        """Presenters and the school's administration see and decide every question."""
        return self.presenter is not None or self.manages


async def _group_ids(db: AsyncSession, broadcast_ids: Sequence[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {bid: [] for bid in broadcast_ids}
    if broadcast_ids:
        for bid, gid in (await db.execute(select(BroadcastGroup.broadcast_id,
                                                 BroadcastGroup.group_id).where(
                BroadcastGroup.broadcast_id.in_(broadcast_ids)).order_by(BroadcastGroup.id))):
            found[bid].append(gid)
    return found


async def _my_classes(db: AsyncSession, actor: Actor, org_id: int) -> tuple[set[int], set[int]]:
    """The classes the caller studies in, and the classes of the caller's confirmed children."""
    studies = set((await db.execute(select(GroupMember.group_id).join(
        Group, Group.id == GroupMember.group_id).where(
        GroupMember.user_id == actor.user_id, Group.org_id == org_id))).scalars())
    children = set((await db.execute(select(GroupMember.group_id).join(
        ParentLink, ParentLink.child_id == GroupMember.user_id).join(
        Group, Group.id == GroupMember.group_id).where(
        ParentLink.parent_id == actor.user_id, ParentLink.org_id == org_id,
        ParentLink.status == ParentLinkStatus.confirmed, Group.org_id == org_id))).scalars())
    return studies, children


def _in_audience(actor: Actor, broadcast: Broadcast, group_ids: list[int],
                 mine: tuple[set[int], set[int]]) -> bool:
    roles = actor.roles_in(broadcast.org_id)
    if roles & ADMIN_ROLES:
        return True
    if broadcast.audience == Audience.school:
        return bool(roles)
    if broadcast.audience == Audience.staff:
        return bool(roles & STAFF_ROLES)
    groups = set(group_ids)
    if Role.teacher in roles and groups & actor.teaches:
        return True
    studies, children = mine
    if broadcast.audience == Audience.classes:
        return Role.student in roles and bool(groups & studies)
    return Role.parent in roles and bool(groups & children)


async def broadcast_in(db: AsyncSession, actor: Actor, broadcast_id: int) -> BroadcastView:
    """A broadcast of a school the caller is in, if they are its audience, a presenter or its
    administration: 404 for another school's (or none), 403 ``not_in_audience`` otherwise."""
    broadcast = await db.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise NotFound()
    scope = await org_seen(db, actor, broadcast.org_id)
    if not actor.roles_in(broadcast.org_id):
        raise NotFound()  # the operator or a municipality: not a school's audience
    group_ids = (await _group_ids(db, [broadcast.id]))[broadcast.id]
    presenter = (await db.execute(select(BroadcastPresenter).where(
        BroadcastPresenter.broadcast_id == broadcast.id,
        BroadcastPresenter.user_id == actor.user_id))).scalar_one_or_none()
    manages = can(actor, Action.broadcast_plan, scope.org)
    if presenter is None and not _in_audience(
            actor, broadcast, group_ids, await _my_classes(db, actor, broadcast.org_id)):
        raise Forbidden("not_in_audience")
    return BroadcastView(broadcast, scope, group_ids, presenter, manages)


async def viewers_now(db: AsyncSession, broadcast_ids: Sequence[int]) -> dict[int, int]:
    """How many different people watch each broadcast now."""
    if not broadcast_ids:
        return {}
    return {bid: int(n) for bid, n in (await db.execute(
        select(BroadcastViewer.broadcast_id, func.count(func.distinct(BroadcastViewer.user_id)))
        .where(BroadcastViewer.broadcast_id.in_(broadcast_ids),
               BroadcastViewer.left_at.is_(None))
        .group_by(BroadcastViewer.broadcast_id))).all()}


async def broadcast_outs(db: AsyncSession, scope: OrgScope,
                         found: Sequence[Broadcast]) -> list[BroadcastOut]:
    """Answers for broadcasts of ``scope``'s school the caller may see."""
    ids = [b.id for b in found if b.org_id == scope.org.id]
    if not ids:
        return []
    actor, org_id = scope.actor, scope.org.id
    group_ids = await _group_ids(db, ids)
    names = {g.id: g.name for g in (await db.execute(select(Group).where(
        Group.id.in_({g for gs in group_ids.values() for g in gs}),
        Group.org_id == org_id))).scalars()}
    presenters: dict[int, list[int]] = {bid: [] for bid in ids}
    for bid, uid in (await db.execute(select(BroadcastPresenter.broadcast_id,
                                             BroadcastPresenter.user_id).where(
            BroadcastPresenter.broadcast_id.in_(ids)).order_by(BroadcastPresenter.id))):
        presenters[bid].append(uid)
    people = await persons(db, org_id, {u for us in presenters.values() for u in us}
                           | {b.created_by for b in found if b.created_by})
    watching = await viewers_now(db, ids)
    videos = {m.id: m.title for m in (await db.execute(select(Material).where(
        Material.id.in_({b.material_id for b in found if b.material_id}),
        Material.org_id == org_id))).scalars()}
    manages = can(actor, Action.broadcast_plan, scope.org)
    out = []
    for b in found:
        if b.org_id != org_id:
            continue
        out.append(BroadcastOut(
            id=b.id, title=b.title, audience=b.audience,
            groups=[Ref(id=g, name=names[g]) for g in group_ids[b.id] if g in names],
            presenters=[people[u] for u in presenters[b.id] if u in people],
            starts_at=b.starts_at, ends_at=b.ends_at,
            created_by=people.get(b.created_by) if b.created_by else None,
            cancelled_at=b.cancelled_at, on_air=b.on_air_at is not None and b.off_air_at is None,
            on_air_at=b.on_air_at, off_air_at=b.off_air_at, viewers=watching.get(b.id, 0),
            presenting=actor.user_id in presenters[b.id], can_manage=manages,
            video=Ref(id=b.material_id, name=videos[b.material_id])
            if b.material_id in videos else None,
            streaming=b.stream_id is not None and b.stream_ended_at is None
            and b.off_air_at is None,
            stream_error=b.stream_error))
    return out


async def broadcast_answer(db: AsyncSession, view: BroadcastView) -> BroadcastOut:
    [out] = await broadcast_outs(db, view.scope, [view.broadcast])
    return out


async def my_broadcasts(db: AsyncSession, scope: OrgScope,
                        now: datetime | None = None) -> BroadcastsOut:
    """The school's broadcasts from a day back on that the caller may watch or presents."""
    now = now or utcnow()
    actor, org_id = scope.actor, scope.org.id
    found = list((await db.execute(select(Broadcast).where(
        Broadcast.org_id == org_id, Broadcast.ends_at > now - LISTED_SINCE).order_by(
        Broadcast.starts_at, Broadcast.id).limit(MAX_LISTED * 4))).scalars())
    group_ids = await _group_ids(db, [b.id for b in found])
    presents = set((await db.execute(select(BroadcastPresenter.broadcast_id).where(
        BroadcastPresenter.user_id == actor.user_id,
        BroadcastPresenter.broadcast_id.in_([b.id for b in found])))).scalars()) \
        if found else set()
    mine = await _my_classes(db, actor, org_id)
    seen = [b for b in found
            if b.id in presents or _in_audience(actor, b, group_ids[b.id], mine)][:MAX_LISTED]
    return BroadcastsOut(broadcasts=await broadcast_outs(db, scope, seen),
                         can_plan=can(actor, Action.broadcast_plan, scope.org))


async def questions(db: AsyncSession, view: BroadcastView) -> QuestionsOut:
    """Every question to the presenters and moderators (oldest first); to a viewer the approved
    and answered ones and their own, without who asked."""
    actor = view.scope.actor
    q = select(BroadcastQuestion).where(BroadcastQuestion.broadcast_id == view.broadcast.id)
    if not view.moderates:
        q = q.where(BroadcastQuestion.status.in_([QuestionStatus.approved, QuestionStatus.answered])
                    | (BroadcastQuestion.user_id == actor.user_id))
    rows = list((await db.execute(q.order_by(BroadcastQuestion.asked_at, BroadcastQuestion.id)
                                  .limit(500))).scalars())
    people = await persons(db, view.broadcast.org_id, {r.user_id for r in rows if r.user_id}) \
        if view.moderates else {}
    return QuestionsOut(moderates=view.moderates, questions=[QuestionOut(
        id=r.id, body=r.body, asked_at=r.asked_at, status=r.status, answer=r.answer,
        mine=r.user_id == actor.user_id,
        asker=people.get(r.user_id) if r.user_id else None) for r in rows])
