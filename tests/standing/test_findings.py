"""What the standing checks found, each fixed at its root and kept fixed here."""

from __future__ import annotations

import asyncio
import io
import json

from openpyxl import load_workbook
from websockets.asyncio.server import ServerConnection, serve

from parta.client import PartaClient
from tests.conftest import World, error_code
from tests.helpers import API


async def test_a_class_named_with_a_control_character_still_exports_to_a_spreadsheet(
        world: World) -> None:
    # A name pasted from elsewhere may carry a control character; the XLSX format cannot hold
    # one, and the export used to fail with a server error for the whole school.
    # Names are cleaned on the way in now (``parta.services.text``), so the name is written as
    # an older version stored it.
    from sqlalchemy import update

    from parta.models import Group

    irina = await world.as_("admin")
    r = await irina.post(f"{API}/orgs/{world.org_id}/groups", json={"name": "Кружок шахмат"})
    assert r.status_code == 201, r.text
    async with world.services.sessionmaker() as db:
        await db.execute(update(Group).where(Group.id == r.json()["id"])
                         .values(name="Кружок\x19 шахмат"))
        await db.commit()
    r = await irina.get(f"{API}/orgs/{world.org_id}/reconciliation", params={"format": "xlsx"})
    assert r.status_code == 200, r.text
    classes = [row[0] for row in load_workbook(io.BytesIO(r.content))["Классы без руководителя"]
               .values]
    assert "Кружок шахмат" in classes
    r = await irina.get(f"{API}/orgs/{world.org_id}/reconciliation", params={"format": "csv"})
    assert r.status_code == 200 and "Кружок\x19 шахмат" in r.content.decode("utf-8-sig")


async def test_a_null_chat_setting_leaves_it_as_it_is(world: World) -> None:
    # ``{"description": null}`` used to reach the database and fail as a server error.
    anna = await world.as_("teacher")
    chat = next(c for c in (await anna.get(f"{API}/chats")).json()["chats"]
                if c["title"] == "5А — класс")
    before = (await anna.get(f"{API}/chats/{chat['id']}")).json()
    r = await anna.patch(f"{API}/chats/{chat['id']}",
                         json={"description": None, "rules": None, "title": "5А — наш класс"})
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["title"] == "5А — наш класс"
    assert (after["description"], after["rules"], after["rules_version"]) == (
        before["description"], before["rules"], before["rules_version"])


async def test_a_stream_dials_again_when_the_server_dies_in_the_handshake() -> None:
    # Found by the kill -9 check: a server killed after accepting the connection but before
    # answering the upgrade made the client give up listening for good.
    hung_up = 0

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal hung_up
        await reader.read(1)  # the upgrade request arrived; the server dies before answering
        hung_up += 1
        writer.close()

    dying = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = dying.sockets[0].getsockname()[1]
    client = PartaClient(f"http://127.0.0.1:{port}", token="token")
    stream = client.events()
    dialing = asyncio.create_task(stream.__aenter__())
    while hung_up < 2 and not dialing.done():
        await asyncio.sleep(0.01)
    dying.close()
    await dying.wait_closed()
    assert not dialing.done()  # still dialing, not failed

    async def hello(ws: ServerConnection) -> None:
        await ws.send(json.dumps({"type": "hello", "last_id": 7}))
        await ws.wait_closed()

    async with serve(hello, "127.0.0.1", port):  # the server is back
        await asyncio.wait_for(dialing, 10)
        assert await stream.ready() == 7
        await stream.close()
    await client.close()


async def test_text_with_a_nul_or_half_a_character_is_refused_the_same_on_every_database(
        world: World) -> None:
    # PostgreSQL cannot store U+0000 and no database stores half of a surrogate pair; they
    # used to be server errors there (and a NUL was silently stored on SQLite).
    anna, irina = await world.as_("teacher"), await world.as_("admin")
    r = await anna.post(f"{API}/orgs/{world.org_id}/chats", json={"title": "Кружок\x00"})
    assert (r.status_code, error_code(r), r.json()["error"]["field_codes"]) == (
        422, "validation_failed", {"title": "invalid"})
    r = await anna.post(f"{API}/orgs/{world.org_id}/chats",
                        content=b'{"title": "\\ud800 half"}',
                        headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()["error"]["field_codes"]) == (422, {"title": "invalid"})
    r = await irina.put(f"{API}/orgs/{world.org_id}/chat-rules", json={"rules": "1.\x00"})
    assert r.status_code == 422
    r = await irina.get(f"{API}/orgs/{world.org_id}/members", params={"q": "Ива\x00"})
    assert (r.status_code, r.json()["error"]["field_codes"]) == (422, {"q": "invalid"})
    r = await anna.get(f"{API}/search", params={"q": "\x00"})
    assert (r.status_code, r.json()["error"]["field_codes"]) == (422, {"q": "invalid"})
    r = await anna.get(f"{API}/invites/abc%00def")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    titles = [c["title"] for c in (await anna.get(f"{API}/chats")).json()["chats"]]
    assert not any("Кружок" in t for t in titles)  # nothing was made
