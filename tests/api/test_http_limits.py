"""A body is limited while it streams in: a chunked request (no Content-Length) or one whose
Content-Length lies is cut off at its route's limit with 413, before the app buffers it or
spools it to disk — nobody can fill the server's memory without signing in."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn

from parta.app import Served, create_app
from parta.http_limits import FORM_SLACK, JSON_LIMIT
from tests.api.test_chats import make_class_chat
from tests.conftest import World, error_code
from tests.helpers import API

CHUNK = 64 * 1024
MiB = 1024 * 1024


class Endless:
    """A body that would go on for ``total`` bytes, counting what was actually taken from it."""

    def __init__(self, total: int, head: bytes = b"", fill: bytes = b"7") -> None:
        self.total, self.head, self.fill = total, head, fill
        self.yielded = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.head:
            self.yielded += len(self.head)
            yield self.head
        while self.yielded < self.total:
            chunk = self.fill * CHUNK
            self.yielded += len(chunk)
            yield chunk


def small_upload_app(world: World, mb: int = 1) -> Any:
    """The same school, served by an app whose files may be at most ``mb`` megabytes."""
    settings = world.services.settings.model_copy(update={
        f"attachment_max_{kind}_mb": mb for kind in ("photo", "audio", "video", "document")})
    return create_app(settings, dataclasses.replace(world.services, settings=settings))


async def test_a_chunked_json_body_is_cut_off_at_one_mebibyte(world: World) -> None:
    body = Endless(300 * MiB, head=b'{"phone": "')
    r = await world.client().post(f"{API}/auth/code", content=body,
                                  headers={"content-type": "application/json"})
    assert "content-length" not in r.request.headers  # it really went chunked
    assert (r.status_code, error_code(r)) == (413, "too_large")
    assert body.yielded <= JSON_LIMIT + CHUNK  # the rest was never even asked for
    assert world.sms.sent == []


async def test_a_content_length_that_lies_does_not_help(world: World) -> None:
    body = Endless(50 * MiB, head=b'{"phone": "')
    r = await world.client().post(f"{API}/auth/code", content=body,
                                  headers={"content-type": "application/json",
                                           "content-length": "20"})
    assert (r.status_code, error_code(r)) == (413, "too_large")
    assert body.yielded <= JSON_LIMIT + CHUNK


async def test_a_declared_length_over_the_limit_is_refused_before_reading(world: World) -> None:
    body = Endless(2 * MiB)
    r = await world.client().post(f"{API}/auth/code", content=body,
                                  headers={"content-type": "application/json",
                                           "content-length": str(2 * MiB)})
    assert (r.status_code, error_code(r)) == (413, "too_large")
    assert body.yielded == 0
    r = await world.client().post(f"{API}/auth/code", content=b"{}",
                                  headers={"content-type": "application/json",
                                           "content-length": "-1"})
    assert (r.status_code, error_code(r)) == (413, "too_large")


async def test_a_body_within_the_limit_still_arrives_whole(world: World) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"phone": '
        yield b'"+79001112233"}'

    r = await world.client().post(f"{API}/auth/code", content=chunks(),
                                  headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text


async def test_a_chunked_upload_never_reaches_the_disk_past_its_limit(world: World) -> None:
    world.app = small_upload_app(world, mb=1)
    anna, chat = await make_class_chat(world)
    boundary = "parta-test-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            "filename=\"big.txt\"\r\nContent-Type: text/plain\r\n\r\n").encode()
    body = Endless(400 * MiB, head=head, fill=b"a")
    r = await anna.post(f"{API}/chats/{chat['id']}/attachments", content=body,
                        headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert (r.status_code, error_code(r)) == (413, "too_large")
    # The form parser (which spools to disk) was handed at most the limit: the app's 1 MB
    # for a file plus the room for the form around it, and not one chunk more.
    assert body.yielded <= 1 * MiB + FORM_SLACK + CHUNK
    files = world.services.storage.root  # type: ignore[attr-defined]
    assert not files.exists() or not any(p.is_file() for p in files.rglob("*"))


async def test_an_upload_within_the_limit_still_goes_through(world: World) -> None:
    world.app = small_upload_app(world, mb=1)
    anna, chat = await make_class_chat(world)
    r = await anna.post(f"{API}/chats/{chat['id']}/attachments",
                        files={"file": ("план.txt", b"a" * (MiB - 100), "text/plain")})
    assert r.status_code == 201, r.text


async def test_the_library_takes_files_past_the_json_limit(world: World) -> None:
    """A school's materials are files too: a 3 MiB handout and its 2 MiB new version go in
    (not the 1 MiB every JSON body gets); past the largest file kind's limit, 413."""
    irina = await world.as_("admin")
    handout = b"%PDF-1.4\n%" + b"a" * (3 * MiB) + b"\n%%EOF\n"
    r = await irina.post(f"{API}/orgs/{world.org_id}/materials", data={"title": "Памятка к экзамену"},
                         files={"file": ("памятка.pdf", handout, "application/pdf")})
    assert r.status_code == 201, r.text
    r = await irina.post(f"{API}/materials/{r.json()['id']}/versions",
                         files={"file": ("памятка.pdf", handout[: 2 * MiB] + b"\n%%EOF\n", "application/pdf")})
    assert r.status_code == 201, r.text
    world.app = small_upload_app(world, mb=1)
    irina = await world.as_("admin")  # a client of the app with 1 MiB files
    r = await irina.post(f"{API}/orgs/{world.org_id}/materials", data={"title": "Слишком большая"},
                         files={"file": ("большая.pdf", handout, "application/pdf")})
    assert (r.status_code, error_code(r)) == (413, "too_large")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("http", ["h11", "httptools"])
async def test_the_real_server_answers_413_to_an_endless_chunked_body(world: World,
                                                                       http: str) -> None:
    """Over a real socket, as the probe sent it: the server answers and hangs up, rather than
    reading hundreds of megabytes (what the client managed to push meanwhile is what the
    kernel's socket buffers hold)."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(Served(world.app), host="127.0.0.1", port=port,
                                           lifespan="off", log_config=None, http=http))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        body = Endless(300 * MiB, head=b'{"phone": "')
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            try:
                r = await client.post(f"{API}/auth/code", content=body,
                                      headers={"content-type": "application/json"}, timeout=30)
                assert (r.status_code, error_code(r)) == (413, "too_large")
            except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
                # The server hung up with the client's bytes still unread in its buffer, and
                # the reset may overtake the 413 (a proxy in front lingers to deliver it).
                pass
        assert body.yielded < 64 * MiB  # not the 300 MiB the server used to take in
    finally:
        server.should_exit = True
        await task
