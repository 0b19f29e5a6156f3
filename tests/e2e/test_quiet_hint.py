"""Writing late (issue 14), in the browser: on her phone Анна Сергеевна opens a parents' chat of
5А while Елена's quiet hours last, and the composer says calmly that Елена will hear of it when
they end — «Сейчас тихие часы: 1 из 1 получит уведомление в …». While Елена has none, the line
is not there. Sending is never held back. Елена's settings are put back at the end (the live
server is shared by the whole browser suite)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CLASS_TEACHER, PARENT, Api, new_page, parents_chat, shot
from tests.live import LiveServer

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 800}
ZONE = "Europe/Moscow"


@pytest.fixture
def elena_settings_kept(people: Callable[[str], Api]) -> Iterator[Api]:
    """Елена over the API; her quiet hours as they were are put back afterwards."""
    elena = people(PARENT)
    before = elena.get("/notifications/settings")
    yield elena
    if before["quiet_source"] == "own":
        elena.put("/notifications/settings", {
            "quiet_enabled": before["quiet_enabled"], "quiet_start": before["quiet_start"],
            "quiet_end": before["quiet_end"], "time_zone": before["time_zone"]})
    else:
        elena.put("/notifications/settings", {"quiet_own": False})


def open_chat(browser: Any, server: LiveServer, states: Callable[[str], str], chat_id: int,
              viewport: dict[str, int]) -> Any:
    """Анна's page of the chat, once its quiet-hours answer came (its clock the test's to move)."""
    mobile = viewport["width"] < 600
    page = new_page(browser, server, storage_state=states(CLASS_TEACHER), viewport=viewport,
                    timezone_id=ZONE, has_touch=mobile, is_mobile=mobile)
    page.clock.install()
    with page.expect_response(lambda r: r.url.endswith(f"/chats/{chat_id}/quiet")) as answer:
        page.goto(f"/chats/{chat_id}")
    assert answer.value.status == 200
    page.get_by_test_id("composer-input").wait_for()
    return page


def test_the_teacher_sees_that_the_parent_hears_of_it_when_her_quiet_hours_end(
        browser: Any, server: LiveServer, states: Callable[[str], str],
        people: Callable[[str], Api], elena_settings_kept: Api) -> None:
    elena = elena_settings_kept
    chat_id = parents_chat(people, "5А — родители, поздний вечер")

    # No quiet hours: nobody waits, and the composer says nothing of it.
    elena.put("/notifications/settings", {"quiet_enabled": False})
    page = open_chat(browser, server, states, chat_id, PHONE)
    try:
        expect(page.get_by_test_id("composer-quiet")).to_be_hidden()
    finally:
        page.context.close()

    # Her quiet hours cover now (Moscow time) and end an hour later.
    now = datetime.now(UTC).astimezone(ZoneInfo(ZONE))
    end = now + timedelta(hours=1)
    elena.put("/notifications/settings", {
        "quiet_enabled": True, "quiet_start": (now - timedelta(hours=1)).strftime("%H:%M"),
        "quiet_end": end.strftime("%H:%M"), "time_zone": ZONE})
    answer = people(CLASS_TEACHER).get(f"/chats/{chat_id}/quiet")
    assert (answer["total"], answer["quiet"], answer["urgent"]) == (1, 1, False)
    told = end.astimezone(ZoneInfo(answer["time_zone"]))  # said in the school's time zone
    at = f"{told.hour}:{told.minute:02d}"
    for viewport, name in ((PHONE, "390"), (DESK, "1366")):
        page = open_chat(browser, server, states, chat_id, viewport)
        try:
            line = page.get_by_test_id("composer-quiet")
            expect(line).to_have_text(f"Сейчас тихие часы: 1 из 1 получит уведомление в {at}")
            box = page.get_by_test_id("composer-input").bounding_box()
            shown = line.bounding_box()
            assert box is not None and shown is not None and shown["y"] < box["y"]
            assert shown["x"] + shown["width"] <= viewport["width"]
            shot(page, f"quiet-hint-{name}")
            if viewport is PHONE:  # the line holds nothing back
                text = "Пишу поздно: завтра всё без изменений"
                page.get_by_test_id("composer-input").fill(text)
                page.get_by_test_id("composer-input").press("Enter")
                expect(page.get_by_test_id("message").filter(has_text=text)).to_be_visible()
                expect(page.get_by_test_id("message-pending")).to_have_count(0)
                expect(line).to_be_visible()
            else:  # Елена turned hers off: a focus a while later asks again, and the line goes
                elena.put("/notifications/settings", {"quiet_enabled": False})
                page.get_by_test_id("composer-input").blur()
                page.clock.fast_forward("03:00")
                with page.expect_response(lambda r: r.url.endswith(f"/chats/{chat_id}/quiet")):
                    page.get_by_test_id("composer-input").focus()
                expect(line).to_be_hidden()
        finally:
            page.context.close()
