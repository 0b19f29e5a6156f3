"""Standing check: no API answer in the suite shows a person's phone number or e-mail to someone
who may not see it.

Every JSON answer a test's client (``World.client``) receives passes through ``PiiScan.check``
(an httpx response hook). The scan looks in every string of the answer for phone numbers (any
way of writing them: +7 900 000-00-01, 8 (900) 000 00 01, 79000000001...) and e-mail addresses,
and for each that belongs to a person of the database — the demo school's people and everyone
the test created — asks whether the caller may see it:

- it is the caller's own;
- the caller is a platform operator (they register schools and appoint their administrators
  by phone; support needs to reach people);
- the caller is an administrator (``org_admin`` or ``administration``, the roles the policy's
  ``member.contacts`` names) of a school the person belongs or belonged to.

The decision is taken when the answer arrives (roles may change later in the test). What it
finds fails the test at its end, naming the route, the caller and whose contact leaked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select

from parta.actions.auth import session_token_hash
from parta.actions.base import Services
from parta.api.deps import SESSION_COOKIE
from parta.models import AuthSession, Membership, MembershipRole, Role, User

# Routes whose answers may name a contact that is not the caller's by the rules above.
# Keep this list minimal; each entry says why.
ALLOWED_ROUTES: dict[tuple[str, str], str] = {
    # The person asking just proved this phone is theirs; the answer is their own account.
    ("POST", "/api/v1/auth/verify"): "the caller's own account, as they sign in",
}

ADMIN_ROLES = (Role.org_admin, Role.administration)
PHONE_LIKE = re.compile(r"\+?\d[\d\s\-().]{6,}\d")
EMAIL_LIKE = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def national(phone: str) -> str:
    """The ten digits a Russian number is known by, whatever way it is written."""
    return re.sub(r"\D", "", phone)[-10:]


@dataclass
class Leak:
    route: str
    caller: str
    owner: str
    contact: str

    def __str__(self) -> str:
        return f"{self.route}: {self.caller} was shown {self.owner}'s {self.contact}"


@dataclass
class PiiScan:
    services: Services
    leaks: list[Leak] = field(default_factory=list)
    answers: int = 0  # JSON answers scanned
    shown: int = 0  # contacts of people found in them and judged (allowed or not)

    async def check(self, response: httpx.Response) -> None:
        if "json" not in response.headers.get("content-type", ""):
            return
        await response.aread()
        self.answers += 1
        request = response.request
        route = f"{request.method} {request.url.path}"
        if (request.method, request.url.path) in ALLOWED_ROUTES:
            return
        try:
            body = response.json()
        except json.JSONDecodeError:
            return
        texts = list(strings(body))
        phones = {national(m) for t in texts for m in PHONE_LIKE.findall(t)}
        emails = {m.lower() for t in texts for m in EMAIL_LIKE.findall(t)}
        if not (phones or emails):
            return
        async with self.services.sessionmaker() as db:
            owners: dict[str, set[int]] = {}
            for uid, phone, email, parent_email in (await db.execute(
                    select(User.id, User.phone, User.email, User.parent_email))).all():
                if phone and len(national(phone)) == 10:
                    owners.setdefault(f"phone {national(phone)}", set()).add(uid)
                for address in (email, parent_email):
                    if address:
                        owners.setdefault(f"e-mail {address.lower()}", set()).add(uid)
            found = {k: v for k, v in owners.items()
                     if (k.startswith("phone ") and any(k[6:] in p for p in phones))
                     or (k.startswith("e-mail ") and k[7:] in emails)}
            if not found:
                return
            self.shown += len(found)
            caller = await self._caller(db, request)
            if caller is not None and caller.is_operator:
                return
            caller_id = caller.id if caller else None
            administered: set[int] = set()
            if caller is not None:
                administered = set((await db.execute(
                    select(Membership.org_id)
                    .join(MembershipRole, MembershipRole.membership_id == Membership.id)
                    .where(Membership.user_id == caller.id, Membership.left_at.is_(None),
                           MembershipRole.role.in_(ADMIN_ROLES)))).scalars())
            for contact, people in found.items():
                if caller_id in people:
                    continue
                orgs = set((await db.execute(select(Membership.org_id).where(
                    Membership.user_id.in_(people)))).scalars())
                if orgs & administered:
                    continue
                names = (await db.execute(select(User.name).where(User.id.in_(people)))).scalars()
                self.leaks.append(Leak(route, caller.name if caller else "someone signed out",
                                       " / ".join(names), contact))

    async def _caller(self, db: Any, request: httpx.Request) -> User | None:
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        if not token:
            for part in request.headers.get("cookie", "").split(";"):
                name, _, value = part.strip().partition("=")
                if name == SESSION_COOKIE:
                    token = value
        if not token:
            return None
        token_hash = session_token_hash(self.services.settings.secret_key, token)
        return (await db.execute(select(User).join(AuthSession, AuthSession.user_id == User.id)
                                 .where(AuthSession.token_hash == token_hash))).scalar_one_or_none()

    def assert_clean(self) -> None:
        assert not self.leaks, "contacts shown to someone who may not see them:\n" + "\n".join(
            sorted({str(leak) for leak in self.leaks}))
