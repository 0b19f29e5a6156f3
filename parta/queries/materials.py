"""Reads of the materials library (R36): who may see which shelf, folder and material, the
library as one person sees it, a material's versions, search with Russian word forms.

A reader sees the school's shelf and the shelves of their classes: a teacher the classes they
teach, a pupil their own class, a parent their children's classes; the administration every
shelf. Within a shelf a material is read by the roles its audience names. Anything else —
another class's material, another school's — does not exist for them (``NotFound``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from parta.errors import Forbidden, NotFound
from parta.models import (
    ADMIN_ROLES,
    STAFF_ROLES,
    Group,
    GroupKind,
    GroupMember,
    GroupTeacher,
    Material,
    MaterialFolder,
    MaterialVersion,
    ParentLink,
    ParentLinkStatus,
    Role,
)
from parta.policy import Action, Actor, can
from parta.queries.people import persons
from parta.queries.scope import OrgScope, org_for
from parta.schemas.common import Person, Ref
from parta.schemas.materials import (
    FileOut,
    FolderOut,
    LibraryOut,
    MaterialOut,
    ShelfOut,
    VersionOut,
    VersionsOut,
)
from parta.search import stems

__all__ = ["Reader", "folder_in", "folder_out", "library", "material_in", "material_outs",
           "publish_refusal", "reader_of", "search_terms", "shelf_groups", "version_in",
           "versions"]

MAX_LISTED = 200
MAX_TERMS = 12


@dataclass(frozen=True, slots=True)
class Reader:
    """What decides what one person reads in one school's library."""

    scope: OrgScope
    admin: bool  # the administration: every shelf, every material
    staff: bool
    student: bool
    parent: bool
    taught: frozenset[int]  # classes the caller teaches
    own: frozenset[int]  # the caller's own class(es), as a pupil
    children: frozenset[int]  # their children's classes, as a parent

    @property
    def actor(self) -> Actor:
        return self.scope.actor

    @property
    def org_id(self) -> int:
        return self.scope.org.id

    @property
    def shelves(self) -> frozenset[int]:
        return self.taught | self.own | self.children


async def reader_of(db: AsyncSession, scope: OrgScope) -> Reader:
    actor, org_id = scope.actor, scope.org.id
    roles = actor.roles_in(org_id)
    classes = select(Group.id).where(Group.org_id == org_id, Group.kind == GroupKind.class_,
                                     Group.archived_at.is_(None))
    own: frozenset[int] = frozenset()
    children: frozenset[int] = frozenset()
    if Role.student in roles:
        own = frozenset((await db.execute(select(GroupMember.group_id).where(
            GroupMember.user_id == actor.user_id, GroupMember.group_id.in_(classes)))).scalars())
    if Role.parent in roles:
        kids = select(ParentLink.child_id).where(
            ParentLink.org_id == org_id, ParentLink.parent_id == actor.user_id,
            ParentLink.status == ParentLinkStatus.confirmed, ParentLink.child_id.is_not(None))
        children = frozenset((await db.execute(select(GroupMember.group_id).where(
            GroupMember.user_id.in_(kids), GroupMember.group_id.in_(classes)))).scalars())
    taught = frozenset((await db.execute(classes.where(
        Group.id.in_(actor.teaches)))).scalars()) if Role.teacher in roles else frozenset()
    return Reader(scope, admin=bool(roles & ADMIN_ROLES), staff=bool(roles & STAFF_ROLES),
                  student=Role.student in roles, parent=Role.parent in roles,
                  taught=taught, own=own, children=children)


def _visible(r: Reader) -> ColumnElement[bool]:
    """The materials ``r`` may read, as a condition."""
    if r.admin:
        return Material.org_id == r.org_id
    seen: list[ColumnElement[bool]] = [Material.created_by == r.actor.user_id]
    if r.staff:
        seen += [and_(Material.group_id.is_(None), Material.for_staff),
                 Material.group_id.in_(r.taught)]
    if r.student:
        seen.append(and_(Material.for_students, or_(Material.group_id.is_(None),
                                                    Material.group_id.in_(r.own))))
    if r.parent:
        seen.append(and_(Material.for_parents, or_(Material.group_id.is_(None),
                                                   Material.group_id.in_(r.children))))
    return and_(Material.org_id == r.org_id, or_(*seen))


def _folder_visible(r: Reader) -> ColumnElement[bool]:
    shelf = true() if r.admin else or_(MaterialFolder.group_id.is_(None),
                                       MaterialFolder.group_id.in_(r.shelves))
    return and_(MaterialFolder.org_id == r.org_id, shelf)


async def _scope(db: AsyncSession, actor: Actor, org_id: int) -> Reader:
    return await reader_of(db, await org_for(db, actor, org_id, Action.material_view))


async def material_in(db: AsyncSession, actor: Actor, material_id: int) -> tuple[Material, Reader]:
    """A material for those who may read it; to anyone else it does not exist."""
    found = await db.get(Material, material_id)
    if found is None:
        raise NotFound()
    reader = await _scope(db, actor, found.org_id)
    seen = (await db.execute(select(Material).where(
        Material.id == material_id, _visible(reader)))).scalar_one_or_none()
    if seen is None:
        raise NotFound()
    return seen, reader


async def folder_in(db: AsyncSession, actor: Actor, folder_id: int) -> tuple[MaterialFolder, Reader]:
    """A folder for those who see its shelf."""
    found = await db.get(MaterialFolder, folder_id)
    if found is None:
        raise NotFound()
    reader = await _scope(db, actor, found.org_id)
    seen = (await db.execute(select(MaterialFolder).where(
        MaterialFolder.id == folder_id, _folder_visible(reader)))).scalar_one_or_none()
    if seen is None:
        raise NotFound()
    return seen, reader


async def shelf_groups(db: AsyncSession, reader: Reader) -> list[Group]:
    """The classes whose shelves ``reader`` sees, by name."""
    q = select(Group).where(Group.org_id == reader.org_id, Group.kind == GroupKind.class_,
                            Group.archived_at.is_(None))
    if not reader.admin:
        q = q.where(Group.id.in_(reader.shelves))
    return list((await db.execute(q.order_by(Group.grade, Group.name))).scalars())


async def _subjects(db: AsyncSession, reader: Reader, group_id: int) -> list[str]:
    return sorted(set((await db.execute(select(GroupTeacher.subject).where(
        GroupTeacher.group_id == group_id,
        GroupTeacher.user_id == reader.actor.user_id))).scalars()))


async def publish_refusal(db: AsyncSession, reader: Reader, group_id: int | None,
                          subject: str | None) -> str | None:
    """Why ``reader`` may not publish on this shelf for ``subject`` (a refusal code), or None.
    The school's shelf is the administration's; a class's, also its class teacher's, and a
    subject teacher's for their subject (``subject`` None: for any of theirs — a class's
    folders are kept by all who publish there)."""
    actor, org = reader.actor, reader.scope.org
    if not reader.staff:
        return "may_not_publish"
    if group_id is None:
        return None if can(actor, Action.material_publish, org) else "may_not_publish_school"
    if not can(actor, Action.material_publish_class, org, group_id):
        return "not_your_class"
    if can(actor, Action.material_publish, org) or group_id in actor.leads:
        return None
    mine = {s.casefold() for s in await _subjects(db, reader, group_id)}
    if subject is None:
        return None if mine else "not_your_subject"
    return None if subject.casefold() in mine else "not_your_subject"


async def _shelf(db: AsyncSession, reader: Reader, group: Group | None) -> ShelfOut:
    if group is None:
        return ShelfOut(group=None, can_publish=await publish_refusal(db, reader, None, "") is None)
    lead = reader.admin or group.id in reader.actor.leads
    subjects = [] if lead else await _subjects(db, reader, group.id)
    may = reader.staff and (lead or bool(subjects)) and can(
        reader.actor, Action.material_publish_class, reader.scope.org, group.id)
    return ShelfOut(group=Ref(id=group.id, name=group.name), can_publish=may, subjects=subjects)


def folder_out(folder: MaterialFolder, may_manage: bool) -> FolderOut:
    return FolderOut(id=folder.id, name=folder.name, group_id=folder.group_id,
                     parent_id=folder.parent_id, can_manage=may_manage)


def _version_out(v: MaterialVersion, people: dict[int, Person]) -> VersionOut:
    file = None
    if v.storage_key is not None:
        file = FileOut(kind=v.file_kind or "document", mime=v.mime or "", name=v.name or "",
                       size=v.size or 0, width=v.width, height=v.height,
                       thumbnail=v.thumb_key is not None)
    return VersionOut(id=v.id, number=v.number, created_at=v.created_at,
                      created_by=people.get(v.created_by) if v.created_by else None,
                      restored_from=v.restored_from, file=file, html=v.html)


async def material_outs(db: AsyncSession, reader: Reader,
                        found: Sequence[Material]) -> list[MaterialOut]:
    if not found:
        return []
    current = {v.id: v for v in (await db.execute(select(MaterialVersion).where(
        MaterialVersion.id.in_([m.current_version_id for m in found])))).scalars()}
    groups = {g.id: g for g in (await db.execute(select(Group).where(
        Group.id.in_({m.group_id for m in found if m.group_id})))).scalars()}
    people = await persons(db, reader.org_id, [
        p for m in found for p in (m.created_by, m.verified_by,
                                   current[m.current_version_id].created_by
                                   if m.current_version_id in current else None)])
    verify = can(reader.actor, Action.material_verify, reader.scope.org)
    out = []
    rights: dict[tuple[int | None, str], bool] = {}  # a shelf and subject asked about once
    for m in found:
        version = current.get(m.current_version_id or 0)
        if version is None:
            continue  # being written by another transaction
        group = groups.get(m.group_id or 0)
        where = (m.group_id, m.subject.casefold())
        if where not in rights:
            rights[where] = await publish_refusal(db, reader, m.group_id, m.subject) is None
        may_edit = rights[where]
        out.append(MaterialOut(
            id=m.id, kind=m.kind, title=m.title, description=m.description,
            group=Ref(id=group.id, name=group.name) if group else None, subject=m.subject,
            folder_id=m.folder_id, for_staff=m.for_staff, for_students=m.for_students,
            for_parents=m.for_parents, verified=m.verified_at is not None,
            verified_at=m.verified_at,
            verified_by=people.get(m.verified_by) if m.verified_by else None,
            created_by=people.get(m.created_by) if m.created_by else None,
            created_at=m.created_at, updated_at=m.updated_at,
            version=_version_out(version, people),
            body=version.body if may_edit and m.kind == "article" else None,
            can_edit=may_edit, can_verify=verify))
    return out


def search_terms(query: str) -> list[str]:
    return [t for t in stems(query) if t][:MAX_TERMS]


async def library(db: AsyncSession, reader: Reader, *, group_id: int | None = None,
                  folder_id: int | None = None, verified: bool = False,
                  query: str = "") -> LibraryOut:
    """One shelf's folder as ``reader`` sees it — or, with ``query``, the materials they may
    read that match it on any shelf (by Russian or English word forms)."""
    groups = await shelf_groups(db, reader)
    shelves = [await _shelf(db, reader, None)] + [await _shelf(db, reader, g) for g in groups]
    by_group = {s.group.id if s.group else None: s for s in shelves}
    folder: MaterialFolder | None = None
    if folder_id is not None:
        folder = (await db.execute(select(MaterialFolder).where(
            MaterialFolder.id == folder_id, _folder_visible(reader)))).scalar_one_or_none()
        if folder is None:
            raise NotFound()
        group_id = folder.group_id
    if group_id not in by_group:
        raise NotFound()
    shelf = by_group[group_id]
    q = select(Material).where(_visible(reader))
    if verified:
        q = q.where(Material.verified_at.is_not(None))
    terms = search_terms(query)
    path: list[FolderOut] = []
    folders: list[FolderOut] = []
    manage = shelf.can_publish
    if query.strip():
        cond = [Material.search_stems.contains(" " + t, autoescape=True) for t in terms]
        q = q.where(and_(*cond) if cond else false())
        folder = None
    else:
        q = q.where(Material.group_id.is_(None) if group_id is None
                    else Material.group_id == group_id)
        q = q.where(Material.folder_id.is_(None) if folder is None
                    else Material.folder_id == folder.id)
        fq = select(MaterialFolder).where(
            _folder_visible(reader),
            MaterialFolder.group_id.is_(None) if group_id is None
            else MaterialFolder.group_id == group_id,
            MaterialFolder.parent_id.is_(None) if folder is None
            else MaterialFolder.parent_id == folder.id).order_by(MaterialFolder.name)
        folders = [folder_out(f, manage) for f in (await db.execute(fq)).scalars()]
        up = folder.parent_id if folder else None
        while up is not None and len(path) < 50:
            parent = await db.get(MaterialFolder, up)
            if parent is None:
                break
            path.insert(0, folder_out(parent, manage))
            up = parent.parent_id
    found = list((await db.execute(q.order_by(Material.updated_at.desc(), Material.id.desc())
                                   .limit(MAX_LISTED))).scalars())
    return LibraryOut(shelves=shelves, shelf=shelf,
                      folder=folder_out(folder, manage) if folder else None, path=path,
                      folders=folders, materials=await material_outs(db, reader, found),
                      can_verify=can(reader.actor, Action.material_verify, reader.scope.org),
                      query=query.strip() if query.strip() else "")


async def versions(db: AsyncSession, reader: Reader, material: Material) -> VersionsOut:
    """Every version, newest first — for those who may publish the material."""
    if await publish_refusal(db, reader, material.group_id, material.subject) is not None:
        raise Forbidden("may_not_publish")
    rows = list((await db.execute(select(MaterialVersion).where(
        MaterialVersion.material_id == material.id).order_by(
        MaterialVersion.number.desc()))).scalars())
    people = await persons(db, reader.org_id, [v.created_by for v in rows])
    return VersionsOut(material_id=material.id, current_version_id=material.current_version_id or 0,
                       versions=[_version_out(v, people) for v in rows])



async def version_in(db: AsyncSession, material: Material, version_id: int) -> MaterialVersion:
    """One version of a material the caller reads (``material_in`` asked)."""
    found = (await db.execute(select(MaterialVersion).where(
        MaterialVersion.id == version_id,
        MaterialVersion.material_id == material.id))).scalar_one_or_none()
    if found is None:
        raise NotFound()
    return found
