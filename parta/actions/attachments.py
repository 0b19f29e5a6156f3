"""Uploading files into a chat (R25): the type comes from the content, images lose EXIF."""

from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from parta.actions import guard
from parta.actions.base import Ctx, Services, unit_of_work
from parta.actions.chats import chat_for, chat_member, require_chat
from parta.db import utcnow
from parta.errors import NotFound, TooLarge, ValidationFailed
from parta.models import Attachment, HeldMessage, HeldStatus
from parta.models.privacy import Purpose
from parta.policy import ChatAction
from parta.queries.privacy import require_consent
from parta.security import new_token
from parta.services import media

__all__ = ["attachment_for", "attachment_payload", "prune_unsent", "prune_unsent_forever",
           "safe_name", "upload"]

log = logging.getLogger("parta.attachments")


def safe_name(raw: str, ext: str) -> str:
    """A display name without paths or control characters, with the extension the content has."""
    base = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[\x00-\x1f\x7f\"<>|:*?]", "", base).strip(" .")[:180]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem or 'file'}.{ext}"


def attachment_payload(a: Attachment) -> dict[str, Any]:
    return {"id": a.id, "kind": a.kind, "mime": a.mime, "name": a.name, "size": a.size,
            "width": a.width, "height": a.height, "has_thumb": a.thumb_key is not None,
            "url": f"/api/v1/attachments/{a.id}",
            "thumb_url": f"/api/v1/attachments/{a.id}/thumb" if a.thumb_key else None}


async def upload(ctx: Ctx, chat_id: int, filename: str, data: bytes) -> Attachment:
    """Check, clean and store one file; it joins a message when that message is sent."""
    actor = ctx.require_actor()
    chat, me = await chat_for(ctx, chat_id)
    require_chat(chat, me, ChatAction.post)
    await guard.require_not_blocked(ctx, chat, actor.user_id)
    await require_consent(ctx.db, chat.org_id, actor.user_id, Purpose.chats)  # 152-ФЗ
    limits = media.limits_from_settings(ctx.settings)
    try:
        kind = media.sniff(data)
        media.check_size(kind.kind, len(data), limits)
        width = height = None
        thumb: bytes | None = None
        mime, ext = kind.mime, kind.ext
        if kind.kind == media.Kind.photo:
            await require_consent(ctx.db, chat.org_id, actor.user_id, Purpose.photos)
            clean = await asyncio.to_thread(media.process_image, data)
            data, mime, width, height, thumb = (clean.data, clean.mime, clean.width,
                                                clean.height, clean.thumbnail)
            ext = {"image/png": "png", "image/gif": "gif", "image/webp": "webp"}.get(mime, "jpg")
    except media.TooLargeFile as exc:
        raise TooLarge("file_too_large", params={"limit_mb": exc.limit // (1024 * 1024)}) from None
    except media.UnsupportedType as exc:
        raise ValidationFailed("unsupported_type", fields={"file": "unsupported_type"},
                               params={"reason": exc.reason}) from None
    key = f"org{chat.org_id}/chat{chat.id}/{new_token(18)}"
    await ctx.services.storage.put(key, data, mime)
    thumb_key = None
    if thumb:
        thumb_key = key + "-thumb"
        await ctx.services.storage.put(thumb_key, thumb, media.THUMBNAIL_MIME)
    att = Attachment(org_id=chat.org_id, chat_id=chat.id, uploader_id=actor.user_id,
                     kind=kind.kind.value, mime=mime, name=safe_name(filename, ext),
                     size=len(data), storage_key=key, thumb_key=thumb_key, width=width,
                     height=height)
    ctx.db.add(att)
    await ctx.db.flush()
    return att


async def attachment_for(ctx: Ctx, attachment_id: int) -> Attachment:
    """A file is served only to the members of its chat; to anyone else it does not exist."""
    actor = ctx.require_actor()
    att = await ctx.db.get(Attachment, attachment_id)
    if att is None or await chat_member(ctx, att.chat_id, actor.user_id) is None:
        raise NotFound()
    if att.message_id is None and att.uploader_id != actor.user_id:
        raise NotFound()  # not sent yet: only its uploader sees it
    return att


async def prune_unsent(services: Services, older_than: datetime, limit: int = 500) -> int:
    """Forget files uploaded and never sent (a photo of a child left in a closed tab must not
    stay on the server), except those waiting with a held message for a moderator. A stored
    object goes only when no other attachment (a forwarded copy) points to it. Returns how
    many attachments were forgotten."""
    async with unit_of_work(services) as ctx:
        rows = list((await ctx.db.execute(select(Attachment).where(
            Attachment.message_id.is_(None), Attachment.created_at < older_than)
            .order_by(Attachment.id).limit(limit))).scalars())
        if not rows:
            return 0
        held: set[int] = set()
        for ids in (await ctx.db.execute(select(HeldMessage.attachment_ids).where(
                HeldMessage.status == HeldStatus.pending))).scalars():
            held.update(ids or [])
        gone = [a for a in rows if a.id not in held]
        keys = {k for a in gone for k in (a.storage_key, a.thumb_key) if k}
        ids = [a.id for a in gone]
        kept = set()
        if keys:
            for key, thumb in (await ctx.db.execute(select(Attachment.storage_key, Attachment.thumb_key)
                                                    .where(Attachment.id.not_in(ids),
                                                           Attachment.storage_key.in_(keys)))).all():
                kept.update({key, thumb})
        if ids:
            await ctx.db.execute(delete(Attachment).where(Attachment.id.in_(ids)))
        orphans = sorted(keys - kept)

        async def forget_files() -> None:
            for key in orphans:
                try:
                    await services.storage.delete(key)
                except Exception:  # the row is gone either way; the object is logged
                    log.warning("could not delete stored object %s", key, exc_info=True)

        ctx.after_commit.append(forget_files)
    return len(gone)


async def prune_unsent_forever(services: Services, every_seconds: float = 3600) -> None:
    """The server's hourly sweep of unsent uploads (started in the app's lifespan)."""
    while True:
        try:
            hours = services.settings.unsent_upload_hours
            while await prune_unsent(services, utcnow() - timedelta(hours=hours)) == 500:
                await asyncio.sleep(0.05)
        except Exception:
            log.exception("pruning unsent uploads failed")
        await asyncio.sleep(every_seconds)
