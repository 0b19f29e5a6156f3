"""The conduct filter's mode for each kind of chat and what it decides for one text (R29):
hold for a moderator in chats with children, warn elsewhere, or off."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from parta.actions.base import Ctx
from parta.conduct import check as conduct_check
from parta.models import Chat, ChatKind, ChatMember, ConductMode, ConductSetting

__all__ = ["CHILDREN_KINDS", "Screening", "conduct_mode", "conduct_modes", "default_mode",
           "modes_changed", "org_modes", "screen", "screening"]

# Chats with children in them: the filter holds a flagged message for a moderator by default.
CHILDREN_KINDS = frozenset({ChatKind.class_, ChatKind.subject, ChatKind.management_student_council,
                            ChatKind.custom})


def default_mode(kind: ChatKind | str) -> ConductMode:
    return ConductMode.hold if ChatKind(kind) in CHILDREN_KINDS else ConductMode.warn


async def conduct_modes(ctx: Ctx, org_id: int) -> dict[str, ConductMode]:
    """Every chat kind's mode in this organization: its own setting or the default."""
    modes = {k.value: default_mode(k) for k in ChatKind}
    for row in (await ctx.db.execute(select(ConductSetting).where(
            ConductSetting.org_id == org_id))).scalars():
        if row.chat_kind in modes:
            modes[row.chat_kind] = row.mode
    return modes


async def org_modes(ctx: Ctx, org_id: int) -> dict[str, ConductMode]:
    """``conduct_modes`` as the send path asks for them: kept in this process once read, until
    they change (``modes_changed``). With a Redis bus another process may change them, so they
    are read each time."""
    if ctx.settings.redis_url:
        return await conduct_modes(ctx, org_id)
    cache = ctx.services.conduct_modes
    found = cache.get(org_id)
    if found is None:
        found = cache[org_id] = await conduct_modes(ctx, org_id)
    return found


def modes_changed(ctx: Ctx, org_id: int) -> None:
    """The organization's modes were written in ``ctx``'s transaction: once it commits, the
    next send reads them anew (dropped only then, so no send in between caches the old ones
    for good)."""
    cache = ctx.services.conduct_modes

    async def drop() -> None:
        cache.pop(org_id, None)

    ctx.after_commit.append(drop)


async def conduct_mode(ctx: Ctx, chat: Chat) -> ConductMode:
    row = (await ctx.db.execute(select(ConductSetting.mode).where(
        ConductSetting.org_id == chat.org_id, ConductSetting.chat_kind == chat.kind.value))).scalar()
    return ConductMode(row) if row is not None else default_mode(chat.kind)


@dataclass(frozen=True)
class Screening:
    """What the conduct filter decided for one text in one chat."""

    mode: ConductMode
    flagged: bool
    matches: list[dict[str, Any]]


async def screen(ctx: Ctx, chat: Chat, me: ChatMember, text: str) -> Screening:
    """Run the filter if this kind of chat has it on. A moderator's own message is never held:
    for them «hold» is a warning."""
    if not text:
        return Screening(ConductMode.off, False, [])
    return screening(await conduct_mode(ctx, chat), me, text)


def screening(mode: ConductMode, me: ChatMember, text: str) -> Screening:
    """``screen`` with the chat's mode already known."""
    if not text:
        return Screening(ConductMode.off, False, [])
    if mode == ConductMode.off:
        return Screening(mode, False, [])
    verdict = conduct_check(text)
    if mode == ConductMode.hold and me.role.value != "member":
        mode = ConductMode.warn
    matches = [{"start": m.start, "end": m.end, "category": m.category} for m in verdict.matches]
    return Screening(mode, verdict.flagged, matches)
