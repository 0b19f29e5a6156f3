"""Uploads that cannot hurt the school: a student's huge pictures never hold up a teacher's
message, pictures are weighed before they are decoded, each person uploads within limits,
and videos and voice messages reach the class without where and when they were recorded."""

from __future__ import annotations

import asyncio
import io
import json
import struct
import subprocess
import tempfile
import threading
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from parta.services import media
from parta.services.upload_gate import UploadGate
from tests.api.test_attachments import photo_with_location
from tests.api.test_chats import joined, make_class_chat
from tests.conftest import World, error_code
from tests.helpers import API


def solid_png(width: int, height: int) -> bytes:
    """A real, whole PNG of one colour: the probe's 347 KB file that decodes to gigabytes.
    Built from one compressed band of rows repeated (each ends with a full flush, so it
    stands alone), not by compressing 356 MB of zeros."""
    row = 1 + 3 * width  # a filter byte, then RGB
    band_rows = 100

    def deflated(rows: int, final: bool) -> bytes:
        z = zlib.compressobj(9, zlib.DEFLATED, -15)
        return z.compress(bytes(row * rows)) + z.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)

    bands, rest = divmod(height, band_rows)
    adler = 1
    for _ in range(bands):
        adler = zlib.adler32(bytes(row * band_rows), adler)
    adler = zlib.adler32(bytes(row * rest), adler)
    idat = (b"\x78\xda" + deflated(band_rows, False) * bands + deflated(rest, True)
            + struct.pack(">I", adler))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


class HeldPhotos:
    """Stands in for the photo decoder: each photo waits in its worker thread until the test
    lets it go, so the test sees what happens meanwhile — without any timing."""

    def __init__(self) -> None:
        self.started = 0
        self.release = threading.Event()
        self._real = media.process_image
        self._lock = threading.Lock()

    def __call__(self, data: bytes, **kw: Any) -> media.CleanImage:
        with self._lock:
            self.started += 1
        self.release.wait(60)
        return self._real(data, **kw)


@pytest.fixture
def held_photos(monkeypatch: pytest.MonkeyPatch) -> Any:
    held = HeldPhotos()
    monkeypatch.setattr(media, "process_image", held)
    yield held
    held.release.set()


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for ``condition`` (a minute at most: only a broken server takes that long)."""
    for _ in range(6000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


def upload(client: httpx.AsyncClient, chat_id: int, name: str, data: bytes,
           mime: str = "application/octet-stream") -> Any:
    return client.post(f"{API}/chats/{chat_id}/attachments", files={"file": (name, data, mime)})


# --- nobody waits for somebody else's photo --------------------------------------------------


async def test_a_teachers_message_goes_while_a_students_photos_are_decoded(
        world: World, held_photos: HeldPhotos) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    photos = [asyncio.create_task(upload(masha, chat["id"], f"{n}.jpg", photo_with_location()))
              for n in range(2)]
    await until(lambda: held_photos.started >= 1, "a photo being decoded")

    # The photos are still being worked on; the teacher's message does not wait for them
    # (it used to wait for the writer ten seconds, then fail: «database is locked»).
    r = await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Завтра экскурсия"})
    assert r.status_code == 200, r.text
    assert not any(p.done() for p in photos)
    r = await masha.post(f"{API}/chats/{chat['id']}/read", json={"message_id": r.json()["id"]})
    assert r.status_code == 200, r.text  # nor does her own next write

    held_photos.release.set()
    for done in await asyncio.gather(*photos):
        assert done.status_code == 201, done.text
    r = await masha.post(f"{API}/chats/{chat['id']}/messages",
                         json={"body": "", "attachment_ids": [p.result().json()["id"] for p in photos]})
    assert r.status_code == 200, r.text


async def test_someone_outside_the_chat_costs_no_decoding(
        world: World, held_photos: HeldPhotos) -> None:
    held_photos.release.set()
    _anna, chat = await make_class_chat(world)
    parent = await world.as_("parent")  # not in the class chat
    r = await upload(parent, chat["id"], "a.jpg", photo_with_location())
    assert r.status_code == 404
    masha = await world.as_("student")  # invited, not joined
    r = await upload(masha, chat["id"], "a.jpg", photo_with_location())
    assert r.status_code == 404
    assert held_photos.started == 0


async def test_a_photo_finished_after_its_sender_left_is_not_kept(
        world: World, held_photos: HeldPhotos) -> None:
    _anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    photo = asyncio.create_task(upload(masha, chat["id"], "1.jpg", photo_with_location()))
    await until(lambda: held_photos.started == 1, "the photo being decoded")
    r = await masha.post(f"{API}/chats/{chat['id']}/leave")
    assert r.status_code == 200, r.text
    held_photos.release.set()
    assert (await photo).status_code == 404  # checked again when the row is written
    root = world.services.storage.root  # type: ignore[attr-defined]
    assert not [p for p in root.rglob("*") if p.is_file()]  # and its stored files are gone


async def test_photos_wait_for_a_free_worker_and_not_forever(
        world: World, held_photos: HeldPhotos) -> None:
    world.services.uploads = UploadGate(1)
    world.services.settings.media_queue_seconds = 0  # nobody waits: busy is said at once
    _anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    first = asyncio.create_task(upload(masha, chat["id"], "1.jpg", photo_with_location()))
    await until(lambda: held_photos.started == 1, "the first photo being decoded")
    r = await upload(masha, chat["id"], "2.jpg", photo_with_location())
    assert (r.status_code, error_code(r)) == (429, "uploads_busy")
    assert int(r.headers["retry-after"]) > 0
    assert "обрабатывает много файлов" in r.json()["error"]["message"]
    assert held_photos.started == 1  # the second one was never decoded
    held_photos.release.set()
    assert (await first).status_code == 201
    r = await upload(masha, chat["id"], "2.jpg", photo_with_location())
    assert r.status_code == 201, r.text


# --- pictures are weighed first --------------------------------------------------------------


async def test_the_probes_huge_png_is_refused_before_it_is_decoded(world: World) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    png = solid_png(10_900, 10_900)
    assert len(png) < 400_000
    with Image.open(io.BytesIO(png)) as im:  # a real picture, not just a header
        assert im.size == (10_900, 10_900) and im.mode == "RGB"
    r = await upload(masha, chat["id"], "обои.png", png, "image/png")
    assert (r.status_code, error_code(r)) == (413, "image_too_large")
    assert r.json()["error"]["message"].startswith("Изображение слишком большое")
    # Six of them do not hold up the teacher either (they are refused from the header).
    refusals = [asyncio.create_task(upload(masha, chat["id"], f"{n}.png", png)) for n in range(6)]
    r = await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Урок начинается"})
    assert r.status_code == 200, r.text
    assert {error_code(r) for r in await asyncio.gather(*refusals)} == {"image_too_large"}


async def test_the_decode_budget_is_a_setting(world: World) -> None:
    anna, chat = await make_class_chat(world)
    photo = io.BytesIO()
    Image.new("RGB", (1024, 1024), (10, 200, 30)).save(photo, "PNG")  # 4 MB decoded
    world.services.settings.image_decode_budget_mb = 3
    r = await upload(anna, chat["id"], "поле.png", photo.getvalue(), "image/png")
    assert (r.status_code, error_code(r)) == (413, "image_too_large")
    world.services.settings.image_decode_budget_mb = 4
    r = await upload(anna, chat["id"], "поле.png", photo.getvalue(), "image/png")
    assert r.status_code == 201, r.text


# --- each person within limits ---------------------------------------------------------------


async def test_a_student_uploads_so_many_files_a_minute(world: World) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    world.services.settings.uploads_per_minute = 3
    for n in range(3):
        r = await upload(masha, chat["id"], f"{n}.txt", f"заметка {n}".encode())
        assert r.status_code == 201, r.text
    r = await upload(masha, chat["id"], "3.txt", b"one too many")
    assert (r.status_code, error_code(r)) == (429, "upload_limit")
    assert 0 < int(r.headers["retry-after"]) <= 60
    assert "Слишком много файлов подряд" in r.json()["error"]["message"]
    # Her limit is hers: the teacher uploads as before.
    r = await upload(anna, chat["id"], "план.txt", "План урока".encode())
    assert r.status_code == 201, r.text


async def test_a_student_uploads_so_many_megabytes_an_hour(world: World) -> None:
    _anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    world.services.settings.upload_mb_per_hour = 1
    r = await upload(masha, chat["id"], "a.txt", b"a" * 600_000)
    assert r.status_code == 201, r.text
    r = await upload(masha, chat["id"], "b.txt", b"b" * 600_000)
    assert (r.status_code, error_code(r)) == (429, "upload_limit")
    assert 60 < int(r.headers["retry-after"]) <= 3600
    r = await upload(masha, chat["id"], "c.txt", b"c" * 400_000)  # what is left of the hour
    assert r.status_code == 201, r.text


# --- recordings without their metadata -------------------------------------------------------


def ffmpeg(*args: str, suffix: str) -> bytes:
    """A small recording made by ffmpeg, as a phone would save it."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"out{suffix}"
        subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", *args,
                        str(out)], check=True, timeout=120)
        return out.read_bytes()


def probe(data: bytes) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams",
                              "-of", "json", f.name], check=True, capture_output=True, timeout=60)
    found: dict[str, Any] = json.loads(out.stdout)
    return found


def tags_of(found: dict[str, Any]) -> set[str]:
    tags = set(found["format"].get("tags", {}))
    for stream in found["streams"]:
        tags |= set(stream.get("tags", {}))
    return {t.lower() for t in tags}


PERSONAL_TAGS = {"location", "location-eng", "title", "artist", "comment", "creation_time",
                 "album", "date"}
MOSCOW = "+55.7558+037.6173/"


def android_video() -> bytes:
    """An MP4 the way an Android phone saves one: the place it was filmed in ``©xyz``."""
    return ffmpeg("-f", "lavfi", "-i", "testsrc=duration=1:size=64x64:rate=10",
                  "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
                  "-metadata", f"location={MOSCOW}", "-metadata", "title=Двор школы",
                  "-metadata", "comment=Маша, 5А", "-metadata", "creation_time=2026-09-01T08:30:00Z",
                  "-c:v", "libx264", "-c:a", "aac", "-shortest",
                  "-f", "mov", "-brand", "mp42", suffix=".mp4")


async def sent_and_fetched(world: World, name: str, data: bytes) -> tuple[dict[str, Any], bytes]:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    r = await upload(anna, chat["id"], name, data)
    assert r.status_code == 201, r.text
    att = r.json()
    r = await anna.post(f"{API}/chats/{chat['id']}/messages",
                        json={"body": "", "attachment_ids": [att["id"]]})
    assert r.status_code == 200, r.text
    got = await masha.get(att["url"])
    assert got.status_code == 200
    return att, got.content


async def test_a_video_reaches_the_class_without_where_it_was_filmed(world: World) -> None:
    video = android_video()
    assert b"\xa9xyz" in video and b"55.7558" in video  # the phone's file really has it
    assert PERSONAL_TAGS & tags_of(await asyncio.to_thread(probe, video))

    att, got = await sent_and_fetched(world, "прогулка.mp4", video)

    assert (att["kind"], att["mime"], att["name"]) == ("video", "video/mp4", "прогулка.mp4")
    assert att["size"] == len(got)
    for trace in (b"\xa9xyz", b"55.7558", "Двор".encode(), "Маша".encode()):
        assert trace not in got
    found = await asyncio.to_thread(probe, got)
    assert not PERSONAL_TAGS & tags_of(found)
    assert {s["codec_type"] for s in found["streams"]} == {"video", "audio"}  # still plays
    assert float(found["format"]["duration"]) > 0
    assert got.index(b"moov") < got.index(b"mdat")  # starts playing before it is all loaded


async def test_a_voice_message_loses_its_tags_and_still_plays(world: World) -> None:
    voice = ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=1",
                   "-metadata", "title=Голосовое", "-metadata", "artist=Маша Петрова",
                   "-metadata", "comment=дома", "-c:a", "aac", suffix=".m4a")
    assert "Маша".encode() in voice
    att, got = await sent_and_fetched(world, "голосовое.m4a", voice)
    assert (att["kind"], att["mime"]) == ("audio", "audio/mp4")
    assert "Маша".encode() not in got and "Голосовое".encode() not in got
    found = await asyncio.to_thread(probe, got)
    assert not PERSONAL_TAGS & tags_of(found)
    assert [s["codec_type"] for s in found["streams"]] == ["audio"]
    assert float(found["format"]["duration"]) > 0


async def test_a_song_loses_its_tags_and_its_cover(world: World) -> None:
    cover = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SchoolPhone"  # the cover photo's camera: a JPEG with its own EXIF
    Image.new("RGB", (32, 32), (200, 0, 0)).save(cover, "JPEG", exif=exif)
    with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
        f.write(cover.getvalue())
        f.flush()
        song = ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-i", f.name,
                      "-map", "0", "-map", "1", "-c:a", "libmp3lame", "-c:v", "copy",
                      "-id3v2_version", "3", "-disposition:v", "attached_pic",
                      "-metadata", "title=Песня для 5А", "-metadata", "artist=Маша",
                      suffix=".mp3")
    assert b"SchoolPhone" in song and b"APIC" in song
    att, got = await sent_and_fetched(world, "песня.mp3", song)
    assert (att["kind"], att["mime"]) == ("audio", "audio/mpeg")
    for trace in (b"SchoolPhone", b"APIC", "Маша".encode()):
        assert trace not in got
    found = await asyncio.to_thread(probe, got)
    assert not PERSONAL_TAGS & tags_of(found)
    assert [s["codec_type"] for s in found["streams"]] == ["audio"]
    assert float(found["format"]["duration"]) > 0


async def test_a_recording_that_cannot_be_cleaned_is_refused(world: World) -> None:
    anna, chat = await make_class_chat(world)
    broken = android_video()[:300]  # the phone's header, then nothing ffmpeg can read
    assert media.sniff(broken).mime == "video/mp4"
    r = await upload(anna, chat["id"], "обрыв.mp4", broken)
    assert (r.status_code, error_code(r)) == (422, "media_unreadable")
    assert r.json()["error"]["fields"] == {"file": "Файл не удалось прочитать."}
    assert "служебные сведения" in r.json()["error"]["message"]
