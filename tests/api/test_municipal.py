"""A municipal administrator sees the figures of the organizations of their municipality (R2)."""

from __future__ import annotations

from tests.conftest import World, error_code

MUNI_ADMIN = "+79005550001"


async def test_the_operator_appoints_a_municipal_admin_who_sees_figures(world: World) -> None:
    operator = await world.as_("operator")
    regions = (await operator.get("/api/v1/regions")).json()["regions"]
    muni_id = regions[0]["municipalities"][0]["id"]
    r = await operator.post(f"/api/v1/municipalities/{muni_id}/admins",
                            json={"phone": "+7 900 555-00-01", "name": "Ольга Николаевна Руденко"})
    assert r.status_code == 201
    again = await operator.post(f"/api/v1/municipalities/{muni_id}/admins",
                                json={"phone": MUNI_ADMIN, "name": "x"})
    assert again.status_code == 409

    muni = await world.sign_in(MUNI_ADMIN)
    me = (await muni.get("/api/v1/me")).json()
    assert me["municipalities"] == [{"id": muni_id, "name": "Городской округ Демо"}]
    orgs = (await muni.get("/api/v1/organizations")).json()["organizations"]
    assert [o["id"] for o in orgs] == [world.org_id]
    figures = (await muni.get(f"/api/v1/orgs/{world.org_id}/figures")).json()
    assert figures["students"] == 3 and figures["parents"] == 1 and figures["verified_teachers"] == 2
    # Oversight, not administration: no edits, no contacts.
    r = await muni.patch(f"/api/v1/orgs/{world.org_id}", json={"name": "Другая"})
    assert r.status_code == 403
    assert (await muni.get(f"/api/v1/orgs/{world.org_id}/members")).status_code == 403


async def test_only_the_operator_appoints_municipal_admins(world: World) -> None:
    admin = await world.as_("admin")
    r = await admin.post("/api/v1/municipalities/1/admins", json={"phone": MUNI_ADMIN, "name": "x"})
    assert r.status_code == 403 and error_code(r) == "forbidden"
    operator = await world.as_("operator")
    r = await operator.post("/api/v1/municipalities/99999/admins", json={"phone": MUNI_ADMIN, "name": "x"})
    assert r.status_code == 404
    r = await operator.post("/api/v1/municipalities/1/admins", json={"phone": "123", "name": "x"})
    assert r.status_code == 422 and error_code(r) == "invalid_phone"
