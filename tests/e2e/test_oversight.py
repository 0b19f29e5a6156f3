"""«Уроки и встречи» (R40): Анна Сергеевна holds «Классный час 5А» as a call in a chat of her
class; Ирина Петровна, on her laptop and on her phone, sees it running with two people in it,
and once it is over, among this week's held lessons — never the call itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CLASS_TEACHER, STUDENT, Api, new_page, shot
from tests.live import LiveServer
from tests.media import media_services  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("media_services")]

TITLE = "Классный час 5А"


@pytest.fixture
def held_lesson(people: Callable[[str], Api], request: pytest.FixtureRequest
                ) -> Iterator[tuple[int, str, Api, Api]]:
    """Анна's chat for the class hour with Маша in it, the class hour scheduled in ten minutes
    (titled for this run) and its call opened early by Анна and joined by Маша; both leave at
    the end."""
    anna, masha = people(CLASS_TEACHER), people(STUDENT)
    title = f"{TITLE} ({request.node.callspec.id})"
    group = next(g for g in anna.get(f"/orgs/{anna.org_id}/groups")["groups"] if g["name"] == "5А")
    chat = anna.post(f"/orgs/{anna.org_id}/chats", {
        "kind": "class", "title": "5А — классный час", "group_id": group["id"], "invite_group": True})
    masha.post(f"/chats/{chat['id']}/join", {"accept_rules": True})
    start = datetime.now(UTC) + timedelta(minutes=10)
    anna.post(f"/chats/{chat['id']}/lessons", {
        "title": title, "kind": "lesson", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=40)).isoformat()})
    call = anna.post(f"/chats/{chat['id']}/call", {"kind": "video"})["call"]
    masha.post(f"/chats/{chat['id']}/call", {"kind": "video"})
    yield int(call["id"]), title, anna, masha
    for person in (masha, anna):
        person.http.post(f"/calls/{call['id']}/leave")


@pytest.mark.parametrize("size", [(1366, 800), (390, 844)], ids=["desktop", "phone"])
def test_the_administration_sees_a_running_lesson_and_then_the_held_one(
        browser: Any, server: LiveServer, admin_state: str, held_lesson: tuple[int, str, Api, Api],
        size: tuple[int, int]) -> None:
    call_id, title, anna, masha = held_lesson
    width, height = size
    phone = width < 600
    page = new_page(browser, server, storage_state=admin_state,
                    viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone)
    try:
        page.goto("/")
        if phone:
            page.get_by_test_id("menu-toggle").click()
        page.get_by_test_id("nav-admin-calls").click()
        expect(page.get_by_test_id("oversight-page")).to_be_visible()
        row = page.get_by_test_id("oversight-running-row").filter(has_text=title)
        expect(row).to_have_count(1)
        expect(row.get_by_test_id("oversight-people")).to_have_text("2 сейчас, всего 2")
        expect(row).to_contain_text("5А")
        expect(row).to_contain_text("Анна Сергеевна Волкова")
        expect(page.locator("video")).to_have_count(0)  # never the media
        if phone:  # a finger's size on a touch screen
            box = row.get_by_test_id("oversight-attendance").bounding_box()
            assert box is not None and box["height"] >= 44
        shot(page, f"oversight-running-{'phone' if phone else 'desktop'}")

        masha.post(f"/calls/{call_id}/leave")
        anna.post(f"/calls/{call_id}/leave")
        page.get_by_test_id("oversight-refresh").click()
        expect(page.get_by_test_id("oversight-running-row").filter(has_text=title)).to_have_count(0)
        held = page.get_by_test_id("oversight-held-row").filter(has_text=title)
        expect(held).to_have_count(1)
        expect(held.get_by_test_id("oversight-people")).to_have_text("2 участника")
        shot(page, f"oversight-held-{'phone' if phone else 'desktop'}")
        held.get_by_test_id("oversight-attendance").click()
        expect(page.get_by_test_id("attendance-page")).to_be_visible()
        expect(page.get_by_test_id("attendance-row")).to_have_count(2)
    finally:
        page.context.close()
