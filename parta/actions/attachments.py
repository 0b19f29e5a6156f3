"""Uploading files into a chat (R25): the type comes from the content, images lose EXIF."""

from __future__ import annotations

import asyncio
import re
import unicodedata
from typing import Any

from parta.actions import guard
from parta.actions.base import Ctx
from parta.actions.chats import chat_for, chat_member, require_chat
from parta.errors import NotFound, TooLarge, ValidationFailed
from parta.models import Attachment
from parta.policy import ChatAction
from parta.security import new_token
from parta.services import media

__all__ = ["attachment_for", "attachment_payload", "safe_name", "upload"]


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
    limits = media.limits_from_settings(ctx.settings)
    try:
        kind = media.sniff(data)
        media.check_size(kind.kind, len(data), limits)
        width = height = None
        thumb: bytes | None = None
        mime, ext = kind.mime, kind.ext
        if kind.kind == media.Kind.photo:
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
