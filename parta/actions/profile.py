"""A person's own profile (R18): name, e-mail, language."""

from __future__ import annotations

from parta.actions.base import Ctx
from parta.models import User

__all__ = ["update_profile"]


async def update_profile(ctx: Ctx, *, name: str | None = None, email: str | None = None,
                         language: str | None = None) -> User:
    ctx.require_actor()
    user = ctx.user
    assert user is not None
    changed = []
    for field, value in (("name", name), ("email", email), ("language", language)):
        if value is not None and getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        ctx.audit("profile.updated", None, "user", user.id, fields=changed)
    return user
