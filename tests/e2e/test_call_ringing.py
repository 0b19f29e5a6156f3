"""A one-to-one call rings, in Chromium with fake cameras through the real Janus: Анна
Сергеевна calls Маша from their direct chat; Маша, on her chat list on her phone, sees the
incoming-call sheet, answers, and each receives the other's video. Then Анна calls again and
Маша declines: Анна is told, and the chat shows «Пропущенный звонок»."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    CLASS_TEACHER,
    CLASS_TEACHER_NAME,
    STUDENT,
    STUDENT_NAME,
    Api,
    wait_for_async,
)
from tests.e2e.test_calls import (  # noqa: F401  (media_browser is a fixture)
    REMOTE_VIDEO_PLAYS,
    STATS,
    media_browser,
    open_page,
    screenshot,
)
from tests.live import LiveServer
from tests.media import media_services  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("media_services")]


def test_a_direct_call_rings_on_any_page_and_is_answered_then_declined(
        media_browser: Any, server: LiveServer, states: Callable[[str], str],  # noqa: F811
        people: Callable[[str], Api]) -> None:
    anna_api, masha_api = people(CLASS_TEACHER), people(STUDENT)
    direct = anna_api.post(f"/orgs/{anna_api.org_id}/direct", {"user_id": masha_api.me["id"]})["id"]
    anna = open_page(media_browser, server, states(CLASS_TEACHER), 1366, 800)
    masha = open_page(media_browser, server, states(STUDENT), 390, 844, is_mobile=True, has_touch=True)
    try:
        anna.goto(f"/chats/{direct}")
        masha.goto("/chats")  # not the chat: the call rings wherever she is
        expect(masha.get_by_test_id("chat-list")).to_be_visible()

        anna.get_by_test_id("call-start").click()
        expect(anna.get_by_test_id("call-screen")).to_be_visible()
        expect(anna.get_by_test_id("call-count")).to_have_text("Вызов…")
        sheet = masha.get_by_test_id("ring-sheet")
        expect(sheet).to_contain_text(CLASS_TEACHER_NAME)
        expect(sheet).to_contain_text("Видеозвонок")
        for button in ("ring-accept", "ring-decline"):
            box = masha.get_by_test_id(button).bounding_box()
            assert box is not None and box["width"] >= 44 and box["height"] >= 44
        screenshot(masha, "ring-390")

        masha.get_by_test_id("ring-accept").click()
        expect(sheet).to_have_count(0)
        expect(masha.get_by_test_id("call-screen")).to_be_visible()
        for page in (anna, masha):
            page.wait_for_function(REMOTE_VIDEO_PLAYS, timeout=45_000)
        for page in (anna, masha):
            first = page.evaluate(STATS)
            wait_for_async(page, f"(before) => ({STATS})().then((s) => s.videoBytesReceived > before)",
                           first["videoBytesReceived"], timeout=20_000)
        expect(anna.get_by_test_id("call-count")).to_have_text("2 участника")
        expect(anna.get_by_test_id("call-tile-remote")).to_contain_text(STUDENT_NAME)
        expect(masha.get_by_test_id("call-tile-remote")).to_contain_text(CLASS_TEACHER_NAME)

        masha.get_by_test_id("call-leave").click()
        anna.get_by_test_id("call-leave").click()
        expect(anna.get_by_test_id("call-notice").last).to_contain_text("Звонок завершён")

        # Again; this time Маша declines: Анна's call ends and the chat has the missed call.
        anna.get_by_test_id("call-start").click()
        expect(sheet).to_be_visible()
        masha.get_by_test_id("ring-decline").click()
        expect(sheet).to_have_count(0)
        expect(anna.get_by_test_id("call-screen")).to_have_count(0)
        expect(anna.get_by_text("Звонок отклонён")).to_be_visible()
        expect(anna.get_by_test_id("call-notice").last).to_contain_text("Пропущенный звонок")
        masha.goto(f"/chats/{direct}")
        expect(masha.get_by_test_id("call-notice").last).to_contain_text("Пропущенный звонок")
    finally:
        anna.context.close()
        masha.context.close()
