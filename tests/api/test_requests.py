"""Parents (R17): a parent comes by a class's link and names the child; staff confirm the link
by choosing the child among the school's students."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import World, error_code
from tests.helpers import API, groups_of, my_id, newcomer, register_gymnasium


async def join(world: World, inviter: httpx.AsyncClient, role: str, group_id: int,
               who: httpx.AsyncClient, **body: str) -> None:
    r = await inviter.post(f"{API}/orgs/{world.org_id}/invites",
                           json={"role": role, "group_id": group_id})
    assert r.status_code == 201, r.text
    r = await who.post(f"{API}/invites/{r.json()['token']}/join", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "joined"


async def links(client: httpx.AsyncClient, org_id: int, status: str = "all") -> list[dict[str, Any]]:
    r = await client.get(f"{API}/orgs/{org_id}/parent-links", params={"status": status})
    assert r.status_code == 200, r.text
    return list(r.json()["links"])


async def member(admin: httpx.AsyncClient, org_id: int, user_id: int) -> dict[str, Any]:
    r = await admin.get(f"{API}/orgs/{org_id}/members")
    [m] = [m for m in r.json()["members"] if m["user_id"] == user_id]
    return dict(m)


async def olga_comes_for_petya(world: World) -> tuple[httpx.AsyncClient, int, int]:
    """Ольга Соколова joins by 5А's parent link, naming Петя Соколов; returns her link's id."""
    anna = await world.as_("teacher")
    g5a = (await groups_of(anna, world.org_id))["5А"]["id"]
    olga = await newcomer(world, "+79201112255", "Ольга Соколова")
    await join(world, anna, "parent", g5a, olga, child_name="Петя Соколов")
    olga_id = await my_id(olga)
    [link] = [l for l in await links(anna, world.org_id, "pending") if l["parent"]["id"] == olga_id]
    return olga, olga_id, int(link["id"])


async def test_the_administrator_confirms_a_parent_by_choosing_the_child(world: World) -> None:
    _, olga_id, link_id = await olga_comes_for_petya(world)
    admin = await world.as_("admin")
    assert (await member(admin, world.org_id, olga_id))["children"] == []
    petya = await world.user_id("student2")
    r = await admin.post(f"{API}/orgs/{world.org_id}/parent-links/{link_id}/confirm",
                         json={"child_user_id": petya})
    assert r.status_code == 200, r.text
    link = r.json()
    assert (link["status"], link["child"], link["child_name_claimed"], link["group"]["name"]) == (
        "confirmed", {"id": petya, "name": "Петя Соколов", "verified_teacher": False},
        "Петя Соколов", "5А")
    assert (await member(admin, world.org_id, olga_id))["children"] == [
        {"id": petya, "name": "Петя Соколов", "verified_teacher": False}]
    assert await links(admin, world.org_id, "pending") == []
    entries = (await admin.get(f"{API}/orgs/{world.org_id}/audit")).json()["entries"]
    assert (entries[0]["action"], entries[0]["actor"]["id"], entries[0]["details"]) == (
        "parent_link.confirmed", await world.user_id("admin"),
        {"parent_id": olga_id, "child_id": petya})


async def test_the_class_teacher_confirms_for_her_class_a_subject_teacher_cannot(world: World) -> None:
    _, _, link_id = await olga_comes_for_petya(world)
    petya = await world.user_id("student2")
    oleg = await world.as_("math_teacher")  # teaches 5А, does not lead it
    assert await links(oleg, world.org_id) == []
    r = await oleg.post(f"{API}/orgs/{world.org_id}/parent-links/{link_id}/confirm",
                        json={"child_user_id": petya})
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    for key in ("student", "parent"):
        someone = await world.as_(key)
        r = await someone.post(f"{API}/orgs/{world.org_id}/parent-links/{link_id}/confirm",
                               json={"child_user_id": petya})
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
        r = await someone.get(f"{API}/orgs/{world.org_id}/parent-links")
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
    anna = await world.as_("teacher")
    assert [l["status"] for l in await links(anna, world.org_id, "pending")] == ["pending"]
    r = await anna.post(f"{API}/orgs/{world.org_id}/parent-links/{link_id}/confirm",
                        json={"child_user_id": petya})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "confirmed"


async def test_the_chosen_child_must_be_a_student_of_the_school(world: World) -> None:
    _, olga_id, link_id = await olga_comes_for_petya(world)
    admin = await world.as_("admin")
    stranger = await newcomer(world, "+79995550011", "Незнакомый Ребёнок")
    not_students = {
        "a teacher": await world.user_id("teacher"),
        "a parent": await world.user_id("parent"),
        "the parent herself": olga_id,
        "a person of no school": await my_id(stranger),
        "nobody at all": olga_id + 1000,
    }
    for who, uid in not_students.items():
        r = await admin.post(f"{API}/orgs/{world.org_id}/parent-links/{link_id}/confirm",
                             json={"child_user_id": uid})
        assert (r.status_code, error_code(r)) == (422, "not_a_student"), who
        assert list(r.json()["error"]["fields"]) == ["child_user_id"]
    r = await admin.post(f"{API}/orgs/{world.org_id}/parent-links/{link_id}/confirm", json={})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
    [link] = [l for l in await links(admin, world.org_id) if l["id"] == link_id]
    assert (link["status"], link["child"]) == ("pending", None)
    assert (await member(admin, world.org_id, olga_id))["children"] == []


async def test_a_student_of_another_school_cannot_be_chosen(world: World) -> None:
    _, _, link_id = await olga_comes_for_petya(world)
    gym_id, natalia = await register_gymnasium(world)
    r = await natalia.post(f"{API}/orgs/{gym_id}/groups", json={"grade": 6, "letter": "А"})
    r = await natalia.post(f"{API}/orgs/{gym_id}/invites",
                           json={"role": "student", "group_id": r.json()["id"]})
    vova = await newcomer(world, "+79201119999", "Вова Соколов")
    assert (await vova.post(f"{API}/invites/{r.json()['token']}/join", json={})).status_code == 200
    admin = await world.as_("admin")
    r = await admin.post(f"{API}/orgs/{world.org_id}/parent-links/{link_id}/confirm",
                         json={"child_user_id": await my_id(vova)})
    assert (r.status_code, error_code(r)) == (422, "not_a_student")
    # Nor can the gymnasium see or decide our parent's link.
    r = await natalia.post(f"{API}/orgs/{gym_id}/parent-links/{link_id}/confirm",
                           json={"child_user_id": await my_id(vova)})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await natalia.post(f"{API}/orgs/{world.org_id}/parent-links/{link_id}/refuse")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    [link] = [l for l in await links(admin, world.org_id) if l["id"] == link_id]
    assert (link["status"], link["child"]) == ("pending", None)


async def test_a_refused_link_gives_no_child(world: World) -> None:
    _, olga_id, link_id = await olga_comes_for_petya(world)
    admin = await world.as_("admin")
    r = await admin.post(f"{API}/orgs/{world.org_id}/parent-links/{link_id}/refuse")
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["child"]) == ("refused", None)
    assert (await member(admin, world.org_id, olga_id))["children"] == []
    entries = (await admin.get(f"{API}/orgs/{world.org_id}/audit")).json()["entries"]
    assert entries[0]["action"] == "parent_link.refused"


async def test_a_link_is_decided_only_once(world: World) -> None:
    _, olga_id, link_id = await olga_comes_for_petya(world)
    admin = await world.as_("admin")
    petya = await world.user_id("student2")
    masha = await world.user_id("student")
    r = await admin.post(f"{API}/orgs/{world.org_id}/parent-links/{link_id}/confirm",
                         json={"child_user_id": petya})
    assert r.status_code == 200, r.text
    r = await admin.post(f"{API}/orgs/{world.org_id}/parent-links/{link_id}/confirm",
                         json={"child_user_id": masha})
    assert (r.status_code, error_code(r)) == (409, "already_decided")
    r = await admin.post(f"{API}/orgs/{world.org_id}/parent-links/{link_id}/refuse")
    assert (r.status_code, error_code(r)) == (409, "already_decided")
    assert [c["id"] for c in (await member(admin, world.org_id, olga_id))["children"]] == [petya]


async def test_a_parent_of_two_children_in_different_classes(world: World) -> None:
    admin = await world.as_("admin")
    groups = await groups_of(admin, world.org_id)
    kolya = await newcomer(world, "+79201112244", "Коля Кузнецов")
    dasha = await newcomer(world, "+79201112266", "Даша Кузнецова")
    await join(world, admin, "student", groups["5Б"]["id"], kolya)
    await join(world, admin, "student", groups["1А"]["id"], dasha)
    svetlana = await newcomer(world, "+79201112288", "Светлана Кузнецова")
    await join(world, admin, "parent", groups["5Б"]["id"], svetlana, child_name="Коля")
    await join(world, admin, "parent", groups["1А"]["id"], svetlana, child_name="Даша")
    svetlana_id = await my_id(svetlana)

    # The same class twice is a repeat, not a third child.
    r = await admin.post(f"{API}/orgs/{world.org_id}/invites",
                         json={"role": "parent", "group_id": groups["5Б"]["id"]})
    r = await svetlana.post(f"{API}/invites/{r.json()['token']}/join", json={"child_name": "Коля"})
    assert (r.status_code, error_code(r)) == (409, "already_member")

    pending = {l["group"]["name"]: l for l in await links(admin, world.org_id, "pending")
               if l["parent"]["id"] == svetlana_id}
    assert sorted(pending) == ["1А", "5Б"]
    assert pending["5Б"]["child_name_claimed"] == "Коля"
    for cls, child in (("5Б", kolya), ("1А", dasha)):
        r = await admin.post(f"{API}/orgs/{world.org_id}/parent-links/{pending[cls]['id']}/confirm",
                             json={"child_user_id": await my_id(child)})
        assert r.status_code == 200, r.text
    m = await member(admin, world.org_id, svetlana_id)
    assert m["roles"] == ["parent"]
    assert sorted(c["name"] for c in m["children"]) == ["Даша Кузнецова", "Коля Кузнецов"]
    assert m["groups"] == []  # parents are not members of the class itself

    # The same child cannot be confirmed twice for one parent.
    r = await admin.post(f"{API}/orgs/{world.org_id}/invites",
                         json={"role": "parent", "group_id": groups["9А"]["id"]})
    r = await svetlana.post(f"{API}/invites/{r.json()['token']}/join", json={"child_name": "Коля"})
    assert r.status_code == 200, r.text
    [third] = [l for l in await links(admin, world.org_id, "pending") if l["parent"]["id"] == svetlana_id]
    r = await admin.post(f"{API}/orgs/{world.org_id}/parent-links/{third['id']}/confirm",
                         json={"child_user_id": await my_id(kolya)})
    assert (r.status_code, error_code(r)) == (409, "already_decided")
    assert len((await member(admin, world.org_id, svetlana_id))["children"]) == 2


async def test_the_demo_mother_of_two_is_listed_with_both_children(world: World) -> None:
    anna = await world.as_("teacher")
    r = await anna.get(f"{API}/orgs/{world.org_id}/members", params={"role": "parent"})
    [elena] = r.json()["members"]
    assert elena["name"] == "Елена Иванова"
    assert sorted(c["name"] for c in elena["children"]) == ["Ваня Иванов", "Маша Иванова"]
    assert elena["phone"] is None  # a teacher does not see parents' phones


async def test_the_class_teacher_sees_only_her_class_parent_links(world: World) -> None:
    admin = await world.as_("admin")
    groups = await groups_of(admin, world.org_id)
    await olga_comes_for_petya(world)
    svetlana = await newcomer(world, "+79201112288", "Светлана Кузнецова")
    await join(world, admin, "parent", groups["1А"]["id"], svetlana, child_name="Даша")
    anna = await world.as_("teacher")
    assert [l["group"]["name"] for l in await links(anna, world.org_id, "pending")] == ["5А"]
    assert sorted(l["group"]["name"] for l in await links(admin, world.org_id, "pending")) == ["1А", "5А"]


async def test_the_class_teacher_confirms_only_a_child_of_her_class(world: World) -> None:
    _, olga_id, link_id = await olga_comes_for_petya(world)  # came by 5А's link
    anna = await world.as_("teacher")  # leads 5А, not 1А
    vanya = await world.user_id("little")  # a student of 1А
    r = await anna.post(f"{API}/orgs/{world.org_id}/parent-links/{link_id}/confirm",
                        json={"child_user_id": vanya})
    assert (r.status_code, error_code(r)) == (422, "not_in_class"), r.text
    admin = await world.as_("admin")
    assert (await member(admin, world.org_id, olga_id))["children"] == []
    petya = await world.user_id("student2")  # of 5А: this one she may confirm
    r = await anna.post(f"{API}/orgs/{world.org_id}/parent-links/{link_id}/confirm",
                        json={"child_user_id": petya})
    assert r.status_code == 200
    decided = world.events_of("parent_link.decided")
    assert len(decided) == 1 and olga_id in decided[0].audience


async def test_a_confirmed_parent_is_asked_into_the_childs_parents_chat(world: World) -> None:
    """Joining by 5А's parents' link leads, once the school confirms the child, to an
    invitation into 5А's parents' chat — not only the school channel (R17, R22, R23)."""
    olga, _olga_id, link_id = await olga_comes_for_petya(world)
    before = (await olga.get(f"{API}/chats")).json()
    assert "5А — родители" not in [i["title"] for i in before["invitations"]]  # not yet confirmed
    admin = await world.as_("admin")
    petya_id = await world.user_id("student2")
    r = await admin.post(f"{API}/orgs/{world.org_id}/parent-links/{link_id}/confirm",
                         json={"child_user_id": petya_id})
    assert r.status_code == 200, r.text
    after = (await olga.get(f"{API}/chats")).json()
    assert [i["title"] for i in after["invitations"]] == ["5А — родители"]
    assert "5А — класс" not in [c["title"] for c in after["chats"]]  # the children's chat is theirs


async def test_a_refused_parent_is_asked_into_nothing(world: World) -> None:
    olga, _olga_id, link_id = await olga_comes_for_petya(world)
    admin = await world.as_("admin")
    r = await admin.post(f"{API}/orgs/{world.org_id}/parent-links/{link_id}/refuse")
    assert r.status_code == 200, r.text
    assert (await olga.get(f"{API}/chats")).json()["invitations"] == []
