"""What the standing schema fuzz found, each fixed at its root and kept fixed here."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.conftest import World
from tests.helpers import API


async def test_a_class_named_with_a_control_character_still_exports_to_a_spreadsheet(
        world: World) -> None:
    # A name pasted from elsewhere may carry a control character; the XLSX format cannot hold
    # one, and the export used to fail with a server error for the whole school.
    irina = await world.as_("admin")
    r = await irina.post(f"{API}/orgs/{world.org_id}/groups", json={"name": "Кружок\x19 шахмат"})
    assert r.status_code == 201, r.text
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
