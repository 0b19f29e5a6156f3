from tests.conftest import World


async def test_admin_signs_in_and_sees_groups(world: World) -> None:
    admin = await world.as_("admin")
    r = await admin.get(f"/api/v1/orgs/{world.org_id}/groups")
    assert r.status_code == 200
    assert [g["name"] for g in r.json()["groups"]] == ["Учительская", "1А", "5А", "5Б", "9А"]
