"""Loading the caller (``Actor``) with every relation the policy needs, in three queries."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import utcnow
from parta.models import (
    AuthSession,
    Group,
    GroupTeacher,
    Membership,
    MembershipRole,
    MunicipalAdmin,
    Role,
    User,
)
from parta.policy import Actor

__all__ = ["active_sessions", "load_actor", "session_by_token_hash"]


async def load_actor(db: AsyncSession, user: User) -> Actor:
    rows = (await db.execute(
        select(Membership.org_id, MembershipRole.role)
        .join(MembershipRole, MembershipRole.membership_id == Membership.id)
        .where(Membership.user_id == user.id, Membership.left_at.is_(None))
    )).all()
    roles: dict[int, set[Role]] = {}
    for org_id, role in rows:
        roles.setdefault(org_id, set()).add(role)
    leads = set((await db.execute(
        select(Group.id).where(Group.class_teacher_id == user.id, Group.archived_at.is_(None))
    )).scalars())
    subject = set((await db.execute(
        select(GroupTeacher.group_id).where(GroupTeacher.user_id == user.id)
    )).scalars())
    munis = set((await db.execute(
        select(MunicipalAdmin.municipality_id).where(MunicipalAdmin.user_id == user.id)
    )).scalars())
    return Actor(
        user_id=user.id, is_operator=user.is_operator,
        roles={k: frozenset(v) for k, v in roles.items()},
        leads=frozenset(leads), teaches=frozenset(leads | subject),
        municipalities=frozenset(munis),
    )


async def session_by_token_hash(db: AsyncSession, token_hash: str) -> tuple[AuthSession, User] | None:
    now = utcnow()
    row = (await db.execute(
        select(AuthSession, User).join(User, User.id == AuthSession.user_id)
        .where(AuthSession.token_hash == token_hash, AuthSession.ended_at.is_(None),
               AuthSession.expires_at > now)
    )).first()
    if row is None:
        return None
    sess, user = row
    if now - sess.last_seen_at > timedelta(minutes=5):  # a write at most every few minutes
        sess.last_seen_at = now
    return sess, user


async def active_sessions(db: AsyncSession, user_id: int) -> list[AuthSession]:
    return list((await db.execute(
        select(AuthSession).where(AuthSession.user_id == user_id, AuthSession.ended_at.is_(None),
                                  AuthSession.expires_at > utcnow())
        .order_by(AuthSession.last_seen_at.desc(), AuthSession.id.desc()))).scalars())
