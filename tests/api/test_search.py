"""Search finds words in any of their forms, only in the chats one is in."""

from __future__ import annotations

from tests.api.test_chats import joined, make_class_chat
from tests.conftest import World
from tests.helpers import API, register_gymnasium


async def test_search_understands_russian_word_forms(world: World) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    url = f"{API}/chats/{chat['id']}/messages"
    await anna.post(url, json={"body": "Завтра экскурсия в исторический музей."})
    await anna.post(url, json={"body": "Контрольная работа по математике в пятницу."})
    r = await masha.get(f"{API}/search", params={"q": "экскурсию"})
    # Newest first: this chat's message, then the demo school's own «5А — класс» chat.
    assert [m["body"] for m in r.json()["results"]] == [
        "Завтра экскурсия в исторический музей.",
        "Здравствуйте, ребята! Завтра экскурсия в музей, сбор в 9:00 у школы."]
    assert r.json()["results"][0]["chat_id"] == chat["id"]
    r = await masha.get(f"{API}/search", params={"q": "экскурсию", "chat_id": chat["id"]})
    assert len(r.json()["results"]) == 1
    r = await masha.get(f"{API}/search", params={"q": "контрольной работы"})
    assert len(r.json()["results"]) == 1
    r = await masha.get(f"{API}/search", params={"q": "экскурсия математика"})
    assert r.json()["results"] == []  # every word must match


async def test_search_sees_only_ones_own_chats_and_live_messages(world: World) -> None:
    anna, chat = await make_class_chat(world)
    url = f"{API}/chats/{chat['id']}/messages"
    mid = (await anna.post(url, json={"body": "Секретный план праздника"})).json()["id"]
    petya = await world.as_("student2")  # invited, not joined
    assert (await petya.get(f"{API}/search", params={"q": "праздник"})).json()["results"] == []
    found = (await anna.get(f"{API}/search", params={"q": "праздника"})).json()["results"]
    assert [m["id"] for m in found] == [mid]
    await anna.patch(f"{url}/{mid}", json={"body": "План ёлки"})
    assert (await anna.get(f"{API}/search", params={"q": "праздник"})).json()["results"] == []
    assert len((await anna.get(f"{API}/search", params={"q": "елка"})).json()["results"]) == 1
    await anna.delete(f"{url}/{mid}")
    assert (await anna.get(f"{API}/search", params={"q": "ёлки"})).json()["results"] == []
    r = await anna.get(f"{API}/search", params={"q": ""})
    assert r.status_code == 422


async def test_narrowing_to_a_chat_or_a_school_one_does_not_see_finds_it_does_not_exist(
        world: World) -> None:
    """A chat one is not in, or another school, named as a filter, is not found — like a
    chat or a school that does not exist — rather than quietly answered with nothing."""
    anna, chat = await make_class_chat(world)
    petya = await world.as_("student2")  # invited to 5А's new chat, not joined
    _, other_admin = await register_gymnasium(world)
    for who in (petya, other_admin):
        there = await who.get(f"{API}/search", params={"q": "план", "chat_id": chat["id"]})
        nowhere = await who.get(f"{API}/search", params={"q": "план", "chat_id": 2**31 - 1})
        assert there.status_code == nowhere.status_code == 404
        assert there.json() == nowhere.json()
    there = await other_admin.get(f"{API}/chats", params={"org_id": world.org_id})
    nowhere = await other_admin.get(f"{API}/chats", params={"org_id": 2**31 - 1})
    assert there.status_code == nowhere.status_code == 404
    mine = (await anna.get(f"{API}/chats", params={"org_id": world.org_id})).json()["chats"]
    assert chat["id"] in [c["id"] for c in mine]
