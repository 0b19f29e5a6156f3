"""Photos and files in a chat: checked by content, cleaned of location, served to members only."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from parta.actions import attachments
from parta.actions.base import unit_of_work
from parta.errors import TooLarge
from parta.models import User
from parta.queries.actors import load_actor
from tests.api.test_chats import joined, make_class_chat
from tests.conftest import World, error_code
from tests.helpers import API


def photo_with_location() -> bytes:
    img = Image.new("RGB", (640, 480), (200, 120, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotated
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (55.0, 45.0, 0.0)
    gps[3], gps[4] = "E", (37.0, 37.0, 0.0)
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


async def test_a_photo_reaches_the_class_without_its_location(world: World) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    raw = photo_with_location()
    assert b"Exif" in raw
    r = await anna.post(f"{API}/chats/{chat['id']}/attachments",
                        files={"file": ("экскурсия.JPG", raw, "image/jpeg")})
    assert r.status_code == 201, r.text
    att = r.json()
    assert att["kind"] == "photo" and att["name"] == "экскурсия.jpg" and att["has_thumb"]
    assert (att["width"], att["height"]) == (480, 640)  # turned upright
    r = await anna.post(f"{API}/chats/{chat['id']}/messages",
                        json={"body": "", "attachment_ids": [att["id"]]})
    assert r.status_code == 200 and r.json()["attachments"][0]["id"] == att["id"]
    page = (await masha.get(f"{API}/chats/{chat['id']}/messages")).json()["messages"]
    assert page[0]["attachments"][0]["url"] == f"/api/v1/attachments/{att['id']}"
    got = await masha.get(att["url"])
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("inline; filename*=UTF-8''")
    with Image.open(io.BytesIO(got.content)) as img:
        assert not img.getexif() and "exif" not in img.info
    thumb = await masha.get(att["thumb_url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"


async def test_files_are_for_the_chats_members_only(world: World) -> None:
    anna, chat = await make_class_chat(world)
    await joined(world, "student", chat["id"])
    r = await anna.post(f"{API}/chats/{chat['id']}/attachments",
                        files={"file": ("план.pdf", b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "application/pdf")})
    assert r.status_code == 201, r.text
    att = r.json()
    masha = await world.as_("student")
    assert (await masha.get(att["url"])).status_code == 404  # not sent yet: the uploader's only
    await anna.post(f"{API}/chats/{chat['id']}/messages",
                    json={"body": "План урока", "attachment_ids": [att["id"]]})
    got = await masha.get(att["url"])
    assert got.status_code == 200 and got.headers["content-disposition"].startswith("attachment;")
    parent = await world.as_("parent")  # not in the class chat
    assert (await parent.get(att["url"])).status_code == 404


async def test_wrong_types_and_sizes_are_refused(world: World) -> None:
    anna, chat = await make_class_chat(world)
    url = f"{API}/chats/{chat['id']}/attachments"
    for name, data in (("photo.jpg", b"\x7fELF\x02\x01\x01" + b"\x00" * 64),
                       ("page.jpg", b"<html><script>alert(1)</script></html>"),
                       ("broken.jpg", photo_with_location()[:200])):
        r = await anna.post(url, files={"file": (name, data, "image/jpeg")})
        assert (r.status_code, error_code(r)) == (422, "unsupported_type"), name
    world.services.settings.attachment_max_document_mb = 1
    r = await anna.post(url, files={"file": ("a.txt", b"a" * (1024 * 1024 + 10), "text/plain")})
    assert (r.status_code, error_code(r)) == (413, "file_too_large")
    assert "1 МБ" in r.json()["error"]["message"]
    masha = await world.as_("student")  # invited, not joined
    r = await masha.post(url, files={"file": ("a.txt", b"hello", "text/plain")})
    assert r.status_code == 404


async def test_someone_elses_upload_cannot_be_sent(world: World) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    att = (await anna.post(f"{API}/chats/{chat['id']}/attachments",
                           files={"file": ("a.txt", b"hello", "text/plain")})).json()
    r = await masha.post(f"{API}/chats/{chat['id']}/messages",
                         json={"body": "моё", "attachment_ids": [att["id"]]})
    assert r.status_code == 422 and "attachment_ids" in r.json()["error"]["fields"]


async def test_the_chat_list_and_search_show_a_messages_files(world: World) -> None:
    anna, chat = await make_class_chat(world)
    att = (await anna.post(f"{API}/chats/{chat['id']}/attachments",
                           files={"file": ("план.txt", "План экскурсии".encode(), "text/plain")})).json()
    await anna.post(f"{API}/chats/{chat['id']}/messages",
                    json={"body": "План экскурсии во вложении", "attachment_ids": [att["id"]]})
    listing = {c["id"]: c for c in (await anna.get(f"{API}/chats")).json()["chats"]}
    assert [a["id"] for a in listing[chat["id"]]["last_message"]["attachments"]] == [att["id"]]
    found = (await anna.get(f"{API}/search", params={"q": "вложении"})).json()["results"]
    assert [a["id"] for a in found[0]["attachments"]] == [att["id"]]
    assert found[0]["author"]["verified_teacher"] is True


async def test_unsent_uploads_are_forgotten_after_a_day(world: World) -> None:
    from datetime import timedelta

    from sqlalchemy import select, update

    from parta.actions.attachments import prune_unsent
    from parta.db import utcnow
    from parta.models import Attachment

    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    url = f"{API}/chats/{chat['id']}/attachments"

    async def upload(c: Any, name: str) -> dict[str, Any]:
        r = await c.post(url, files={"file": (name, photo_with_location(), "image/jpeg")})
        assert r.status_code == 201, r.text
        return dict(r.json())

    left, sent = await upload(anna, "left.jpg"), await upload(anna, "sent.jpg")
    waiting, fresh = await upload(masha, "waiting.jpg"), await upload(anna, "fresh.jpg")
    r = await anna.post(f"{API}/chats/{chat['id']}/messages",
                        json={"body": "Фото", "attachment_ids": [sent["id"]]})
    assert r.status_code == 200
    # Маша's photo waits with her held message for a moderator (the class chat holds).
    r = await masha.post(f"{API}/chats/{chat['id']}/messages",
                         json={"body": "ты дурак", "attachment_ids": [waiting["id"]]})
    assert r.status_code == 202, r.text
    async with world.services.sessionmaker() as db:
        await db.execute(update(Attachment).where(Attachment.id != fresh["id"])
                         .values(created_at=utcnow() - timedelta(hours=25)))
        await db.commit()
        keys = dict((await db.execute(select(Attachment.id, Attachment.storage_key))).all())
    storage = world.services.storage
    assert await prune_unsent(world.services, utcnow() - timedelta(hours=24)) == 1
    async with world.services.sessionmaker() as db:
        remaining = set((await db.execute(select(Attachment.id))).scalars())
    assert remaining == {sent["id"], waiting["id"], fresh["id"]}
    assert not await storage.exists(keys[left["id"]])
    assert not await storage.exists(keys[left["id"]] + "-thumb")
    for kept in (sent, waiting, fresh):
        assert await storage.exists(keys[kept["id"]])
    assert (await anna.get(left["url"])).status_code == 404
    assert await prune_unsent(world.services, utcnow() - timedelta(hours=24)) == 0


class _Stream:
    """An upload being received: it hands out what is asked and notes how much that was."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.asked: list[int] = []

    async def read(self, size: int = -1) -> bytes:
        self.asked.append(size)
        return b"a" * min(self.size, size)


async def test_the_upload_limit_is_the_actions_rule(world: World) -> None:
    """Past the largest file any kind allows, an upload is cut off after one byte more than
    the limit and refused, before its kind is looked at; the action refuses it too."""
    for kind in ("photo", "audio", "video", "document"):
        setattr(world.services.settings, f"attachment_max_{kind}_mb", 1)
    anna, chat = await make_class_chat(world)
    async with unit_of_work(world.services, read_only=True, **await _caller(world)) as ctx:
        limit = attachments.upload_limit(ctx)
        assert limit == 1024 * 1024
        huge = _Stream(10 * limit)
        with pytest.raises(TooLarge):
            await attachments.receive(ctx, huge)
        assert huge.asked == [limit + 1]  # never the whole of it
        assert await attachments.receive(ctx, _Stream(limit)) == b"a" * limit
        with pytest.raises(TooLarge):
            await attachments.upload(ctx, chat["id"], "a.txt", b"a" * (limit + 1))
    r = await anna.post(f"{API}/chats/{chat['id']}/attachments",
                        files={"file": ("a.txt", b"a" * (limit + 1), "text/plain")})
    assert (r.status_code, error_code(r)) == (413, "too_large")


async def _caller(world: World) -> dict[str, Any]:
    async with world.services.sessionmaker() as db:
        user = await db.get_one(User, await world.user_id("teacher"))
        return {"user": user, "actor": await load_actor(db, user)}
