"""Loading the caller (``Actor``) with every relation the policy needs, in one query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, literal, null, select, true, union_all
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
    VerificationStatus,
)
from parta.policy import Actor

__all__ = [
    "Caller",
    "active_sessions",
    "caller_by_token_hash",
    "live_session",
    "load_actor",
    "load_caller",
    "seen_long_ago",
]


# The caller's relations, one row each: (kind, id, role). Kinds: r = a role in an org,
# l = a class they lead, s = a class they teach a subject in, m = a municipality they run,
# v = an org where they are a verified teacher (the badge on what they write).
def _relations(user_id: Any) -> Any:
    return union_all(
        select(literal("r").label("kind"), Membership.org_id.label("ref"),
               MembershipRole.role.label("role"))
        .join(MembershipRole, MembershipRole.membership_id == Membership.id)
        .where(Membership.user_id == user_id, Membership.left_at.is_(None)),
        select(literal("l"), Group.id, null())
        .where(Group.class_teacher_id == user_id, Group.archived_at.is_(None)),
        select(literal("s"), GroupTeacher.group_id, null()).where(GroupTeacher.user_id == user_id),
        select(literal("m"), MunicipalAdmin.municipality_id, null())
        .where(MunicipalAdmin.user_id == user_id),
        select(literal("v"), Membership.org_id, null())
        .where(Membership.user_id == user_id,
               Membership.verification == VerificationStatus.verified),
    ).subquery("rel")


def _actor(user: User, rows: Iterable[tuple[str | None, int | None, Any]]) -> Caller:
    roles: dict[int, set[Role]] = {}
    found: dict[str, set[int]] = {"l": set(), "s": set(), "m": set(), "v": set()}
    for kind, ref, role in rows:
        if kind is None or ref is None:
            continue
        if kind == "r":
            roles.setdefault(ref, set()).add(Role(role))
        else:
            found[kind].add(ref)
    leads = frozenset(found["l"])
    return Caller(
        actor=Actor(user_id=user.id, is_operator=user.is_operator,
                    roles={k: frozenset(v) for k, v in roles.items()},
                    leads=leads, teaches=leads | found["s"],
                    municipalities=frozenset(found["m"])),
        verified_in=frozenset(found["v"]),
    )


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: what the policy needs, and where their teacher badge shows."""

    actor: Actor
    verified_in: frozenset[int] = frozenset()


# Built once: these run on every request, and building a statement costs more than running it.
_BY_USER = _relations(bindparam("user_id"))
_LOAD_ACTOR = select(_BY_USER.c.kind, _BY_USER.c.ref, _BY_USER.c.role)
_BY_TOKEN = _relations(select(AuthSession.user_id)
                       .where(AuthSession.token_hash == bindparam("token_hash"))
                       .scalar_subquery())
_CALLER = (select(AuthSession, User, _BY_TOKEN.c.kind, _BY_TOKEN.c.ref, _BY_TOKEN.c.role)
           .join(User, User.id == AuthSession.user_id)
           .outerjoin(_BY_TOKEN, true())
           .where(AuthSession.token_hash == bindparam("token_hash"),
                  AuthSession.ended_at.is_(None), AuthSession.expires_at > bindparam("now")))


async def load_actor(db: AsyncSession, user: User) -> Actor:
    """The caller with every relation the policy needs, in one query."""
    rows = (await db.execute(_LOAD_ACTOR, {"user_id": user.id})).all()
    return _actor(user, rows).actor


async def load_caller(db: AsyncSession, user: User) -> Caller:
    """``load_actor``, and where the caller's teacher badge shows."""
    return _actor(user, (await db.execute(_LOAD_ACTOR, {"user_id": user.id})).all())


async def caller_by_token_hash(db: AsyncSession, token_hash: str
                               ) -> tuple[AuthSession, User, Caller] | None:
    """The live session for a token, its user and their relations — in one query."""
    rows = (await db.execute(_CALLER, {"token_hash": token_hash, "now": utcnow()})).all()
    if not rows:
        return None
    sess, user = rows[0][0], rows[0][1]
    return sess, user, _actor(user, ((k, r, role) for _, _, k, r, role in rows))


def seen_long_ago(sess: AuthSession) -> bool:
    """A session's «last seen» is written at most every few minutes."""
    return utcnow() - sess.last_seen_at > timedelta(minutes=5)


_LIVE = select(AuthSession).where(AuthSession.token_hash == bindparam("token_hash"),
                                  AuthSession.ended_at.is_(None),
                                  AuthSession.expires_at > bindparam("now"))


async def live_session(db: AsyncSession, token_hash: str) -> AuthSession | None:
    """The session for a token, if it has neither ended nor expired. Writes nothing."""
    return (await db.execute(_LIVE, {"token_hash": token_hash, "now": utcnow()})
            ).scalar_one_or_none()


async def active_sessions(db: AsyncSession, user_id: int) -> list[AuthSession]:
    return list((await db.execute(
        select(AuthSession).where(AuthSession.user_id == user_id, AuthSession.ended_at.is_(None),
                                  AuthSession.expires_at > utcnow())
        .order_by(AuthSession.last_seen_at.desc(), AuthSession.id.desc()))).scalars())
