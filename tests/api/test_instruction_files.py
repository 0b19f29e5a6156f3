"""Files with the municipality's instructions (R2): Ольга Николаевна sends the schools the
evacuation plan and a photo of the assembly point with her instruction; the administrators of
the schools it went to download them, cleaned as a chat's files are; nobody else finds them."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import select, update

from parta.actions.attachments import prune_unsent_instruction_files
from parta.db import utcnow
from parta.models import InstructionFile
from tests.api.test_attachments import photo_with_location
from tests.api.test_instructions import send
from tests.api.test_network import far_school, gymnasium, municipal_admin
from tests.conftest import World, error_code

API = "/api/v1"
PLAN = b"%PDF-1.4\n%plan\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
SECOND_MUNI_ADMIN = "+79005550002"
FAR_MUNI_ADMIN = "+79005559001"


async def upload(who: httpx.AsyncClient, muni_id: int, name: str, data: bytes,
                 mime: str = "application/octet-stream") -> httpx.Response:
    return await who.post(f"{API}/municipalities/{muni_id}/instruction-files",
                          files={"file": (name, data, mime)})


async def uploaded(who: httpx.AsyncClient, muni_id: int, name: str = "план.pdf",
                   data: bytes = PLAN) -> dict[str, Any]:
    r = await upload(who, muni_id, name, data)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def another_admin(world: World, muni_id: int, phone: str, name: str) -> httpx.AsyncClient:
    operator = await world.as_("operator")
    r = await operator.post(f"{API}/municipalities/{muni_id}/admins",
                            json={"phone": phone, "name": name})
    assert r.status_code == 201, r.text
    return await world.sign_in(phone)


async def test_the_plan_reaches_the_schools_administrators_cleaned(world: World) -> None:
    gym_id, natalia = await gymnasium(world)
    olga, muni_id = await municipal_admin(world)
    plan = await uploaded(olga, muni_id)
    assert (plan["name"], plan["kind"], plan["mime"]) == ("план.pdf", "document",
                                                          "application/pdf")
    raw = photo_with_location()
    photo = await uploaded(olga, muni_id, "место сбора.JPG", raw)
    assert (photo["name"], photo["kind"]) == ("место сбора.jpg", "photo")
    r = await send(olga, muni_id, org_ids=[world.org_id], file_ids=[plan["id"], photo["id"]])
    assert r.status_code == 201, r.text
    ins = r.json()
    assert [f["name"] for f in ins["files"]] == ["план.pdf", "место сбора.jpg"]
    got = await olga.get(ins["files"][0]["url"])
    assert got.status_code == 200 and got.content == PLAN

    admin = await world.as_("admin")
    [incoming] = (await admin.get(f"{API}/orgs/{world.org_id}/instructions")).json()[
        "instructions"]
    files = {f["name"]: f for f in incoming["files"]}
    url = files["план.pdf"]["url"]
    assert url == f"{API}/orgs/{world.org_id}/instructions/{ins['id']}/files/{plan['id']}"
    got = await admin.get(url)
    assert got.status_code == 200 and got.content == PLAN
    # The school's administrators were told with the instruction as their list shows it,
    # files and links included, so the page shows them as it comes; the gymnasium was not.
    [told] = [e for e in world.events_of("instruction.received")
              if e.event.instruction_id == ins["id"]]
    assert told.event.org_id == world.org_id
    assert told.event.model_dump(mode="json")["instruction"] == incoming
    assert [(f["name"], f["url"]) for f in told.event.model_dump(mode="json")["instruction"][
        "files"]] == [("план.pdf", url), ("место сбора.jpg", files["место сбора.jpg"]["url"])]
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''%D0%BF%D0%BB%D0%B0%D0%BD.pdf")
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in got.headers["content-security-policy"]
    got = await admin.get(files["место сбора.jpg"]["url"])
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert got.headers["content-disposition"].startswith("inline;")
    with Image.open(io.BytesIO(got.content)) as img:  # the location did not travel
        assert not img.getexif() and "exif" not in img.info

    # The gymnasium was not sent it: its administrator finds nothing, there or here.
    assert (await natalia.get(f"{API}/orgs/{gym_id}/instructions")).json()["instructions"] == []
    for path in (f"{API}/orgs/{gym_id}/instructions/{ins['id']}/files/{plan['id']}", url,
                 f"{API}/municipalities/{muni_id}/instruction-files/{plan['id']}"):
        assert (await natalia.get(path)).status_code == 404, path
    # The school's teacher does not read the school's instructions (the administrators do).
    anna = await world.as_("teacher")
    assert (await anna.get(url)).status_code == 403
    assert (await anna.get(ins["files"][0]["url"])).status_code == 404
    # Another municipality's school, and the operator: nothing.
    far_id, far_admin = await far_school(world)
    far_path = f"{API}/orgs/{far_id}/instructions/{ins['id']}/files/{plan['id']}"
    for who, path in ((far_admin, far_path), (far_admin, url), (far_admin, ins["files"][0]["url"]),
                      (await world.as_("operator"), ins["files"][0]["url"])):
        assert (await who.get(path)).status_code == 404, path
    # A file id of another instruction is not this instruction's.
    other = await send(olga, muni_id, org_ids=[world.org_id])
    r = await admin.get(f"{API}/orgs/{world.org_id}/instructions/{other.json()['id']}/files/"
                        f"{plan['id']}")
    assert r.status_code == 404
    # The municipality's other administrator reads what was sent.
    pavel = await another_admin(world, muni_id, SECOND_MUNI_ADMIN, "Павел Игоревич Седов")
    assert (await pavel.get(ins["files"][0]["url"])).content == PLAN


async def test_only_ones_own_unsent_files_go_and_at_most_ten(world: World) -> None:
    await gymnasium(world)
    olga, muni_id = await municipal_admin(world)
    pavel = await another_admin(world, muni_id, SECOND_MUNI_ADMIN, "Павел Игоревич Седов")
    far_id, _ = await far_school(world)
    operator = await world.as_("operator")
    far_muni = (await operator.get(f"{API}/orgs/{far_id}")).json()
    far_muni_id = far_muni.get("municipality_id") or far_muni["municipality"]["id"]
    far_olga = await another_admin(world, far_muni_id, FAR_MUNI_ADMIN, "Инна Дальняя")

    mine = await uploaded(olga, muni_id)
    his = await uploaded(pavel, muni_id)
    far = await uploaded(far_olga, far_muni_id)
    # Pavel's upload is not Olga's to send, nor the far municipality's; Olga's unsent file is
    # hers alone to see.
    for ids in ([his["id"]], [far["id"]], [mine["id"], mine["id"]], [mine["id"], 10**9]):
        r = await send(olga, muni_id, file_ids=ids)
        assert r.status_code == 422, (ids, r.text)
        assert r.json()["error"]["field_codes"] == {"file_ids": "invalid"}
    assert (await pavel.get(mine["url"])).status_code == 404
    assert (await olga.get(mine["url"])).content == PLAN
    r = await send(olga, muni_id, file_ids=[mine["id"]] + [his["id"] + 100 + n for n in range(10)])
    assert (r.status_code, error_code(r)) == (422, "too_many_files")
    assert (await olga.get(f"{API}/municipalities/{muni_id}/instructions")).json()[
        "instructions"] == []  # nothing was sent by any of these
    # Nobody else uploads for the municipality.
    for who in (await world.as_("admin"), await world.as_("teacher"), far_olga, operator):
        r = await upload(who, muni_id, "a.txt", b"hello")
        assert r.status_code == 404, r.text
    r = await upload(olga, far_muni_id, "a.txt", b"hello")  # nor she for another one
    assert r.status_code == 404, r.text
    assert (await olga.get(far["url"])).status_code == 404
    # Ten files go; a file already sent does not go again.
    ten = [mine] + [await uploaded(olga, muni_id, f"акт {n}.txt", f"акт {n}".encode())
                    for n in range(9)]
    r = await send(olga, muni_id, file_ids=[f["id"] for f in ten])
    assert r.status_code == 201, r.text
    assert len(r.json()["files"]) == 10 and r.json()["files"][1]["mime"].startswith("text/plain")
    r = await send(olga, muni_id, file_ids=[mine["id"]])
    assert r.status_code == 422 and r.json()["error"]["field_codes"] == {"file_ids": "invalid"}
    assert len((await olga.get(f"{API}/municipalities/{muni_id}/instructions")).json()[
        "instructions"]) == 1


async def test_the_same_checks_and_limits_as_a_chats_files(world: World) -> None:
    olga, muni_id = await municipal_admin(world)
    for name, data in (("plan.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 64),
                       ("page.pdf", b"<html><script>alert(1)</script></html>")):
        r = await upload(olga, muni_id, name, data, "application/pdf")
        assert (r.status_code, error_code(r)) == (422, "unsupported_type"), name
    world.services.settings.attachment_max_document_mb = 1
    r = await upload(olga, muni_id, "a.txt", b"a" * (1024 * 1024 + 10), "text/plain")
    assert (r.status_code, error_code(r)) == (413, "file_too_large")
    async with world.services.sessionmaker() as db:
        assert list((await db.execute(select(InstructionFile))).scalars()) == []


async def test_files_never_sent_are_forgotten_after_a_day(world: World) -> None:
    olga, muni_id = await municipal_admin(world)
    left = await uploaded(olga, muni_id, "left.jpg", photo_with_location())
    sent = await uploaded(olga, muni_id)
    fresh = await uploaded(olga, muni_id)
    assert (await send(olga, muni_id, file_ids=[sent["id"]])).status_code == 201
    async with world.services.sessionmaker() as db:
        await db.execute(update(InstructionFile).where(InstructionFile.id != fresh["id"])
                         .values(created_at=utcnow() - timedelta(hours=25)))
        await db.commit()
        keys = dict((await db.execute(select(InstructionFile.id,
                                             InstructionFile.storage_key))).all())
    storage = world.services.storage
    assert await storage.exists(keys[left["id"]] + "-thumb")
    assert await prune_unsent_instruction_files(world.services,
                                                utcnow() - timedelta(hours=24)) == 1
    assert not await storage.exists(keys[left["id"]])
    assert not await storage.exists(keys[left["id"]] + "-thumb")
    for kept in (sent, fresh):
        assert await storage.exists(keys[kept["id"]])
    assert (await olga.get(left["url"])).status_code == 404


async def test_a_double_click_sends_the_files_with_one_instruction(world: World) -> None:
    """Two sends with the same files at once: one instruction carries them, the other is
    refused and leaves nothing behind (a race: on PostgreSQL too)."""
    olga, muni_id = await municipal_admin(world)
    plan = await uploaded(olga, muni_id)
    answers = await asyncio.gather(*(send(olga, muni_id, file_ids=[plan["id"]])
                                     for _ in range(2)))
    assert sorted(r.status_code for r in answers) == [201, 422], [r.text for r in answers]
    listed = (await olga.get(f"{API}/municipalities/{muni_id}/instructions")).json()
    assert len(listed["instructions"]) == 1
    [ins] = [r.json() for r in answers if r.status_code == 201]
    assert [f["id"] for f in ins["files"]] == [plan["id"]]
