"""Enrolment by phone is an offer its owner decides (finding 5 of the «Trust» probe).

The demo school's administrator records a hiring with the phone of Наталья Павловна Орлова,
who runs Гимназия № 5. The school must not learn her name, her account, her e-mail, nor even
that the phone has an account: its answer is the same as for a phone nobody ever used —
«invited». Наталья sees the offer after signing in and decides; declining tells the school
«declined» and nothing else.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from parta.models import AuditEntry, Membership
from tests.conftest import World, error_code
from tests.helpers import API, GYMNASIUM_ADMIN, groups_of, members, register_gymnasium

NOBODYS_PHONE = "+79165550000"
ORLOVA = "Наталья Павловна Орлова"


def _shape(body: dict[str, Any]) -> dict[str, Any]:
    """A movement's answer without what differs between any two records (ids, times, the
    phone the school typed itself)."""
    return {**{k: v for k, v in body.items() if k not in ("id", "created_at", "decided_at")},
            "details": {k: v for k, v in body["details"].items() if k != "phone"}}


async def _hire(admin: httpx.AsyncClient, org_id: int, phone: str) -> dict[str, Any]:
    r = await admin.post(f"{API}/orgs/{org_id}/movements", json={"kind": "hire", "person": {
        "last_name": "Петрова", "first_name": "Мария", "phone": phone,
        "email": "petrova@school1.example", "position": "учитель музыки"}})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_hiring_by_the_phone_of_another_schools_person_reveals_nothing(
        world: World) -> None:
    _, orlova = await register_gymnasium(world)
    admin = await world.as_("admin")
    hers = await _hire(admin, world.org_id, GYMNASIUM_ADMIN)
    nobodys = await _hire(admin, world.org_id, NOBODYS_PHONE)
    assert _shape(hers) == _shape(nobodys)  # the same answer: «invited»
    assert hers["user"] is None and hers["invitation"] == "pending"
    assert ORLOVA not in str(hers) and "orlova" not in str(hers)
    listed = (await admin.get(f"{API}/orgs/{world.org_id}/movements")).json()["movements"]
    assert _shape(listed[0]) == _shape(listed[1]) and ORLOVA not in str(listed)
    # She is not enrolled: neither in the school's people nor with her contacts.
    people = await members(admin, world.org_id)
    assert ORLOVA not in str(people) and GYMNASIUM_ADMIN not in str(people)
    orlova_id = int((await orlova.get(f"{API}/me")).json()["id"])
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(Membership).where(
            Membership.org_id == world.org_id, Membership.user_id == orlova_id))).first() is None
        # Her account is as she left it: the school's records did not rename it.
        from parta.models import User

        user = await db.get(User, orlova_id)
        assert user is not None and user.name == ORLOVA and user.email != "petrova@school1.example"


async def test_the_person_sees_the_offer_and_accepting_enrols_her_as_proposed(
        world: World) -> None:
    _, orlova = await register_gymnasium(world)
    admin = await world.as_("admin")
    await _hire(admin, world.org_id, GYMNASIUM_ADMIN)
    [offer] = (await orlova.get(f"{API}/me/offers")).json()["offers"]
    assert offer["org"]["name"] == "Школа № 1 (демо)"
    assert (offer["role"], offer["position"], offer["status"]) == (
        "teacher", "учитель музыки", "pending")
    r = await orlova.post(f"{API}/me/offers/{offer['id']}/accept")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    orlova_id = int((await orlova.get(f"{API}/me")).json()["id"])
    people = await members(admin, world.org_id)
    assert people[orlova_id]["roles"] == ["teacher"] and people[orlova_id]["name"] == ORLOVA
    assert (await orlova.get(f"{API}/me/offers")).json()["offers"] == []
    [mv] = (await admin.get(f"{API}/orgs/{world.org_id}/movements")).json()["movements"]
    assert mv["user"]["name"] == ORLOVA and mv["invitation"] == "accepted"
    r = await orlova.post(f"{API}/me/offers/{offer['id']}/accept")
    assert (r.status_code, error_code(r)) == (409, "offer_not_pending")


async def test_declining_tells_the_school_only_declined(world: World) -> None:
    _, orlova = await register_gymnasium(world)
    admin = await world.as_("admin")
    await _hire(admin, world.org_id, GYMNASIUM_ADMIN)
    [offer] = (await orlova.get(f"{API}/me/offers")).json()["offers"]
    r = await orlova.post(f"{API}/me/offers/{offer['id']}/decline")
    assert r.status_code == 200 and r.json()["status"] == "declined"
    [mv] = (await admin.get(f"{API}/orgs/{world.org_id}/movements")).json()["movements"]
    assert mv["user"] is None and mv["invitation"] == "declined"
    orlova_id = int((await orlova.get(f"{API}/me")).json()["id"])
    audit = (await admin.get(f"{API}/orgs/{world.org_id}/audit")).json()
    assert ORLOVA not in str(audit)
    async with world.services.sessionmaker() as db:
        entries = list((await db.execute(select(AuditEntry).where(
            AuditEntry.org_id == world.org_id))).scalars())
    assert all(e.actor_id != orlova_id and e.target_id != orlova_id
               and orlova_id not in e.details.values() for e in entries)
    declined = [e.event for e in world.events_of("enrolment_offer.changed")
                if e.event.model_dump()["status"] == "declined"]
    assert declined and all(set(d.model_dump()) == {"type", "org_id", "offer_id", "status"}
                            for d in declined)
    assert orlova_id not in await members(admin, world.org_id)


async def test_an_offer_is_its_owners_alone(world: World) -> None:
    await register_gymnasium(world)
    admin = await world.as_("admin")
    await _hire(admin, world.org_id, GYMNASIUM_ADMIN)
    async with world.services.sessionmaker() as db:
        from parta.models import EnrolmentOffer

        offer_id = (await db.execute(select(EnrolmentOffer.id))).scalar_one()
    for who in ("admin", "teacher", "student"):
        c = await world.as_(who)
        for verb in ("accept", "decline"):
            r = await c.post(f"{API}/me/offers/{offer_id}/{verb}")
            assert (r.status_code, error_code(r)) == (404, "not_found")
        assert (await c.get(f"{API}/me/offers")).json()["offers"] == []


async def test_an_arrival_by_the_phone_of_another_schools_person_is_an_invitation_too(
        world: World) -> None:
    """A student arriving with a phone that already has an account (here: an adult of the
    gymnasium, to be sure the phone is someone else's) — the same answer as a new phone."""
    _, orlova = await register_gymnasium(world)
    admin = await world.as_("admin")
    g5a = (await groups_of(admin, world.org_id))["5А"]["id"]

    async def arrive(phone: str) -> dict[str, Any]:
        r = await admin.post(f"{API}/orgs/{world.org_id}/movements", json={
            "kind": "arrival", "to_group_id": g5a, "person": {
                "last_name": "Новикова", "first_name": "Ксения", "phone": phone}})
        assert r.status_code == 201, r.text
        return dict(r.json())

    assert _shape(await arrive(GYMNASIUM_ADMIN)) == _shape(await arrive(NOBODYS_PHONE))
    [offer] = (await orlova.get(f"{API}/me/offers")).json()["offers"]
    assert (offer["role"], offer["group"]["name"]) == ("student", "5А")


async def test_a_roster_with_the_phone_of_another_schools_person_invites_her(
        world: World) -> None:
    """A roster row with Наталья's phone and a row with a phone nobody has read the same in
    the preview — no account id, no «matched by phone» — and applying it offers her the place
    (she is not enrolled, her account unchanged), while the new phone is enrolled as before."""
    from tests.roster.fixtures import SCHOOL, Person, oneroster

    _, orlova = await register_gymnasium(world)
    admin = await world.as_("admin")
    people = SCHOOL + (
        Person("new-1", "teacher", "Петрова", "Мария", phone=GYMNASIUM_ADMIN,
               email="petrova@licey7.example"),
        Person("new-2", "teacher", "Петрова", "Дарья", phone=NOBODYS_PHONE,
               email="petrova2@licey7.example"),
    )
    r = await admin.post(f"{API}/orgs/{world.org_id}/roster/imports",
                         files={"file": ("licey7.zip", oneroster(people).zip_bytes(),
                                         "application/zip")})
    assert r.status_code == 201, r.text
    body = r.json()
    items = (await admin.get(f"{API}/orgs/{world.org_id}/roster/imports/{body['id']}/items",
                             params={"limit": 1000})).json()["items"]
    rows = {i["key"]: i for i in items}
    orlova_id = int((await orlova.get(f"{API}/me")).json()["id"])

    def shape(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row.items()
                if k not in ("key", "source_id", "name", "first_name", "phone", "email", "line")}

    assert shape(rows["new-1"]) == shape(rows["new-2"])
    assert rows["new-1"]["user_id"] is None and rows["new-1"]["matched_by"] is None
    assert rows["new-1"]["invite"] is True and rows["new-1"]["op"] == "create"
    assert ORLOVA not in str(items)
    assert body["counts"]["invite"] == len([p for p in people if p.phone])  # every new phone
    r = await admin.post(f"{API}/orgs/{world.org_id}/roster/imports/{body['id']}/apply", json={})
    assert r.status_code == 202, r.text
    for _ in range(1000):
        done = (await admin.get(f"{API}/orgs/{world.org_id}/roster/imports/{body['id']}")).json()
        if done["status"] in ("applied", "failed"):
            break
        import asyncio

        await asyncio.sleep(0.02)
    assert done["status"] == "applied", done
    people_now = await members(admin, world.org_id)
    assert orlova_id not in people_now and ORLOVA not in str(people_now)
    assert "Дарья Петрова" in str(people_now)  # a phone nobody had: enrolled as before
    async with world.services.sessionmaker() as db:
        from parta.models import User

        user = await db.get(User, orlova_id)
        assert user is not None and user.name == ORLOVA and user.email != "petrova@licey7.example"
    [offer] = (await orlova.get(f"{API}/me/offers")).json()["offers"]
    assert offer["role"] == "teacher" and offer["org"]["name"] == "Школа № 1 (демо)"
    assert (await orlova.post(f"{API}/me/offers/{offer['id']}/accept")).status_code == 200
    assert (await members(admin, world.org_id))[orlova_id]["roles"] == ["teacher"]


async def test_a_parent_invited_by_a_roster_is_linked_to_her_child_on_accepting(
        world: World) -> None:
    from tests.roster.fixtures import SCHOOL, Person, oneroster
    from tests.roster.helpers import apply, preview

    _, orlova = await register_gymnasium(world)
    admin = await world.as_("admin")
    people = SCHOOL + (Person("par-9", "parent", "Орлова", "Наталья", "Павловна",
                              phone=GYMNASIUM_ADMIN, children=("stu-1",)),)
    row = await preview(world, oneroster(people).zip_bytes())
    done = await apply(world, row.id)
    assert done.status.value == "applied"
    orlova_id = int((await orlova.get(f"{API}/me")).json()["id"])
    assert orlova_id not in await members(admin, world.org_id)
    [offer] = (await orlova.get(f"{API}/me/offers")).json()["offers"]
    assert offer["role"] == "parent"
    assert (await orlova.post(f"{API}/me/offers/{offer['id']}/accept")).status_code == 200
    me = await members(admin, world.org_id)
    assert me[orlova_id]["roles"] == ["parent"]
    assert [c["name"] for c in me[orlova_id]["children"]] == ["Мария Петровна Иванова"]
