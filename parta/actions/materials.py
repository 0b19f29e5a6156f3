"""The materials library (R36): folders, uploads, articles, versions, «Проверено», and a
material's card posted into a chat.

Who may publish where is ``queries.materials.publish_refusal`` (the school's shelf is the
administration's, a class's also its teachers'); verifying is the administration's. An upload
goes through the attachments' safety (type from the bytes, metadata stripped, size limits,
the per-person upload gate) outside any transaction, then its row is written in a short one
that checks the right again. Each change tells the material's readers by ``material.changed``.
"""

from __future__ import annotations

import logging
from typing import Literal

from sqlalchemy import func, select

from parta.actions.attachments import store_upload, upload_limit
from parta.actions.base import Ctx, unit_of_work
from parta.actions.chats import require_chat
from parta.actions.messages import publish_message
from parta.db import utcnow
from parta.errors import Conflict, Forbidden, NotFound, TooLarge, ValidationFailed
from parta.i18n import t
from parta.models import (
    ADMIN_ROLES,
    STAFF_ROLES,
    Group,
    GroupMember,
    GroupTeacher,
    Material,
    MaterialFolder,
    MaterialVersion,
    Membership,
    MembershipRole,
    Message,
    ParentLink,
    ParentLinkStatus,
    Role,
)
from parta.models.privacy import Purpose
from parta.policy import Action, ChatAction, require
from parta.queries.blocks import require_not_blocked
from parta.queries.materials import (
    Reader,
    folder_in,
    material_in,
    material_outs,
    publish_refusal,
    reader_of,
)
from parta.queries.privacy import require_consent
from parta.queries.scope import chat_for, group_in, org_for
from parta.realtime.events import MaterialChanged
from parta.schemas.materials import (
    ArticleIn,
    FolderIn,
    FolderOut,
    FolderPatch,
    MaterialIn,
    MaterialOut,
    MaterialPatch,
    SharedOut,
)
from parta.search import stems
from parta.services import articles

__all__ = ["create_article", "create_folder", "delete_folder", "delete_material", "edit_material",
           "move_folder", "restore_version", "share_material", "upload_material",
           "upload_version", "verify_material"]

log = logging.getLogger("parta.materials")
Change = Literal["published", "changed", "verified", "deleted"]
MAX_DEPTH = 12  # folders within folders


# Who may, where ------------------------------------------------------------------------------

async def _reader(ctx: Ctx, org_id: int) -> Reader:
    return await reader_of(ctx.db, await org_for(ctx.db, ctx.require_actor(), org_id,
                                                 Action.material_view))


async def _may_publish(ctx: Ctx, reader: Reader, group_id: int | None,
                       subject: str | None) -> None:
    if group_id is not None:
        await group_in(ctx.db, reader.scope, group_id)  # another school's class: no such class
    why = await publish_refusal(ctx.db, reader, group_id, subject)
    if why is not None:
        raise Forbidden(why)


async def _folder_on(ctx: Ctx, reader: Reader, folder_id: int | None,
                     group_id: int | None) -> MaterialFolder | None:
    """The folder, which must be on the same shelf."""
    if folder_id is None:
        return None
    folder, _r = await folder_in(ctx.db, reader.actor, folder_id)
    if folder.org_id != reader.org_id:
        raise NotFound()
    if folder.group_id != group_id:
        raise ValidationFailed(fields={"folder_id": "other_shelf"})
    return folder


async def _editable(ctx: Ctx, material_id: int) -> tuple[Material, Reader]:
    material, reader = await material_in(ctx.db, ctx.require_actor(), material_id)
    await _may_publish(ctx, reader, material.group_id, material.subject)
    return material, reader


# Who is told ---------------------------------------------------------------------------------

async def readers(ctx: Ctx, m: Material) -> set[int]:
    """Everyone of the school who may read ``m`` now (the same rule as ``queries.materials``)."""
    db = ctx.db

    async def with_roles(roles: frozenset[Role]) -> set[int]:
        return set((await db.execute(select(Membership.user_id).join(
            MembershipRole, MembershipRole.membership_id == Membership.id).where(
            Membership.org_id == m.org_id, Membership.left_at.is_(None),
            MembershipRole.role.in_(roles)))).scalars())

    who = await with_roles(ADMIN_ROLES)
    if m.created_by:
        who.add(m.created_by)
    if m.group_id is None:
        wanted = (STAFF_ROLES if m.for_staff else frozenset()) | (
            {Role.student} if m.for_students else set()) | (
            {Role.parent} if m.for_parents else set())
        return who | (await with_roles(frozenset(wanted)) if wanted else set())
    group = await db.get(Group, m.group_id)
    if group is not None and group.class_teacher_id:
        who.add(group.class_teacher_id)
    who |= set((await db.execute(select(GroupTeacher.user_id).where(
        GroupTeacher.group_id == m.group_id))).scalars())
    pupils = select(GroupMember.user_id).where(GroupMember.group_id == m.group_id)
    if m.for_students:
        who |= set((await db.execute(pupils)).scalars())
    if m.for_parents:
        who |= set((await db.execute(select(ParentLink.parent_id).where(
            ParentLink.org_id == m.org_id, ParentLink.status == ParentLinkStatus.confirmed,
            ParentLink.child_id.in_(pupils)))).scalars())
    return who


async def _told(ctx: Ctx, m: Material, change: Change, before: set[int] | None = None) -> None:
    """``material.changed`` to its readers (and to those who read it before the change)."""
    ctx.emit(MaterialChanged(org_id=m.org_id, material_id=m.id, change=change),
             (before or set()) | await readers(ctx, m))


def _stems(title: str, description: str, body: str | None) -> str:
    words = stems(" ".join((title, description, body or "")))
    return " " + " ".join(dict.fromkeys(words)) if words else ""


async def _answer(ctx: Ctx, m: Material, reader: Reader) -> MaterialOut:
    [out] = await material_outs(ctx.db, reader, [m])
    return out


async def _next_number(ctx: Ctx, material_id: int) -> int:
    top = (await ctx.db.execute(select(func.max(MaterialVersion.number)).where(
        MaterialVersion.material_id == material_id))).scalar_one()
    return int(top or 0) + 1


async def _add_version(ctx: Ctx, m: Material, version: MaterialVersion) -> None:
    # Two publishers saving at once number their versions one after the other: the
    # material's row is held until the commit (PostgreSQL; SQLite has one writer anyway).
    await ctx.db.execute(select(Material.id).where(Material.id == m.id).with_for_update())
    version.material_id, version.number = m.id, await _next_number(ctx, m.id)
    version.created_by, version.created_at = ctx.require_actor().user_id, utcnow()
    ctx.db.add(version)
    await ctx.db.flush()
    m.current_version_id, m.updated_at = version.id, version.created_at
    await ctx.db.flush()


# Folders -------------------------------------------------------------------------------------

async def create_folder(ctx: Ctx, org_id: int, body: FolderIn) -> FolderOut:
    reader = await _reader(ctx, org_id)
    parent = None
    if body.parent_id is not None:
        parent, _r = await folder_in(ctx.db, reader.actor, body.parent_id)
        if parent.org_id != reader.org_id:
            raise NotFound()
        if parent.group_id != body.group_id:
            raise ValidationFailed(fields={"parent_id": "other_shelf"})
        if await _depth(ctx, parent) >= MAX_DEPTH:
            raise ValidationFailed("folders_too_deep", fields={"parent_id": "too_deep"})
    await _may_publish(ctx, reader, body.group_id, None)
    folder = MaterialFolder(org_id=reader.org_id, group_id=body.group_id,
                            parent_id=parent.id if parent else None, name=body.name,
                            created_by=reader.actor.user_id, created_at=utcnow())
    ctx.db.add(folder)
    await ctx.db.flush()
    ctx.audit("material.folder_created", reader.org_id, "material_folder", folder.id,
              group_id=body.group_id)
    return FolderOut(id=folder.id, name=folder.name, group_id=folder.group_id,
                     parent_id=folder.parent_id, can_manage=True)


async def _depth(ctx: Ctx, folder: MaterialFolder) -> int:
    depth, up = 1, folder.parent_id
    while up is not None and depth <= MAX_DEPTH:
        depth += 1
        up = (await ctx.db.execute(select(MaterialFolder.parent_id).where(
            MaterialFolder.id == up))).scalar_one_or_none()
    return depth


async def _managed(ctx: Ctx, folder_id: int) -> tuple[MaterialFolder, Reader]:
    folder, reader = await folder_in(ctx.db, ctx.require_actor(), folder_id)
    await _may_publish(ctx, reader, folder.group_id, None)
    return folder, reader


async def move_folder(ctx: Ctx, folder_id: int, body: FolderPatch) -> FolderOut:
    """Rename a folder, or move it into another folder of its shelf (never into itself or
    one of its own folders: ``folder_cycle``) or to the top."""
    folder, reader = await _managed(ctx, folder_id)
    if body.name is not None:
        folder.name = body.name
    if body.to_top:
        folder.parent_id = None
    elif body.parent_id is not None:
        target, _r = await folder_in(ctx.db, reader.actor, body.parent_id)
        if target.group_id != folder.group_id or target.org_id != folder.org_id:
            raise ValidationFailed(fields={"parent_id": "other_shelf"})
        up: int | None = target.id
        while up is not None:  # the target's ancestors must not include the folder
            if up == folder.id:
                raise Conflict("folder_cycle")
            up = (await ctx.db.execute(select(MaterialFolder.parent_id).where(
                MaterialFolder.id == up))).scalar_one_or_none()
        if await _depth(ctx, target) >= MAX_DEPTH:
            raise ValidationFailed("folders_too_deep", fields={"parent_id": "too_deep"})
        folder.parent_id = target.id
    await ctx.db.flush()
    ctx.audit("material.folder_changed", folder.org_id, "material_folder", folder.id,
              parent_id=folder.parent_id)
    return FolderOut(id=folder.id, name=folder.name, group_id=folder.group_id,
                     parent_id=folder.parent_id, can_manage=True)


async def delete_folder(ctx: Ctx, folder_id: int, confirm: bool) -> int:
    """Delete a folder. One with anything in it only when ``confirm``: then everything in it
    goes too (its files after the commit). Returns how many materials went."""
    folder, _reader = await _managed(ctx, folder_id)
    tree, frontier = [folder.id], [folder.id]
    while frontier:
        frontier = list((await ctx.db.execute(select(MaterialFolder.id).where(
            MaterialFolder.parent_id.in_(frontier)))).scalars())
        tree += frontier
    inside = list((await ctx.db.execute(select(Material).where(
        Material.folder_id.in_(tree)))).scalars())
    if (inside or len(tree) > 1) and not confirm:
        raise Conflict("folder_not_empty", params={"count": len(inside)})
    for m in inside:
        await _drop_material(ctx, m)
    await ctx.db.delete(folder)
    await ctx.db.flush()
    ctx.audit("material.folder_deleted", folder.org_id, "material_folder", folder.id,
              materials=len(inside))
    return len(inside)


# Materials -----------------------------------------------------------------------------------

async def _check_new(ctx: Ctx, org_id: int, body: MaterialIn) -> Reader:
    reader = await _reader(ctx, org_id)
    await _may_publish(ctx, reader, body.group_id, body.subject)
    await _folder_on(ctx, reader, body.folder_id, body.group_id)
    if not (body.for_staff or body.for_students or body.for_parents):
        raise ValidationFailed(fields={"for_staff": "no_audience"})
    return reader


def _material(reader: Reader, body: MaterialIn, kind: str, searchable: str | None) -> Material:
    now = utcnow()
    return Material(org_id=reader.org_id, group_id=body.group_id, subject=body.subject,
                    folder_id=body.folder_id, kind=kind, title=body.title,
                    description=body.description, for_staff=body.for_staff,
                    for_students=body.for_students, for_parents=body.for_parents,
                    created_by=reader.actor.user_id, created_at=now, updated_at=now,
                    search_stems=_stems(body.title, body.description, searchable))


async def create_article(ctx: Ctx, org_id: int, body: ArticleIn) -> MaterialOut:
    """An article written in the browser: its Markdown rendered and sanitized once, here."""
    reader = await _check_new(ctx, org_id, body)
    m = _material(reader, body, "article", body.body)
    ctx.db.add(m)
    await ctx.db.flush()
    await _add_version(ctx, m, MaterialVersion(body=body.body, html=articles.render(body.body)))
    ctx.audit("material.published", m.org_id, "material", m.id, kind="article",
              group_id=m.group_id)
    await _told(ctx, m, "published")
    return await _answer(ctx, m, reader)


async def _stored(ctx: Ctx, org_id: int, filename: str, data: bytes) -> MaterialVersion:
    """The file made safe and stored the one way every upload is (``store_upload``: outside any
    transaction, ``ctx`` reads only and its read ends here); a version row not yet added."""
    stored = await store_upload(ctx, f"org{org_id}/materials", filename, data)
    return MaterialVersion(file_kind=stored.kind, mime=stored.mime, name=stored.name,
                           size=stored.size, storage_key=stored.storage_key,
                           thumb_key=stored.thumb_key, width=stored.width, height=stored.height)


async def _forget(ctx: Ctx, version: MaterialVersion) -> None:
    for key in (version.storage_key, version.thumb_key):
        if key:
            try:
                await ctx.services.storage.delete(key)
            except Exception:  # the refusal stands either way; the object is logged
                log.warning("could not delete stored object %s", key, exc_info=True)


async def upload_material(ctx: Ctx, org_id: int, body: MaterialIn, filename: str,
                          data: bytes) -> MaterialOut:
    """A file for the library. ``ctx`` must be a reading one (the route's): the slow part
    runs after its transaction ends; the row is written in a short one that asks again."""
    if len(data) > upload_limit(ctx):
        raise TooLarge()
    await _check_new(ctx, org_id, body)
    version = await _stored(ctx, org_id, filename, data)
    try:
        async with unit_of_work(ctx.services, **ctx.caller()) as w:
            reader = await _check_new(w, org_id, body)
            m = _material(reader, body, "file", None)
            w.db.add(m)
            await w.db.flush()
            await _add_version(w, m, version)
            w.audit("material.published", m.org_id, "material", m.id, kind="file",
                    group_id=m.group_id, mime=version.mime)
            await _told(w, m, "published")
            return await _answer(w, m, reader)
    except BaseException:
        await _forget(ctx, version)
        raise


async def upload_version(ctx: Ctx, material_id: int, filename: str, data: bytes) -> MaterialOut:
    """A new version of a file; the old ones stay."""
    if len(data) > upload_limit(ctx):
        raise TooLarge()
    m, _reader = await _editable(ctx, material_id)
    if m.kind != "file":
        raise Conflict("not_a_file")
    org_id = m.org_id
    version = await _stored(ctx, org_id, filename, data)
    try:
        async with unit_of_work(ctx.services, **ctx.caller()) as w:
            m, reader = await _editable(w, material_id)
            await _add_version(w, m, version)
            w.audit("material.version_added", m.org_id, "material", m.id, mime=version.mime)
            await _told(w, m, "changed")
            return await _answer(w, m, reader)
    except BaseException:
        await _forget(ctx, version)
        raise


async def edit_material(ctx: Ctx, material_id: int, body: MaterialPatch) -> MaterialOut:
    """Change what is said of a material, where it lies, who reads it; a new text of an
    article is a new version."""
    m, reader = await _editable(ctx, material_id)
    before = await readers(ctx, m)
    if body.body is not None and m.kind != "article":
        raise ValidationFailed(fields={"body": "not_an_article"})
    if body.to_top:
        m.folder_id = None
    elif body.folder_id is not None:
        m.folder_id = (await _folder_on(ctx, reader, body.folder_id, m.group_id) or m).id
    for name in ("title", "description", "for_staff", "for_students", "for_parents"):
        value = getattr(body, name)
        if value is not None:
            setattr(m, name, value)
    if not (m.for_staff or m.for_students or m.for_parents):
        raise ValidationFailed(fields={"for_staff": "no_audience"})
    text = None
    if m.kind == "article":
        current = await ctx.db.get(MaterialVersion, m.current_version_id)
        text = current.body if current else None
        if body.body is not None and body.body != text:
            text = body.body
            await _add_version(ctx, m, MaterialVersion(body=text, html=articles.render(text)))
    m.search_stems = _stems(m.title, m.description, text)
    m.updated_at = utcnow()
    await ctx.db.flush()
    ctx.audit("material.changed", m.org_id, "material", m.id)
    await _told(ctx, m, "changed", before)
    return await _answer(ctx, m, reader)


async def restore_version(ctx: Ctx, material_id: int, version_id: int) -> MaterialOut:
    """Bring an older version back, as a new version (the history keeps every step)."""
    m, reader = await _editable(ctx, material_id)
    old = (await ctx.db.execute(select(MaterialVersion).where(
        MaterialVersion.id == version_id, MaterialVersion.material_id == m.id))).scalar_one_or_none()
    if old is None:
        raise NotFound()
    if old.id == m.current_version_id:
        raise Conflict("version_current")
    copy = MaterialVersion(
        restored_from=old.number, file_kind=old.file_kind, mime=old.mime, name=old.name,
        size=old.size, storage_key=old.storage_key, thumb_key=old.thumb_key, width=old.width,
        height=old.height, body=old.body, html=old.html)
    await _add_version(ctx, m, copy)
    if m.kind == "article":
        m.search_stems = _stems(m.title, m.description, old.body)
    ctx.audit("material.version_restored", m.org_id, "material", m.id, number=old.number)
    await _told(ctx, m, "changed")
    return await _answer(ctx, m, reader)


async def verify_material(ctx: Ctx, material_id: int, verified: bool) -> MaterialOut:
    """«Проверено»: the administration vouches for a material (R38's verified content)."""
    m, reader = await material_in(ctx.db, ctx.require_actor(), material_id)
    require(reader.actor, Action.material_verify, reader.scope.org)
    if verified and m.verified_at is None:
        m.verified_at, m.verified_by = utcnow(), reader.actor.user_id
    elif not verified and m.verified_at is not None:
        m.verified_at, m.verified_by = None, None
    else:
        return await _answer(ctx, m, reader)
    await ctx.db.flush()
    ctx.audit("material.verified" if verified else "material.unverified", m.org_id,
              "material", m.id)
    await _told(ctx, m, "verified")
    return await _answer(ctx, m, reader)


async def _drop_material(ctx: Ctx, m: Material) -> None:
    """Delete a material and, after the commit, the files no other version points at."""
    keys = {k for row in (await ctx.db.execute(select(
        MaterialVersion.storage_key, MaterialVersion.thumb_key).where(
        MaterialVersion.material_id == m.id))).all() for k in row if k}
    ctx.emit(MaterialChanged(org_id=m.org_id, material_id=m.id, change="deleted"),
             await readers(ctx, m))
    await ctx.db.delete(m)
    services = ctx.services

    async def forget_files() -> None:
        for key in sorted(keys):
            try:
                await services.storage.delete(key)
            except Exception:  # the row is gone either way; the object is logged
                log.warning("could not delete stored object %s", key, exc_info=True)

    ctx.after_commit.append(forget_files)


async def delete_material(ctx: Ctx, material_id: int) -> None:
    m, _reader = await _editable(ctx, material_id)
    await _drop_material(ctx, m)
    await ctx.db.flush()
    ctx.audit("material.deleted", m.org_id, "material", m.id)


# Into a chat ---------------------------------------------------------------------------------

async def share_material(ctx: Ctx, material_id: int, chat_id: int) -> SharedOut:
    """A card of the material in a chat: the message carries only the material's id, so a
    member who may not read the material learns nothing of it (not even its title)."""
    m, _reader = await material_in(ctx.db, ctx.require_actor(), material_id)
    actor = ctx.require_actor()
    scope = await chat_for(ctx.db, actor, chat_id)
    if scope.chat.org_id != m.org_id:
        raise NotFound()  # a card from another school's library would be no one's to open
    require_chat(scope.chat, scope.member, ChatAction.post)
    await require_not_blocked(ctx.db, scope.chat, actor.user_id)
    await require_consent(ctx.db, scope, Purpose.chats)
    chat = scope.chat
    msg = Message(chat_id=chat.id, author_id=actor.user_id, kind="material",
                  body=t(ctx.settings.default_language, "materials.card_preview"),
                  meta={"material_id": m.id}, created_at=utcnow())
    ctx.db.add(msg)
    await ctx.db.flush()
    await publish_message(ctx, chat, scope.member, msg, [])
    ctx.audit("material.shared", m.org_id, "material", m.id, chat_id=chat.id)
    return SharedOut(chat_id=chat.id, message_id=msg.id)
