"""The materials library (R36): requests and answers; ``MaterialChanged`` carries no more
than an id (each reader may see a different part of the library, so each fetches)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, StringConstraints

from parta.schemas.common import BodyId, CleanName, LongText, Name, Person, Ref, Strict
from parta.services.articles import MAX_ARTICLE_CHARS

__all__ = ["ArticleIn", "ArticlePreview", "FileOut", "FolderIn", "FolderOut", "FolderPatch",
           "LibraryOut", "MaterialIn", "MaterialOut", "MaterialPatch", "PreviewIn", "ShareIn",
           "SharedOut", "ShelfOut", "VerifyIn", "VersionOut", "VersionsOut"]

FolderName = Annotated[str, CleanName, StringConstraints(strip_whitespace=True, min_length=1,
                                                         max_length=120)]
Subject = Annotated[str, CleanName, StringConstraints(strip_whitespace=True, max_length=100)]
ArticleText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ARTICLE_CHARS)]


class FolderIn(Strict):
    """A folder on the school's shelf (no ``group_id``) or a class's, in ``parent_id`` or at
    the top."""

    name: FolderName
    group_id: BodyId | None = None
    parent_id: BodyId | None = None


class FolderPatch(Strict):
    """Rename, or move into ``parent_id`` (``to_top``: to the top of its shelf)."""

    name: FolderName | None = None
    parent_id: BodyId | None = None
    to_top: bool = False


class FolderOut(BaseModel):
    id: int
    name: str
    group_id: int | None
    parent_id: int | None
    can_manage: bool = False  # the caller may rename, move, delete it and publish in it


class MaterialIn(Strict):
    """What is said of a material besides its file or text: where it lies and who reads it."""

    title: Name
    description: LongText = ""
    group_id: BodyId | None = None  # None: the school's shelf
    subject: Subject = ""
    folder_id: BodyId | None = None
    for_staff: bool = True
    for_students: bool = True
    for_parents: bool = True


class ArticleIn(MaterialIn):
    body: ArticleText  # Markdown


class MaterialPatch(Strict):
    """What changes; a missing field stays. A new ``body`` is a new version of an article."""

    title: Name | None = None
    description: LongText | None = None
    body: ArticleText | None = None
    folder_id: BodyId | None = None
    to_top: bool = False
    for_staff: bool | None = None
    for_students: bool | None = None
    for_parents: bool | None = None


class FileOut(BaseModel):
    kind: str  # photo | audio | video | document (from its bytes)
    mime: str
    name: str
    size: int
    width: int | None = None
    height: int | None = None
    thumbnail: bool = False  # a picture has one (GET .../thumb)


class VersionOut(BaseModel):
    id: int
    number: int
    created_by: Person | None
    created_at: dt.datetime
    restored_from: int | None = None  # the number of the version it brought back
    file: FileOut | None = None
    html: str | None = None  # an article's text, rendered and sanitized


class MaterialOut(BaseModel):
    id: int
    kind: str  # file | article
    title: str
    description: str
    group: Ref | None  # the class's shelf; None: the school's
    subject: str
    folder_id: int | None
    for_staff: bool
    for_students: bool
    for_parents: bool
    verified: bool
    verified_at: dt.datetime | None = None
    verified_by: Person | None = None
    created_by: Person | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: VersionOut
    body: str | None = None  # an article's Markdown, for those who may edit it
    can_edit: bool = False
    can_verify: bool = False


class ShelfOut(BaseModel):
    """The school's shelf (``group`` None) or a class's, as the caller sees it."""

    group: Ref | None
    can_publish: bool
    subjects: list[str] = []  # a subject teacher publishes for these only; empty: any


class LibraryOut(BaseModel):
    shelves: list[ShelfOut]
    shelf: ShelfOut  # the one shown
    folder: FolderOut | None  # None: the top of the shelf
    path: list[FolderOut]  # from the top down to ``folder``'s parent
    folders: list[FolderOut]
    materials: list[MaterialOut]
    can_verify: bool
    query: str = ""  # searched: ``materials`` are the matches across every shelf


class VersionsOut(BaseModel):
    material_id: int
    current_version_id: int
    versions: list[VersionOut]  # newest first


class VerifyIn(Strict):
    verified: bool = True


class ShareIn(Strict):
    chat_id: BodyId


class SharedOut(BaseModel):
    chat_id: int
    message_id: int


class PreviewIn(Strict):
    body: ArticleText


class ArticlePreview(BaseModel):
    html: str
    page: str  # the same as a page of its own, for a sandboxed frame (``srcdoc``)
