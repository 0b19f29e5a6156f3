"""Loading the caller (``Actor``) with every relation the policy needs, in one query."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
    "callers_by_session",
    "live_session",
    "load_actor",
    "load_caller",
    "seen_long_ago",
]


# The caller's relations, one row each: (user, kind, id, role). Kinds: r = a role in an org,
# l = a class they lead, s = a class they teach a subject in, m = a municipality they run,
# v = an org where they are a verified teacher (the badge on what they write). ``who`` picks
# the people: a condition on a user id column.
def _relations(who: Callable[[Any], Any]) -> Any:
    return union_all(
        select(Membership.user_id.label("user_id"), literal("r").label("kind"),
               Membership.org_id.label("ref"), MembershipRole.role.label("role"))
        .join(MembershipRole, MembershipRole.membership_id == Membership.id)
        .where(who(Membership.user_id), Membership.left_at.is_(None)),
        select(Group.class_teacher_id, literal("l"), Group.id, null())
        .where(who(Group.class_teacher_id), Group.archived_at.is_(None)),
        select(GroupTeacher.user_id, literal("s"), GroupTeacher.group_id, null())
        .where(who(GroupTeacher.user_id)),
        select(MunicipalAdmin.user_id, literal("m"), MunicipalAdmin.municipality_id, null())
        .where(who(MunicipalAdmin.user_id)),
        select(Membership.user_id, literal("v"), Membership.org_id, null())
        .where(who(Membership.user_id),
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
_BY_USER = _relations(lambda user_id: user_id == bindparam("user_id"))
_LOAD_ACTOR = select(_BY_USER.c.kind, _BY_USER.c.ref, _BY_USER.c.role)
_BY_TOKEN = _relations(lambda user_id: user_id == select(AuthSession.user_id)
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


_BY_USERS = _relations(lambda user_id: user_id.in_(bindparam("user_ids", expanding=True)))
_CALLERS = (select(AuthSession.id, User, _BY_USERS.c.kind, _BY_USERS.c.ref, _BY_USERS.c.role)
            .join(User, User.id == AuthSession.user_id)
            .outerjoin(_BY_USERS, _BY_USERS.c.user_id == User.id)
            .where(AuthSession.id.in_(bindparam("ids", expanding=True)),
                   AuthSession.ended_at.is_(None), AuthSession.expires_at > bindparam("now")))


async def callers_by_session(db: AsyncSession, sessions: Iterable[tuple[int, int]]
                             ) -> dict[int, tuple[User, Caller]]:
    """For each (session id, its user's id) whose session is still live: the user and their
    relations as they are now — what ``caller_by_token_hash`` gives an HTTP request, for
    many sessions in one query (the event socket's sends, decided in batches). A session
    that ended or expired, or is not that user's, is missing."""
    pairs = dict(sessions)
    if not pairs:
        return {}
    rows = (await db.execute(_CALLERS, {"ids": list(pairs), "user_ids": sorted(set(pairs.values())),
                                        "now": utcnow()})).all()
    found: dict[int, tuple[User, list[tuple[str | None, int | None, Any]]]] = {}
    for sid, user, kind, ref, role in rows:
        if user.id == pairs[sid]:
            found.setdefault(sid, (user, []))[1].append((kind, ref, role))
    return {sid: (user, _actor(user, rel)) for sid, (user, rel) in found.items()}


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
