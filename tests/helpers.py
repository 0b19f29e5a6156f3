"""Small steps the API tests share: reading the school's groups and members, a newcomer."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import World

API = "/api/v1"


async def groups_of(client: httpx.AsyncClient, org_id: int) -> dict[str, dict[str, Any]]:
    r = await client.get(f"{API}/orgs/{org_id}/groups")
    assert r.status_code == 200, r.text
    return {g["name"]: g for g in r.json()["groups"]}


async def members(client: httpx.AsyncClient, org_id: int, **params: Any) -> dict[int, dict[str, Any]]:
    r = await client.get(f"{API}/orgs/{org_id}/members", params=params)
    assert r.status_code == 200, r.text
    return {m["user_id"]: m for m in r.json()["members"]}


async def newcomer(world: World, phone: str, name: str) -> httpx.AsyncClient:
    """Someone who got a link: signs in with their phone and says their name."""
    c = await world.sign_in(phone)
    r = await c.patch(f"{API}/me", json={"name": name})
    assert r.status_code == 200, r.text
    return c


async def my_id(c: httpx.AsyncClient) -> int:
    return int((await c.get(f"{API}/me")).json()["id"])


GYMNASIUM_ADMIN = "+79161234567"


async def register_gymnasium(world: World) -> tuple[int, httpx.AsyncClient]:
    """A second school in the same municipality, and its administrator signed in."""
    operator = await world.as_("operator")
    muni = (await operator.get(f"{API}/regions")).json()["regions"][0]["municipalities"][0]["id"]
    r = await operator.post(f"{API}/organizations", json={
        "name": "Гимназия № 5", "kind": "school", "municipality_id": muni,
        "admin_name": "Наталья Павловна Орлова", "admin_email": "orlova@gym5.example",
        "admin_phone": GYMNASIUM_ADMIN})
    assert r.status_code == 201, r.text
    return r.json()["id"], await world.sign_in(GYMNASIUM_ADMIN)
