"""Roster import over HTTP: the template, an upload and its preview, applying it in the
background while its progress is followed, and every refusal — other roles, another school,
files that are not rosters, too big, applying twice, errors without the explicit choice."""

from __future__ import annotations

import asyncio
import io
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from openpyxl import load_workbook

from tests.conftest import World, error_code
from tests.helpers import API, members, register_gymnasium
from tests.roster.fixtures import SCHOOL, SCHOOL_V2, oneroster, xlsx, xlsx_rows

ZIP = "application/zip"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def imports(org_id: int) -> str:
    return f"{API}/orgs/{org_id}/roster/imports"


async def upload(client: httpx.AsyncClient, org_id: int, data: bytes, name: str = "licey7.zip",
                 mime: str = ZIP) -> httpx.Response:
    return await client.post(imports(org_id), files={"file": (name, data, mime)})


async def uploaded(client: httpx.AsyncClient, org_id: int, data: bytes, **kw: Any) -> dict[str, Any]:
    r = await upload(client, org_id, data, **kw)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def wait(client: httpx.AsyncClient, org_id: int, import_id: int) -> dict[str, Any]:
    """Follow the progress as the web page does, until the apply ends."""
    seen = []
    for _ in range(1000):
        r = await client.get(f"{imports(org_id)}/{import_id}")
        assert r.status_code == 200, r.text
        body = r.json()
        seen.append(body["progress"]["percent"])
        if body["status"] in ("applied", "failed"):
            assert seen == sorted(seen)  # progress only grows
            return dict(body)
        await asyncio.sleep(0.01)
    raise AssertionError("the apply did not end")


async def applied(client: httpx.AsyncClient, org_id: int, import_id: int,
                  **body: Any) -> dict[str, Any]:
    r = await client.post(f"{imports(org_id)}/{import_id}/apply", json=body)
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "applying"
    return await wait(client, org_id, import_id)


async def test_the_administrator_downloads_the_template(world: World) -> None:
    admin = await world.as_("admin")
    r = await admin.get(f"{API}/orgs/{world.org_id}/roster/template")
    assert r.status_code == 200
    assert r.headers["content-type"] == XLSX
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;") and 'filename="parta-roster-template.xlsx"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "Шаблон списка для Парты.xlsx"
    sheet = load_workbook(io.BytesIO(r.content))["Список"]
    assert [c.value for c in sheet[1]][:3] == ["ФИО", "Дата рождения", "Роль"]


async def test_upload_preview_apply_and_reapply(world: World) -> None:
    admin = await world.as_("admin")
    before = await members(admin, world.org_id)
    body = await uploaded(admin, world.org_id, oneroster().zip_bytes())
    assert (body["status"], body["kind"], body["file_name"]) == ("preview", "oneroster", "licey7.zip")
    assert body["counts"]["create"] == len(SCHOOL) and body["errors"] == []
    assert body["progress"] == {"done": 0, "total": 0, "percent": 0}
    r = await admin.get(f"{imports(world.org_id)}/{body['id']}/items",
                        params={"op": "create", "limit": 5, "offset": 5})
    assert r.status_code == 200
    page = r.json()
    assert page["total"] == len(SCHOOL) and len(page["items"]) == 5
    assert {"name", "kind", "class", "op", "line"} <= set(page["items"][0])
    chats = (await admin.get(f"{imports(world.org_id)}/{body['id']}/items",
                             params={"section": "chats", "limit": 1000})).json()
    assert "6А — родители" in [c["title"] for c in chats["items"]]
    assert await members(admin, world.org_id) == before  # a preview writes nobody

    done = await applied(admin, world.org_id, body["id"])
    assert done["status"] == "applied" and done["progress"]["percent"] == 100
    assert done["applied_at"] and done["finished_at"]
    now = await members(admin, world.org_id)
    assert len(now) == len(before) + len(SCHOOL)
    listed = (await admin.get(imports(world.org_id))).json()["imports"]
    assert [(i["id"], i["status"]) for i in listed] == [(body["id"], "applied")]

    again = await uploaded(admin, world.org_id, oneroster().zip_bytes())
    assert again["counts"]["same"] == len(SCHOOL)
    assert sum(again["counts"][k] for k in ("create", "change", "move", "depart", "chats")) == 0
    await applied(admin, world.org_id, again["id"])
    assert await members(admin, world.org_id) == now


async def test_the_template_filled_in_imports_too(world: World) -> None:
    admin = await world.as_("admin")
    body = await uploaded(admin, world.org_id, xlsx(), name="Список лицея.xlsx", mime=XLSX)
    assert body["kind"] == "xlsx" and body["file_name"] == "Список лицея.xlsx"
    assert body["counts"]["create"] == len(SCHOOL)
    done = await applied(admin, world.org_id, body["id"])
    assert done["status"] == "applied"
    second = await uploaded(admin, world.org_id, xlsx(xlsx_rows(SCHOOL_V2)), name="v2.xlsx",
                            mime=XLSX)
    assert (second["counts"]["move"], second["counts"]["depart"], second["counts"]["create"]) == (1, 2, 2)


async def test_row_errors_come_in_the_callers_language_and_need_the_explicit_choice(
        world: World) -> None:
    admin = await world.as_("admin")
    rows = xlsx_rows()
    rows[5][4] = "8 800"
    body = await uploaded(admin, world.org_id, xlsx(rows), name="licey7.xlsx", mime=XLSX)
    [err] = body["errors"]
    assert (err["line"], err["column"], err["code"], err["value"]) == (7, "Телефон", "bad_phone", "8 800")
    assert err["message"] == err["message_ru"] == "Это не номер мобильного телефона: «8 800»."
    assert (await admin.patch(f"{API}/me", json={"language": "en"})).status_code == 200
    english = (await admin.get(f"{imports(world.org_id)}/{body['id']}")).json()["errors"][0]
    assert english["message"] == "Not a mobile phone number: «8 800»."
    assert english["message_ru"] == err["message_ru"]

    assert (await admin.patch(f"{API}/me", json={"language": "ru"})).status_code == 200
    r = await admin.post(f"{imports(world.org_id)}/{body['id']}/apply", json={})
    assert (r.status_code, error_code(r)) == (422, "roster_has_errors")
    assert r.json()["error"]["field_codes"] == {"valid_rows_only": "required"}
    assert (await admin.get(f"{imports(world.org_id)}/{body['id']}")).json()["status"] == "preview"
    done = await applied(admin, world.org_id, body["id"], valid_rows_only=True)
    assert done["valid_rows_only"] is True and done["counts"]["create"] == len(SCHOOL) - 1


async def test_applying_twice_or_a_stale_or_discarded_preview_is_refused(world: World) -> None:
    admin = await world.as_("admin")
    first = await uploaded(admin, world.org_id, oneroster().zip_bytes())
    await applied(admin, world.org_id, first["id"])
    r = await admin.post(f"{imports(world.org_id)}/{first['id']}/apply", json={})
    assert (r.status_code, error_code(r)) == (409, "roster_not_preview")

    stale = await uploaded(admin, world.org_id, oneroster(SCHOOL_V2).zip_bytes())
    r = await admin.post(f"{API}/orgs/{world.org_id}/groups", json={"grade": 8, "letter": "Г"})
    assert r.status_code == 201
    r = await admin.post(f"{imports(world.org_id)}/{stale['id']}/apply", json={})
    assert (r.status_code, error_code(r)) == (409, "roster_changed")

    fresh = await uploaded(admin, world.org_id, oneroster(SCHOOL_V2).zip_bytes())
    r = await admin.get(f"{imports(world.org_id)}/{stale['id']}")
    assert r.json()["status"] == "discarded"  # a newer preview replaced it
    r = await admin.delete(f"{imports(world.org_id)}/{fresh['id']}")
    assert (r.status_code, r.json()["status"]) == (200, "discarded")
    for method in ("post", "delete"):
        url = f"{imports(world.org_id)}/{fresh['id']}" + ("/apply" if method == "post" else "")
        r = await (admin.post(url, json={}) if method == "post" else admin.delete(url))
        assert (r.status_code, error_code(r)) == (409, "roster_not_preview"), method


async def test_two_applies_at_once_one_is_refused(world: World) -> None:
    admin = await world.as_("admin")
    body = await uploaded(admin, world.org_id, oneroster().zip_bytes())
    url = f"{imports(world.org_id)}/{body['id']}/apply"
    first, second = await asyncio.gather(admin.post(url, json={}), admin.post(url, json={}))
    codes = sorted([first.status_code, second.status_code])
    assert codes == [202, 409]
    refused = first if first.status_code == 409 else second
    assert error_code(refused) in ("roster_busy", "roster_not_preview")
    assert (await wait(admin, world.org_id, body["id"]))["status"] == "applied"


@pytest.mark.parametrize("who", ["teacher", "math_teacher", "parent", "student"])
async def test_only_the_administrator_imports(world: World, who: str) -> None:
    admin = await world.as_("admin")
    body = await uploaded(admin, world.org_id, oneroster().zip_bytes())
    other = await world.as_(who)
    base = imports(world.org_id)
    for r in (await upload(other, world.org_id, oneroster().zip_bytes()),
              await upload(other, world.org_id, b"not a roster at all"),
              await other.get(base), await other.get(f"{base}/{body['id']}"),
              await other.get(f"{base}/{body['id']}/items"),
              await other.post(f"{base}/{body['id']}/apply", json={}),
              await other.delete(f"{base}/{body['id']}"),
              await other.get(f"{API}/orgs/{world.org_id}/roster/template")):
        assert (r.status_code, error_code(r)) == (403, "forbidden"), r.request.url
    assert (await admin.get(f"{base}/{body['id']}")).json()["status"] == "preview"


async def test_another_schools_imports_do_not_exist_for_it(world: World) -> None:
    admin = await world.as_("admin")
    body = await uploaded(admin, world.org_id, oneroster().zip_bytes())
    gym_id, gym_admin = await register_gymnasium(world)
    ours = f"{imports(world.org_id)}/{body['id']}"
    theirs = f"{imports(gym_id)}/{body['id']}"
    for r in (await gym_admin.get(ours), await gym_admin.post(f"{ours}/apply", json={}),
              await gym_admin.get(theirs), await gym_admin.post(f"{theirs}/apply", json={}),
              await gym_admin.get(f"{theirs}/items"), await gym_admin.delete(theirs),
              await upload(gym_admin, world.org_id, oneroster().zip_bytes()),
              await admin.get(f"{imports(gym_id)}/{body['id']}")):
        assert (r.status_code, error_code(r)) == (404, "not_found"), r.request.url
    # Their own import into their own school works, and is not ours to see.
    mine = await uploaded(gym_admin, gym_id, oneroster().zip_bytes())
    r = await admin.get(f"{imports(world.org_id)}/{mine['id']}")
    assert (r.status_code, error_code(r)) == (404, "not_found")


async def test_files_that_are_not_rosters_are_refused_with_reasons(world: World) -> None:
    admin = await world.as_("admin")
    broken = oneroster()
    del broken.files["users"]
    cases = [
        (b"%PDF-1.7 a scanned order", "roster_unsupported"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "roster_xls"),
        (b"PK\x03\x04 not really a zip", "roster_unsupported"),
        (broken.zip_bytes(), "roster_unreadable"),
        (xlsx([]), "roster_empty"),
        (b"", "roster_empty"),
    ]
    for data, code in cases:
        r = await upload(admin, world.org_id, data)
        assert (r.status_code, error_code(r)) == (422, code), code
    r = await upload(admin, world.org_id, broken.zip_bytes())
    assert [(e["file"], e["code"]) for e in r.json()["error"]["params"]["errors"]] == [
        ("users.csv", "missing_file")]
    assert r.json()["error"]["message"].startswith("Файл не удалось прочитать")
    assert (await admin.get(imports(world.org_id))).json()["imports"] == []


async def test_a_file_too_big_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = await world.as_("admin")
    from parta.actions import roster as roster_actions  # the rule lives with the action

    monkeypatch.setattr(roster_actions, "MAX_UPLOAD", 1024)
    r = await upload(admin, world.org_id, oneroster().zip_bytes())
    assert (r.status_code, error_code(r)) == (413, "too_large")
    monkeypatch.undo()
    r = await upload(admin, world.org_id, b"PK" + b"\0" * (21 * 1024 * 1024))
    assert (r.status_code, error_code(r)) == (413, "too_large")  # refused before it is read
    assert (await admin.get(imports(world.org_id))).json()["imports"] == []


async def test_the_import_says_how_many_of_its_students_have_no_consent_yet(world: World) -> None:
    """The roster import is where the school is reminded to ask parents for consent (152-ФЗ):
    the preview counts the file's students without it, the applied import its own students."""
    admin = await world.as_("admin")
    pupils = [p for p in SCHOOL if p.kind == "student"]
    body = await uploaded(admin, world.org_id, oneroster().zip_bytes())
    assert body["consent_gaps"] == {"students": len(pupils), "gaps": len(pupils)}  # all new
    await applied(admin, world.org_id, body["id"])
    r = await admin.get(f"{imports(world.org_id)}/{body['id']}")
    assert r.json()["consent_gaps"] == {"students": len(pupils), "gaps": len(pupils)}

    found = (await admin.get(f"{API}/orgs/{world.org_id}/members",
                             params={"role": "student", "q": "Ёлкина"})).json()["members"]
    alena = found[0]["user_id"]
    r = await admin.post(f"{API}/orgs/{world.org_id}/consents/paper", json={
        "child_id": alena, "purposes": ["processing", "chats", "photos", "calls"],
        "status": "given", "parent_name": "Ёлкина Ольга", "note": ""})
    assert r.status_code == 201, r.text
    r = await admin.get(f"{imports(world.org_id)}/{body['id']}")
    assert r.json()["consent_gaps"] == {"students": len(pupils), "gaps": len(pupils) - 1}
    # Маша of the demo school has no consent either, but she is not this import's.
    school = (await admin.get(f"{API}/orgs/{world.org_id}/consents/gaps")).json()
    assert school["gaps"] > len(pupils) - 1

    again = await uploaded(admin, world.org_id, oneroster().zip_bytes())
    assert again["counts"]["same"] == len(SCHOOL)
    assert again["consent_gaps"] == {"students": len(pupils), "gaps": len(pupils) - 1}
    listed = (await admin.get(imports(world.org_id))).json()["imports"]
    assert {i["consent_gaps"] for i in listed} == {None}  # only in the answer about one import
