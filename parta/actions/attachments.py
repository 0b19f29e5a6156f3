"""Uploading files into a chat (R25): the type comes from the content, images lose EXIF."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, select

from parta.actions.base import Ctx, Services, unit_of_work
from parta.actions.chats import chat_member, require_chat
from parta.errors import NotFound, RateLimited, TooLarge, ValidationFailed
from parta.models import Attachment, HeldMessage, HeldStatus, InstructionFile
from parta.models.privacy import Purpose
from parta.policy import ChatAction
from parta.queries.blocks import require_not_blocked
from parta.queries.privacy import require_consent
from parta.queries.scope import ChatScope, chat_for
from parta.security import new_token
from parta.services import av, media
from parta.services.text import clean_name
from parta.services.upload_gate import GateBusy

__all__ = ["Clean", "Stored", "attachment_for", "clean_upload", "prune_unsent",
           "prune_unsent_instruction_files", "receive", "safe_name",
           "store_upload", "upload", "upload_limit"]

log = logging.getLogger("parta.attachments")

BUSY_RETRY_SECONDS = 5  # every worker busy for the whole wait: try again soon
_IMAGE_EXT = {"image/png": "png", "image/gif": "gif", "image/webp": "webp"}


def safe_name(raw: str, ext: str) -> str:
    """A display name without paths or control characters, with the extension the content has."""
    base = clean_name(raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[\x00-\x1f\x7f\"<>|:*?]", "", base).strip(" .")[:180]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem or 'file'}.{ext}"


class Readable(Protocol):
    """An uploaded file being received (FastAPI's ``UploadFile``)."""

    async def read(self, size: int = -1) -> bytes: ...


def upload_limit(ctx: Ctx) -> int:
    """The largest file anyone may upload, in bytes (the settings' media limits)."""
    return media.max_upload_size(media.limits_from_settings(ctx.settings))


async def receive(ctx: Ctx, file: Readable) -> bytes:
    """An upload's bytes; past the limit it is refused (``TooLarge``) after reading one byte
    more than the limit, never the whole of it."""
    limit = upload_limit(ctx)
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge()
    return data


async def upload(ctx: Ctx, chat_id: int, filename: str, data: bytes) -> Attachment:
    """Check, clean and store one file; it joins a message when that message is sent.

    The slow part — finding what the file is, decoding a photo, remuxing a recording, storing
    the result — runs outside any transaction: a write transaction holds SQLite's one writer,
    and a student's huge picture must not keep a teacher's message waiting. ``ctx`` is the
    caller's and must have nothing to write (the route's is reading): its transaction ends
    once the cheap checks pass. The row is written in a short transaction of its own that
    checks the membership again."""
    actor = ctx.require_actor()
    if len(data) > upload_limit(ctx):
        raise TooLarge()
    scope = await _check_member(ctx, chat_id)
    chat = scope.chat
    if _looks_like_photo(data):  # a parent may have withdrawn consent to photos (152-ФЗ)
        await require_consent(ctx.db, scope, Purpose.photos)
    stored = await store_upload(ctx, f"org{chat.org_id}/chat{chat.id}", filename, data)
    try:
        async with unit_of_work(ctx.services, **ctx.caller()) as w:
            chat = (await _check_member(w, chat_id)).chat  # they may have left, or been blocked
            att = Attachment(org_id=chat.org_id, chat_id=chat.id, uploader_id=actor.user_id,
                             **stored.columns())
            w.db.add(att)
            await w.db.flush()
    except BaseException:
        await stored.forget(ctx.services)
        raise
    return att


@dataclass(frozen=True, slots=True)
class Stored:
    """A file checked, cleaned and stored, its row not yet written (a chat's attachment, an
    instruction's file: ``columns()`` are the columns they share)."""

    kind: str
    mime: str
    name: str
    size: int
    storage_key: str
    thumb_key: str | None
    width: int | None
    height: int | None

    def columns(self) -> dict[str, object]:
        return {"kind": self.kind, "mime": self.mime, "name": self.name, "size": self.size,
                "storage_key": self.storage_key, "thumb_key": self.thumb_key,
                "width": self.width, "height": self.height}

    async def forget(self, services: Services) -> None:
        """The row could not be written: the stored objects go too."""
        await _forget(services, [self.storage_key, self.thumb_key])


async def store_upload(ctx: Ctx, prefix: str, filename: str, data: bytes) -> Stored:
    """The one way an uploaded file is kept: the uploader's rate, then — outside any
    transaction (``ctx`` reads only, and its read ends here) — its type found from its bytes,
    metadata stripped, a photo re-encoded with a thumbnail, and the result stored under
    ``prefix``. The caller writes the row in a short transaction that checks its rights again,
    and calls ``forget`` if that fails."""
    actor = ctx.require_actor()
    if len(data) > upload_limit(ctx):
        raise TooLarge()
    s = ctx.settings
    wait = ctx.services.uploads.admit(actor.user_id, len(data), per_minute=s.uploads_per_minute,
                                      bytes_per_hour=s.upload_mb_per_hour * media.MB)
    if wait:  # said as files, not «requests»: a student sent too many photos, not too many clicks
        raise RateLimited(wait, "upload_limit")
    await ctx.db.commit()  # ends the read: no connection or snapshot is held while we work
    clean = await clean_upload(ctx.services, data)
    key = f"{prefix}/{new_token(18)}"
    thumb_key = key + "-thumb" if clean.thumbnail else None
    await ctx.services.storage.put(key, clean.data, clean.mime)
    try:
        if thumb_key:
            await ctx.services.storage.put(thumb_key, clean.thumbnail, media.THUMBNAIL_MIME)
    except BaseException:
        await _forget(ctx.services, [key])
        raise
    return Stored(kind=clean.kind.value, mime=clean.mime, name=safe_name(filename, clean.ext),
                  size=len(clean.data), storage_key=key, thumb_key=thumb_key, width=clean.width,
                  height=clean.height)


def _looks_like_photo(data: bytes) -> bool:
    try:
        return media.sniff(data).kind == media.Kind.photo
    except media.UnsupportedType:
        return False


async def _check_member(ctx: Ctx, chat_id: int) -> ChatScope:
    """The caller may post files in the chat: a member, not blocked (cheap: a few reads)."""
    actor = ctx.require_actor()
    scope = await chat_for(ctx.db, actor, chat_id)
    require_chat(scope.chat, scope.member, ChatAction.post)
    await require_not_blocked(ctx.db, scope.chat, actor.user_id)
    await require_consent(ctx.db, scope, Purpose.chats)  # 152-ФЗ
    return scope


@dataclass(frozen=True, slots=True)
class Clean:
    kind: media.Kind
    mime: str
    ext: str
    data: bytes
    width: int | None = None
    height: int | None = None
    thumbnail: bytes = b""


async def clean_upload(services: Services, data: bytes) -> Clean:
    """The file made safe to share (a chat's or the materials library's), in one of this
    process's workers' places: photos decoded and re-encoded in a thread, recordings remuxed
    by ffmpeg; a refusal from the error tree."""
    s = services.settings
    try:
        async with services.uploads.working(s.media_queue_seconds):
            budget = s.image_decode_budget_mb * media.MB
            clean = await asyncio.to_thread(_clean_here, data, media.limits_from_settings(s),
                                            budget)
            if clean.kind in (media.Kind.audio, media.Kind.video):
                ftype = media.FileType(clean.kind, clean.mime, clean.ext)
                remuxed = await av.strip_metadata(data, ftype, timeout=s.media_ffmpeg_seconds)
                clean = Clean(clean.kind, clean.mime, clean.ext, remuxed)
            return clean
    except GateBusy:
        raise RateLimited(BUSY_RETRY_SECONDS, "uploads_busy") from None
    except media.TooLargeFile as exc:
        raise TooLarge("file_too_large", params={"limit_mb": exc.limit // media.MB}) from None
    except media.TooLargeImage as exc:
        raise TooLarge("image_too_large", params={"width": exc.width, "height": exc.height,
                                                  "frames": exc.frames}) from None
    except av.CannotClean as exc:
        log.info("a recording was refused: %s", exc)
        raise ValidationFailed("media_unreadable", fields={"file": "media_unreadable"}) from None
    except media.UnsupportedType as exc:
        raise ValidationFailed("unsupported_type", fields={"file": "unsupported_type"},
                               params={"reason": exc.reason}) from None


def _clean_here(data: bytes, limits: dict[str, int], budget: int) -> Clean:
    """What can be done in a thread: the type from the content, the size, a photo's pixels."""
    ftype = media.sniff(data)
    media.check_size(ftype.kind, len(data), limits)
    if ftype.kind != media.Kind.photo:
        return Clean(ftype.kind, ftype.mime, ftype.ext, data)
    image = media.process_image(data, budget=budget)
    return Clean(ftype.kind, image.mime, _IMAGE_EXT.get(image.mime, "jpg"), image.data,
                  image.width, image.height, image.thumbnail)


async def _forget(services: Services, keys: list[str | None]) -> None:
    for key in keys:
        if key:
            try:
                await services.storage.delete(key)
            except Exception:  # the upload failed either way; the object is logged
                log.warning("could not delete stored object %s", key, exc_info=True)


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


async def prune_unsent_instruction_files(services: Services, older_than: datetime,
                                        limit: int = 500) -> int:
    """Forget the files uploaded for an instruction that was never sent (each has its own
    stored object); how many were forgotten."""
    async with unit_of_work(services) as ctx:
        rows = list((await ctx.db.execute(select(InstructionFile).where(
            InstructionFile.instruction_id.is_(None), InstructionFile.created_at < older_than)
            .order_by(InstructionFile.id).limit(limit))).scalars())
        if not rows:
            return 0
        await ctx.db.execute(delete(InstructionFile).where(
            InstructionFile.id.in_([f.id for f in rows]),
            InstructionFile.instruction_id.is_(None)))
        keys = [k for f in rows for k in (f.storage_key, f.thumb_key)]

        async def forget_files() -> None:
            await _forget(services, keys)

        ctx.after_commit.append(forget_files)
    return len(rows)
