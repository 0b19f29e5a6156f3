"""The audit log of administrative actions: who did what, for administrators only."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import World, error_code
from tests.helpers import register_gymnasium

API = "/api/v1"


async def test_every_administrative_action_is_in_the_audit_log_with_its_actor(world: World) -> None:
    admin = await world.as_("admin")
    admin_id = await world.user_id("admin")
    base = f"{API}/orgs/{world.org_id}"
    steps = []

    async def do(method: str, url: str, expected: str, **kw: Any) -> httpx.Response:
        r = await admin.request(method, f"{base}{url}", **kw)
        assert r.status_code in (200, 201), (url, r.text)
        steps.append(expected)
        return r

    await do("PATCH", "", "org.edited", json={"gradebook_url": "https://dnevnik.example/1"})
    g = (await do("POST", "/groups", "group.created", json={"grade": 7, "letter": "В"})).json()
    await do("PATCH", f"/groups/{g['id']}", "group.edited", json={"letter": "Г"})
    oleg_id = await world.user_id("math_teacher")
    await do("PUT", f"/groups/{g['id']}/class-teacher", "group.class_teacher_set",
             json={"user_id": oleg_id})
    g = (await do("POST", f"/groups/{g['id']}/subject-teachers", "group.subject_teacher_added",
                  json={"user_id": oleg_id, "subject": "Алгебра"})).json()
    await do("DELETE", f"/groups/{g['id']}/subject-teachers/{g['subject_teachers'][0]['id']}",
             "group.subject_teacher_removed")
    await do("DELETE", f"/groups/{g['id']}", "group.archived")
    inv = (await do("POST", "/invites", "invite.created", json={"role": "teacher"})).json()
    await do("POST", f"/invites/{inv['id']}/annul", "invite.annulled")
    await do("POST", "/invites", "invite.created", json={"role": "teacher"})
    await do("POST", "/invites/annul-unclaimed", "invite.annulled_unclaimed")
    await do("POST", f"/members/{oleg_id}/roles", "role.granted", json={"role": "administration"})
    await do("DELETE", f"/members/{oleg_id}/roles/administration", "role.revoked")
    await do("POST", f"/members/{oleg_id}/verification", "verification.confirmed",
             json={"decision": "confirm"})

    r = await admin.get(f"{base}/audit", params={"limit": 200})
    assert r.status_code == 200, r.text
    entries = r.json()["entries"]
    mine = entries[:len(steps)]
    assert [e["action"] for e in mine] == list(reversed(steps))
    assert all(e["actor"] == {"id": admin_id, "name": "Ирина Петровна Смирнова",
                              "verified_teacher": True} for e in mine)
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)
    # The oldest entry is the school's registration, made by nobody signed in (the seed).
    assert (entries[-1]["action"], entries[-1]["actor"]) == ("org.registered", None)
    assert r.json()["next_before_id"] is None


async def test_the_audit_log_is_for_administrators_only(world: World) -> None:
    for key in ("teacher", "math_teacher", "student", "parent"):
        someone = await world.as_(key)
        r = await someone.get(f"{API}/orgs/{world.org_id}/audit")
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
    operator = await world.as_("operator")
    assert (await operator.get(f"{API}/orgs/{world.org_id}/audit")).status_code == 200
    gym_id, natalia = await register_gymnasium(world)
    r = await natalia.get(f"{API}/orgs/{world.org_id}/audit")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    # Her own log holds her school's story only.
    admin = await world.as_("admin")
    await admin.post(f"{API}/orgs/{world.org_id}/groups", json={"grade": 7, "letter": "В"})
    r = await natalia.get(f"{API}/orgs/{gym_id}/audit")
    assert [e["action"] for e in r.json()["entries"]] == ["org.registered"]


async def test_the_audit_log_pages_back_with_before_id(world: World) -> None:
    admin = await world.as_("admin")
    for letter in "ВГДЕЖ":
        r = await admin.post(f"{API}/orgs/{world.org_id}/groups", json={"grade": 7, "letter": letter})
        assert r.status_code == 201, r.text
    everything = (await admin.get(f"{API}/orgs/{world.org_id}/audit")).json()
    assert everything["next_before_id"] is None
    all_ids = [e["id"] for e in everything["entries"]]
    assert len(all_ids) == 6  # the registration and five classes

    pages: list[list[int]] = []
    params: dict[str, int] = {"limit": 4}
    while True:
        page = (await admin.get(f"{API}/orgs/{world.org_id}/audit", params=params)).json()
        pages.append([e["id"] for e in page["entries"]])
        if page["next_before_id"] is None:
            break
        assert page["next_before_id"] == page["entries"][-1]["id"]
        params = {"limit": 4, "before_id": page["next_before_id"]}
    assert [len(p) for p in pages] == [4, 2]
    assert [i for p in pages for i in p] == all_ids

    r = await admin.get(f"{API}/orgs/{world.org_id}/audit", params={"limit": 0})
    assert len(r.json()["entries"]) == 1  # at least one entry per page
    r = await admin.get(f"{API}/orgs/{world.org_id}/audit", params={"before_id": min(all_ids)})
    assert r.json() == {"entries": [], "next_before_id": None}
    r = await admin.get(f"{API}/orgs/{world.org_id}/audit", params={"before_id": "вчера"})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
