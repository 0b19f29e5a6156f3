"""The materials library (R36): the library as one person sees it, folders, uploads, articles,
versions, «Проверено», a material's file (a video plays by HTTP ranges, a PDF opens in the
browser's own viewer, a picture has a thumbnail), and its card posted into a chat."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Header, Query, Response, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from parta.actions import attachments as attachment_actions
from parta.actions import materials as actions
from parta.api.deps import AuthCtx, AuthReadingCtx, PathId
from parta.api.errors import validation_fields
from parta.api.responses import errors, file_answer
from parta.errors import NotFound, ValidationFailed
from parta.policy import Action
from parta.queries import materials as q
from parta.queries.scope import org_for
from parta.schemas.common import Ok, PlainText
from parta.schemas.materials import (
    ArticleIn,
    ArticlePreview,
    FolderIn,
    FolderOut,
    FolderPatch,
    LibraryOut,
    MaterialIn,
    MaterialOut,
    MaterialPatch,
    PreviewIn,
    SharedOut,
    ShareIn,
    VerifyIn,
    VersionsOut,
)
from parta.services import articles, media
from parta.services.storage import ObjectNotFound

router = APIRouter(tags=["materials"])

# 403 may_not_publish (not staff), may_not_publish_school (the school's shelf is the
# administration's), not_your_class, not_your_subject; 404 not_found (also another school's);
# 409 folder_cycle, folder_not_empty, version_current, not_a_file; 413 file_too_large;
# 422 unsupported_type, other_shelf, no_audience, folders_too_deep; 429 upload_limit, uploads_busy.
WRITES = errors(401, 403, 404, 409, 413, 422)
UPLOADS = errors(401, 403, 404, 409, 413, 422, 429)
Id = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@router.get("/orgs/{org_id}/library", response_model=LibraryOut, responses=errors(401, 403, 404, 422))
async def library(org_id: PathId, ctx: AuthCtx, group_id: Id = None, folder_id: Id = None,
                  verified: bool = False,
                  q_: Annotated[PlainText, Query(alias="q", max_length=200)] = "") -> LibraryOut:
    """A shelf (the school's, or a class's with ``group_id``), in ``folder_id`` or at its top;
    ``verified``: only materials marked «Проверено»; ``q``: search every shelf the caller sees
    by word forms."""
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.material_view)
    reader = await q.reader_of(ctx.db, scope)
    return await q.library(ctx.db, reader, group_id=group_id, folder_id=folder_id,
                           verified=verified, query=q_)


@router.post("/orgs/{org_id}/material-folders", response_model=FolderOut, status_code=201,
             responses=WRITES)
async def create_folder(org_id: PathId, body: FolderIn, ctx: AuthCtx) -> FolderOut:
    return await actions.create_folder(ctx, org_id, body)


@router.patch("/material-folders/{folder_id}", response_model=FolderOut, responses=WRITES)
async def change_folder(folder_id: PathId, body: FolderPatch, ctx: AuthCtx) -> FolderOut:
    """Rename, or move within its shelf (into one of its own folders: 409 folder_cycle)."""
    return await actions.move_folder(ctx, folder_id, body)


@router.delete("/material-folders/{folder_id}", response_model=Ok,
               responses=errors(401, 403, 404, 409, 422))
async def delete_folder(folder_id: PathId, ctx: AuthCtx, confirm: bool = False) -> Ok:
    """An empty folder goes; one with anything in it only with ``confirm`` (else 409
    folder_not_empty), and everything in it with it."""
    await actions.delete_folder(ctx, folder_id, confirm)
    return Ok()


def _meta(**fields: object) -> MaterialIn:
    try:
        return MaterialIn.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        raise ValidationFailed(fields=validation_fields(exc.errors())) from None


# Reading: the action writes in a short transaction of its own, after the slow media work.
@router.post("/orgs/{org_id}/materials", response_model=MaterialOut, status_code=201,
             responses=UPLOADS)
async def upload(org_id: PathId, ctx: AuthReadingCtx, file: UploadFile,
                 title: Annotated[str, Form(max_length=1000)],
                 description: Annotated[str, Form(max_length=10000)] = "",
                 group_id: Annotated[str | None, Form(max_length=20)] = None,
                 subject: Annotated[str, Form(max_length=1000)] = "",
                 folder_id: Annotated[str | None, Form(max_length=20)] = None,
                 for_staff: Annotated[bool, Form()] = True,
                 for_students: Annotated[bool, Form()] = True,
                 for_parents: Annotated[bool, Form()] = True) -> MaterialOut:
    """A file for the library (a document, a video, a picture): its type is found from its
    bytes, its metadata stripped, a picture gets a thumbnail."""
    body = _meta(title=title, description=description, group_id=group_id or None,
                 subject=subject, folder_id=folder_id or None, for_staff=for_staff,
                 for_students=for_students, for_parents=for_parents)
    data = await attachment_actions.receive(ctx, file)
    return await actions.upload_material(ctx, org_id, body, file.filename or "", data)


@router.post("/orgs/{org_id}/articles", response_model=MaterialOut, status_code=201,
             responses=WRITES)
async def create_article(org_id: PathId, body: ArticleIn, ctx: AuthCtx) -> MaterialOut:
    """An article in Markdown, rendered on the server and sanitized."""
    return await actions.create_article(ctx, org_id, body)


@router.post("/articles/preview", response_model=ArticlePreview, responses=errors(401, 403, 413, 422))
async def preview(body: PreviewIn, ctx: AuthCtx) -> ArticlePreview:
    """What an article's Markdown will look like, rendered and sanitized as it will be stored
    (writes nothing)."""
    ctx.require_actor()
    html = articles.render(body.body)
    return ArticlePreview(html=html, page=articles.page(html, ctx.lang))


@router.get("/materials/{material_id}", response_model=MaterialOut, responses=errors(401, 404))
async def material(material_id: PathId, ctx: AuthCtx) -> MaterialOut:
    m, reader = await q.material_in(ctx.db, ctx.require_actor(), material_id)
    [out] = await q.material_outs(ctx.db, reader, [m])
    return out


@router.patch("/materials/{material_id}", response_model=MaterialOut, responses=WRITES)
async def edit(material_id: PathId, body: MaterialPatch, ctx: AuthCtx) -> MaterialOut:
    return await actions.edit_material(ctx, material_id, body)


@router.delete("/materials/{material_id}", response_model=Ok, responses=errors(401, 403, 404))
async def delete(material_id: PathId, ctx: AuthCtx) -> Ok:
    await actions.delete_material(ctx, material_id)
    return Ok()


@router.post("/materials/{material_id}/versions", response_model=MaterialOut, status_code=201,
             responses=UPLOADS)
async def new_version(material_id: PathId, ctx: AuthReadingCtx, file: UploadFile) -> MaterialOut:
    data = await attachment_actions.receive(ctx, file)
    return await actions.upload_version(ctx, material_id, file.filename or "", data)


@router.get("/materials/{material_id}/versions", response_model=VersionsOut,
            responses=errors(401, 403, 404))
async def versions(material_id: PathId, ctx: AuthCtx) -> VersionsOut:
    """Every version (who, when) — for those who may publish the material."""
    m, reader = await q.material_in(ctx.db, ctx.require_actor(), material_id)
    return await q.versions(ctx.db, reader, m)


@router.post("/materials/{material_id}/versions/{version_id}/restore", response_model=MaterialOut,
             responses=errors(401, 403, 404, 409))
async def restore(material_id: PathId, version_id: PathId, ctx: AuthCtx) -> MaterialOut:
    return await actions.restore_version(ctx, material_id, version_id)


@router.post("/materials/{material_id}/verify", response_model=MaterialOut,
             responses=errors(401, 403, 404, 413, 422))
async def verify(material_id: PathId, body: VerifyIn, ctx: AuthCtx) -> MaterialOut:
    """Mark «Проверено» (or take the mark back): the administration only."""
    return await actions.verify_material(ctx, material_id, body.verified)


@router.post("/materials/{material_id}/share", response_model=SharedOut, status_code=201,
             responses=errors(401, 403, 404, 409, 413, 422))
async def share(material_id: PathId, body: ShareIn, ctx: AuthCtx) -> SharedOut:
    """Post the material's card into a chat the caller may write in."""
    return await actions.share_material(ctx, material_id, body.chat_id)


# Files ---------------------------------------------------------------------------------------

RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one range asked for, as (first, last) byte; None for the whole file. A range that
    cannot be served is ``RangeNotSatisfiable``; several ranges are answered with the whole
    file (allowed, and no browser's player asks for them)."""
    if not header:
        return None
    found = RANGE.fullmatch(header.strip())
    if found is None:
        return None
    first, last = found.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        n = int(last)
        if n == 0:
            raise RangeNotSatisfiable(size)
        return max(size - n, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise RangeNotSatisfiable(size)
    return start, end


class RangeNotSatisfiable(Exception):
    def __init__(self, size: int) -> None:
        self.size = size


async def _slice(chunks: AsyncIterator[bytes], start: int, end: int) -> AsyncIterator[bytes]:
    """Bytes ``start``..``end`` (inclusive) of a stored object's stream."""
    at = 0
    async for chunk in chunks:
        lo, hi = at, at + len(chunk)
        at = hi
        if hi <= start:
            continue
        yield chunk[max(start - lo, 0):min(end + 1 - lo, len(chunk))]
        if hi > end:
            break


def _headers(name: str, mime: str, inline: bool) -> dict[str, str]:
    disposition = "inline" if inline else "attachment"
    headers = {"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
               "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600",
               "Accept-Ranges": "bytes"}
    if mime == "application/pdf":
        # The browser's own PDF viewer: not sandboxed (it would refuse to run), shown in a
        # frame of Parta's own pages only, and the document may fetch nothing.
        headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
        headers["X-Frame-Options"] = "SAMEORIGIN"
    else:
        headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return headers


@router.get("/materials/{material_id}/file", response_class=StreamingResponse,
            responses={**file_answer("image/*", "audio/*", "video/*", "application/*", "text/plain",
                                     description="The file (or the asked range of it: 206)"),
                       **errors(401, 404, 422)})
async def file(material_id: PathId, ctx: AuthCtx, version: Id = None,
               range_: Annotated[str | None, Header(alias="Range", max_length=200)] = None
               ) -> Response:
    """The current version's file (or ``version``'s, for those who may publish it), with HTTP
    ranges: a video plays and seeks in the browser. Pictures, recordings, videos and PDF open
    in the browser; other documents download."""
    m, reader = await q.material_in(ctx.db, ctx.require_actor(), material_id)
    wanted = m.current_version_id
    if version is not None and version != wanted:
        await q.versions(ctx.db, reader, m)  # older versions: for its publishers (else 403)
        wanted = version
    v = await q.version_in(ctx.db, m, wanted or 0)
    if v.storage_key is None or v.mime is None:
        raise NotFound()
    storage = ctx.services.storage
    try:
        size = await storage.size(v.storage_key)
        chunks = await storage.open(v.storage_key)
    except ObjectNotFound:
        raise NotFound() from None
    inline = v.file_kind in ("photo", "audio", "video") or v.mime == "application/pdf"
    headers = _headers(v.name or "file", v.mime, inline)
    try:
        asked = byte_range(range_, size)
    except RangeNotSatisfiable:
        await _close(chunks)
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    if asked is None:
        return StreamingResponse(chunks, media_type=v.mime,
                                 headers={**headers, "Content-Length": str(size)})
    start, end = asked
    return StreamingResponse(_slice(chunks, start, end), status_code=206, media_type=v.mime,
                             headers={**headers, "Content-Range": f"bytes {start}-{end}/{size}",
                                      "Content-Length": str(end - start + 1)})


async def _close(chunks: AsyncIterator[bytes]) -> None:
    close = getattr(chunks, "aclose", None)
    if close is not None:
        await close()


@router.get("/materials/{material_id}/article", response_class=Response,
            responses={**file_answer("text/html", description="The article as a page"),
                       **errors(401, 403, 404, 422)})
async def article_page(material_id: PathId, ctx: AuthCtx, version: Id = None) -> Response:
    """An article's sanitized text as a page of its own, for a sandboxed frame of Parta's
    pages: it runs nothing and fetches nothing but pictures from the web."""
    m, reader = await q.material_in(ctx.db, ctx.require_actor(), material_id)
    wanted = m.current_version_id
    if version is not None and version != wanted:
        await q.versions(ctx.db, reader, m)  # older versions: for its publishers (else 403)
        wanted = version
    v = await q.version_in(ctx.db, m, wanted or 0)
    if v.html is None:
        raise NotFound()
    return Response(articles.page(v.html, ctx.lang), media_type="text/html; charset=utf-8", headers={
        "Content-Security-Policy": articles.ARTICLE_CSP,
        "X-Frame-Options": "SAMEORIGIN", "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache"})


@router.get("/materials/{material_id}/thumb", response_class=StreamingResponse,
            responses={**file_answer(media.THUMBNAIL_MIME, description="The thumbnail"),
                       **errors(401, 404)})
async def thumb(material_id: PathId, ctx: AuthCtx) -> StreamingResponse:
    """A picture's thumbnail, made when it was uploaded."""
    m, _reader = await q.material_in(ctx.db, ctx.require_actor(), material_id)
    v = await q.version_in(ctx.db, m, m.current_version_id or 0)
    if v.thumb_key is None:
        raise NotFound()
    try:
        chunks = await ctx.services.storage.open(v.thumb_key)
    except ObjectNotFound:
        raise NotFound() from None
    return StreamingResponse(chunks, media_type=media.THUMBNAIL_MIME,
                             headers=_headers("thumb.webp", media.THUMBNAIL_MIME, True))


__all__ = ["router"]
