"""A parent's children (R17) and where a young child's sign-in codes go (R10): the parent sets
the address and proves it with a code sent there; the school may set it from its records."""

from __future__ import annotations

import asyncio
import re

import httpx

from tests.conftest import PHONES, World, error_code
from tests.helpers import API, register_gymnasium


async def children(client: httpx.AsyncClient) -> dict[str, dict]:
    r = await client.get(f"{API}/me/children")
    assert r.status_code == 200, r.text
    return {c["child"]["name"]: c for c in r.json()["children"]}


def code_in(mail: tuple[str, str, str]) -> str:
    found = re.search(r"\b(\d{6})\b", mail[2])
    assert found, mail
    return found.group(1)


async def test_a_parent_sees_each_child_with_the_class_and_its_chats(world: World) -> None:
    elena = await world.as_("parent")
    mine = await children(elena)
    assert set(mine) == {"Маша Иванова", "Ваня Иванов"}
    masha, vanya = mine["Маша Иванова"], mine["Ваня Иванов"]
    assert (masha["group"]["name"], masha["primary_school"], masha["code_email"]) == ("5А", False, None)
    assert [(c["title"], c["state"]) for c in masha["chats"]] == [("5А — родители", "member")]
    assert masha["parents_chat_missing"] is False
    # 1А has no parents' chat yet: said, not silently absent.
    assert (vanya["group"]["name"], vanya["primary_school"], vanya["parents_chat_missing"]) == ("1А", True, True)
    assert vanya["code_email"] == "e•••@example.com"
    # Nobody else's children.
    assert await children(await world.as_("teacher")) == {}


async def test_a_parent_confirms_a_new_code_address_for_a_primary_pupil(world: World) -> None:
    elena = await world.as_("parent")
    vanya_id = await world.user_id("little")
    base = f"{API}/me/children/{vanya_id}/code-email"
    r = await elena.post(base, json={"email": "elena.new@example.org"})
    assert r.status_code == 202, r.text
    assert r.json() == {"code_email": "e•••@example.com", "pending": "e•••@example.org"}
    [mail] = [m for m in world.mail.sent if m[0] == "elena.new@example.org"]
    code = code_in(mail)
    wrong = "000000" if code != "000000" else "111111"
    r = await elena.post(f"{base}/confirm", json={"code": wrong})
    assert (r.status_code, error_code(r)) == (400, "code_invalid")
    assert r.json()["error"]["params"]["attempts_left"] == 4  # the try was counted
    assert (await children(elena))["Ваня Иванов"]["code_email"] == "e•••@example.com"
    r = await elena.post(f"{base}/confirm", json={"code": code})
    assert (r.status_code, r.json()["code_email"]) == (200, "e•••@example.org")
    r = await elena.post(f"{base}/confirm", json={"code": code})  # used once
    assert (r.status_code, error_code(r)) == (400, "code_expired")
    # Ваня's next sign-in code goes to the new address.
    before = len(world.mail.sent)
    anon = world.client()
    r = await anon.post(f"{API}/auth/code", json={"phone": PHONES["little"], "channel": "parent_email"})
    assert r.status_code == 200, r.text
    for _ in range(500):  # the letter goes out after the answer: wait for it, not for a time
        if len(world.mail.sent) > before:
            break
        await asyncio.sleep(0.01)
    sent = world.mail.sent[before:]
    assert [m[0] for m in sent] == ["elena.new@example.org"]


async def test_five_wrong_codes_use_the_confirmation_up(world: World) -> None:
    elena = await world.as_("parent")
    base = f"{API}/me/children/{await world.user_id('little')}/code-email"
    assert (await elena.post(base, json={"email": "x@example.org"})).status_code == 202
    code = code_in(world.mail.sent[-1])
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1, 0):
        r = await elena.post(f"{base}/confirm", json={"code": wrong})
        assert (r.status_code, r.json()["error"]["params"].get("attempts_left")) == (400, left)
    r = await elena.post(f"{base}/confirm", json={"code": code})  # even the right one now
    assert (r.status_code, error_code(r)) == (400, "code_attempts")
    assert (await children(elena))["Ваня Иванов"]["code_email"] == "e•••@example.com"


async def test_refusals_change_nothing(world: World) -> None:
    elena = await world.as_("parent")
    masha_id, vanya_id = await world.user_id("student"), await world.user_id("little")
    before = len(world.mail.sent)
    # Маша is in the fifth grade: her codes come by SMS.
    r = await elena.post(f"{API}/me/children/{masha_id}/code-email", json={"email": "a@example.org"})
    assert (r.status_code, error_code(r)) == (409, "not_primary_school")
    for body in ({"email": "not-an-address"}, {"email": ""}, {}, {"email": "a@b.ru", "x": 1}):
        r = await elena.post(f"{API}/me/children/{vanya_id}/code-email", json=body)
        assert (r.status_code, error_code(r)) == (422, "validation_failed"), body
    # Someone else's child, or no child at all, does not exist.
    for who in ("teacher", "student", "admin"):
        c = await world.as_(who)
        r = await c.post(f"{API}/me/children/{vanya_id}/code-email", json={"email": "a@example.org"})
        assert (r.status_code, error_code(r)) == (404, "not_found"), who
        r = await c.post(f"{API}/me/children/{vanya_id}/code-email/confirm", json={"code": "123456"})
        assert (r.status_code, error_code(r)) == (404, "not_found"), who
    r = await elena.post(f"{API}/me/children/{vanya_id + 1000}/code-email", json={"email": "a@example.org"})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    assert len(world.mail.sent) == before
    assert (await children(elena))["Ваня Иванов"]["code_email"] == "e•••@example.com"


async def test_the_school_sets_the_address_from_its_records(world: World) -> None:
    admin = await world.as_("admin")
    vanya_id = await world.user_id("little")
    base = f"{API}/orgs/{world.org_id}/members/{vanya_id}/code-email"
    r = await admin.put(base, json={"email": "ivanovy@example.org"})
    assert (r.status_code, r.json()["code_email"]) == (200, "i•••@example.org")
    elena = await world.as_("parent")
    assert (await children(elena))["Ваня Иванов"]["code_email"] == "i•••@example.org"
    # Not a teacher's to set; not for a teacher or a fifth-grader; another school's admin: 404.
    r = await (await world.as_("teacher")).put(base, json={"email": "a@example.org"})
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    r = await admin.put(f"{API}/orgs/{world.org_id}/members/{await world.user_id('teacher')}/code-email",
                        json={"email": "a@example.org"})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await admin.put(f"{API}/orgs/{world.org_id}/members/{await world.user_id('student')}/code-email",
                        json={"email": "a@example.org"})
    assert (r.status_code, error_code(r)) == (409, "not_primary_school")
    _gym_id, gym_admin = await register_gymnasium(world)
    r = await gym_admin.put(base, json={"email": "a@example.org"})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    assert (await children(elena))["Ваня Иванов"]["code_email"] == "i•••@example.org"
