"""The PII scan of every answer (tests/pii_scan.py) sees contacts however they are written and
tells the allowed from the leaked."""

from __future__ import annotations

import httpx

from tests.conftest import PHONES, World
from tests.helpers import API


async def test_the_administrator_sees_her_school_s_contacts_and_a_teacher_does_not(
        world: World) -> None:
    assert world.pii is not None
    irina, anna = await world.as_("admin"), await world.as_("teacher")
    masha_id = await world.user_id("student")
    r = await irina.get(f"{API}/orgs/{world.org_id}/members")
    assert {m["user_id"]: m["phone"] for m in r.json()["members"]}[masha_id] == PHONES["student"]
    assert world.pii.shown >= 7 and not world.pii.leaks  # seen, and allowed
    r = await anna.get(f"{API}/orgs/{world.org_id}/members")
    assert {m["user_id"]: m["phone"] for m in r.json()["members"]}[masha_id] is None
    r = await anna.get(f"{API}/me")
    assert r.json()["phone"] == PHONES["teacher"]  # her own
    assert not world.pii.leaks


async def answer(world: World, caller: httpx.AsyncClient, body: object) -> None:
    """An answer the app might have given ``caller``, through the scan."""
    assert world.pii is not None
    request = httpx.Request("GET", f"http://parta.test{API}/chats/1", headers=caller.headers)
    await world.pii.check(httpx.Response(200, json=body, request=request))


async def test_a_phone_written_any_way_or_an_e_mail_shown_to_another_pupil_is_a_leak(
        world: World) -> None:
    assert world.pii is not None
    petya = await world.as_("student2")
    for written in ("+7 900 000-00-11", "8 (900) 000 00 11", "тел. 89000000011, звоните",
                    "79000000011"):
        await answer(world, petya, {"messages": [{"body": written}]})
        assert [str(leak) for leak in world.pii.leaks] == [
            f"GET {API}/chats/1: Петя Соколов was shown Маша Иванова's phone 9000000011"], written
        world.pii.leaks.clear()
    await answer(world, petya, {"child": {"parent_email": "Elena.Ivanova@example.com"}})
    assert [leak.contact for leak in world.pii.leaks] == ["e-mail elena.ivanova@example.com"]
    world.pii.leaks.clear()
    await answer(world, petya, {"me": {"phone": "+79000000012"}, "when": "2026-09-01 09:00:01"})
    assert not world.pii.leaks  # his own, and a date that is no phone


async def test_an_administrator_of_another_school_sees_no_contacts_of_this_one(
        world: World) -> None:
    from tests.helpers import register_gymnasium

    assert world.pii is not None
    _, natalia = await register_gymnasium(world)
    await answer(world, natalia, {"phone": PHONES["teacher"]})
    assert [leak.contact for leak in world.pii.leaks] == ["phone 9000000002"]
    world.pii.leaks.clear()
    await answer(world, await world.as_("admin"), {"phone": PHONES["teacher"]})
    await answer(world, await world.as_("operator"), {"phone": PHONES["teacher"]})
    assert not world.pii.leaks
