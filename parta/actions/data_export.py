"""Building a person's data archive (152-ФЗ): ``data.json`` and the files they uploaded, as one
ZIP kept in the storage for a limited time.

The archive is written to a temporary file, never held in memory: messages are read a page at a
time and written as they come, files are copied chunk by chunk from the storage. Files beyond
``export_max_files_mb`` in all are listed in ``data.json`` but left out of the archive.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import datetime
from typing import IO, Any

from sqlalchemy import and_, or_, select

from parta.actions.base import Services
from parta.db import reading
from parta.models import (
    Attachment,
    AuditEntry,
    AuthSession,
    Chat,
    ConsentRecord,
    Group,
    GroupMember,
    Membership,
    MembershipRole,
    Message,
    Organization,
    ParentLink,
    Reaction,
    User,
)
from parta.services.storage import CHUNK_SIZE, StorageError

__all__ = ["Built", "build_archive"]

log = logging.getLogger("parta.privacy")
PAGE = 1000
FORMAT = "parta-export/1"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class Built:
    def __init__(self, path: str, size: int, files: int, left_out: int) -> None:
        self.path, self.size, self.files, self.left_out = path, size, files, left_out


def _entry(name: str, stored: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    return info


async def _head(db: Any, user: User, now: datetime) -> dict[str, Any]:
    """Everything but the messages: small enough to hold at once."""
    uid = user.id
    rows = (await db.execute(
        select(Membership, Organization.name).join(Organization, Organization.id == Membership.org_id)
        .where(Membership.user_id == uid).order_by(Membership.id))).all()
    roles: dict[int, list[str]] = defaultdict(list)
    if rows:
        for mid, role in (await db.execute(select(MembershipRole.membership_id, MembershipRole.role)
                                           .where(MembershipRole.membership_id.in_(
                                               [m.id for m, _ in rows])))).all():
            roles[mid].append(role.value)
    classes: dict[int, list[str]] = defaultdict(list)
    for org_id, name in (await db.execute(
            select(Group.org_id, Group.name).join(GroupMember, GroupMember.group_id == Group.id)
            .where(GroupMember.user_id == uid))).all():
        classes[org_id].append(name)
    links = (await db.execute(
        select(ParentLink, Organization.name).join(Organization, Organization.id == ParentLink.org_id)
        .where(or_(ParentLink.parent_id == uid, ParentLink.child_id == uid)))).all()
    named = {p.parent_id for p, _ in links} | {p.child_id for p, _ in links if p.child_id}
    names = dict((await db.execute(select(User.id, User.name).where(User.id.in_(named)))).all()) \
        if named else {}
    consents = (await db.execute(select(ConsentRecord, Organization.name)
                                 .join(Organization, Organization.id == ConsentRecord.org_id)
                                 .where(or_(ConsentRecord.child_id == uid,
                                            ConsentRecord.parent_id == uid))
                                 .order_by(ConsentRecord.id))).all()
    sessions = (await db.execute(select(AuthSession).where(AuthSession.user_id == uid)
                                 .order_by(AuthSession.id))).scalars()
    audit = (await db.execute(select(AuditEntry).where(or_(
        AuditEntry.actor_id == uid,
        and_(AuditEntry.target_type == "user", AuditEntry.target_id == uid)))
        .order_by(AuditEntry.id))).scalars()
    reactions = (await db.execute(
        select(Reaction.message_id, Reaction.emoji, Reaction.created_at, Chat.title)
        .join(Message, Message.id == Reaction.message_id).join(Chat, Chat.id == Message.chat_id)
        .where(Reaction.user_id == uid).order_by(Reaction.id))).all()
    return {
        "format": FORMAT,
        "exported_at": now.isoformat(),
        "profile": {"id": uid, "name": user.name, "phone": user.phone, "email": user.email,
                    "parent_email": user.parent_email, "language": user.language,
                    "created_at": _iso(user.created_at), "activated_at": _iso(user.activated_at)},
        "memberships": [{
            "organization": {"id": m.org_id, "name": org_name}, "roles": sorted(roles[m.id]),
            "classes": sorted(classes[m.org_id]), "position": m.position,
            "verification": m.verification.value, "joined_at": _iso(m.joined_at),
            "left_at": _iso(m.left_at)} for m, org_name in rows],
        "family": [{
            "organization": org_name, "as": "parent" if p.parent_id == uid else "child",
            "parent": names.get(p.parent_id), "child": names.get(p.child_id) if p.child_id else None,
            "child_name_given": p.child_name_claimed, "status": p.status.value,
            "created_at": _iso(p.created_at)} for p, org_name in links],
        "consents": [{
            "organization": org_name, "child_id": c.child_id, "purpose": c.purpose.value,
            "status": c.status.value, "channel": c.channel.value, "parent_name": c.parent_name,
            "document_version": c.document_version, "document_sha256": c.document_hash,
            "at": _iso(c.created_at)} for c, org_name in consents],
        "sessions": [{
            "kind": s.kind.value, "device": s.device, "ip": s.ip, "created_at": _iso(s.created_at),
            "last_seen_at": _iso(s.last_seen_at), "ended_at": _iso(s.ended_at)} for s in sessions],
        "audit": [{
            "action": a.action, "organization_id": a.org_id, "by_me": a.actor_id == uid,
            "target_type": a.target_type, "target_id": a.target_id, "details": a.details,
            "at": _iso(a.created_at)} for a in audit],
        "reactions": [{"message_id": mid, "chat": title, "emoji": emoji, "at": _iso(at)}
                      for mid, emoji, at, title in reactions],
    }


async def _messages(db: Any, uid: int, files_of: dict[int, list[str]]) -> AsyncIterator[str]:
    after = 0
    while True:
        page = (await db.execute(
            select(Message.id, Message.body, Message.created_at, Message.edited_at,
                   Message.deleted_at, Chat.id, Chat.title)
            .join(Chat, Chat.id == Message.chat_id)
            .where(Message.author_id == uid, Message.id > after)
            .order_by(Message.id).limit(PAGE))).all()
        for mid, body, at, edited, deleted, chat_id, title in page:
            yield json.dumps({"id": mid, "chat": {"id": chat_id, "title": title}, "at": _iso(at),
                              "edited_at": _iso(edited), "deleted_at": _iso(deleted),
                              "body": body, "files": files_of.get(mid, [])}, ensure_ascii=False)
        if len(page) < PAGE:
            return
        after = page[-1][0]


async def _write(f: IO[bytes], text: str) -> None:
    await asyncio.to_thread(f.write, text.encode())


async def build_archive(services: Services, user_id: int, now: datetime) -> Built:
    """Write the archive for ``user_id`` to a temporary file; the caller stores and removes it."""
    limit = services.settings.export_max_files_mb * 1024 * 1024
    fd, path = tempfile.mkstemp(prefix="parta-export-", suffix=".zip")
    os.close(fd)
    try:
        async with reading(services.sessionmaker) as db:
            user = await db.get(User, user_id)
            assert user is not None
            head = await _head(db, user, now)
            uploads = list((await db.execute(select(Attachment).where(
                Attachment.uploader_id == user_id).order_by(Attachment.id))).scalars())
            taken, total, left_out = [], 0, 0
            files_of: dict[int, list[str]] = defaultdict(list)
            listing = []
            for a in uploads:
                inside = f"files/{a.id}-{a.name}"
                fits = total + a.size <= limit
                if fits:
                    taken.append((a, inside))
                    total += a.size
                    if a.message_id is not None:
                        files_of[a.message_id].append(inside)
                else:
                    left_out += 1
                listing.append({"id": a.id, "name": a.name, "kind": a.kind, "size": a.size,
                                "message_id": a.message_id, "uploaded_at": _iso(a.created_at),
                                "in_archive": inside if fits else None})
            head["files"] = listing
            with zipfile.ZipFile(path, "w", allowZip64=True) as zf:
                with zf.open(_entry("data.json", stored=False), "w", force_zip64=True) as f:
                    await _write(f, json.dumps(head, ensure_ascii=False, indent=1)[:-2])
                    await _write(f, ',\n "messages": [\n')
                    first = True
                    async for line in _messages(db, user_id, files_of):
                        await _write(f, ("" if first else ",\n") + line)
                        first = False
                    await _write(f, "\n ]\n}\n")
                copied = 0
                for a, inside in taken:
                    try:
                        chunks = await services.storage.open(a.storage_key)
                    except StorageError:
                        log.warning("export %s: stored object of attachment %s is missing",
                                    user_id, a.id)
                        continue
                    with zf.open(_entry(inside, stored=True), "w", force_zip64=True) as f:
                        async for chunk in chunks:
                            await asyncio.to_thread(f.write, chunk)
                    copied += 1
        return Built(path, os.path.getsize(path), copied, left_out)
    except BaseException:
        os.unlink(path)
        raise


async def file_chunks(path: str) -> AsyncIterator[bytes]:
    with open(path, "rb") as f:  # noqa: ASYNC230 - read in a thread below
        while chunk := await asyncio.to_thread(f.read, CHUNK_SIZE):
            yield chunk
