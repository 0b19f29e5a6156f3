"""A dropped connection rejoins by itself (R37), in Chromium through the real Janus: Маша's
media connection breaks and Parta's proxy is out of her reach for a while; her call page says
«Соединение потеряно — подключаемся снова…», comes back by itself once the way is open, and
frames flow again both ways. Later the teacher removes her while her connection is down: her
page does not come back, it says why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CLASS_TEACHER, STUDENT, Api, wait_for_async
from tests.e2e.test_calls import (  # noqa: F401  (media_browser is a fixture)
    REMOTE_VIDEO_PLAYS,
    STATS,
    class_chat_id,
    media_browser,
    open_page,
    screenshot,
)
from tests.live import LiveServer
from tests.media import media_services  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("media_services")]

CALL = "() => import(new URL('calls/call.js', [...document.scripts].find((s) => s.type === 'module').src).href).then((m) => m.currentCall())"
# Break the media: the publisher's connection closes under the page, as a dead network does.
BREAK_MEDIA = f"""() => ({CALL})().then((c) => {{
  window.__oldPc = c.room.publisherPc();
  window.__oldPc.close();
}})"""
# A new room with a new publisher connection that is connected and sends.
BACK = f"""() => ({CALL})().then(async (c) => {{
  if (!c || !c.room || c.room.publisherPc() === window.__oldPc) return false;
  const pc = c.room.publisherPc();
  return pc.connectionState === 'connected' && c.room.subscriberPcs().length === 1;
}})"""
GROWS = f"(before) => ({STATS})().then((s) => s.videoBytesReceived > before)"
SENT_GROWS = f"(before) => ({STATS})().then((s) => s.videoBytesSent > before)"
PROXY = "**/api/v1/calls/*/janus**"


def test_a_dropped_connection_rejoins_by_itself_and_a_removed_one_does_not(
        media_browser: Any, server: LiveServer, states: Callable[[str], str],  # noqa: F811
        people: Callable[[str], Api]) -> None:
    teacher = people(CLASS_TEACHER)
    chat_id = class_chat_id(teacher)
    masha_id = int(people(STUDENT).me["id"])
    anna = open_page(media_browser, server, states(CLASS_TEACHER), 1366, 800)
    masha = open_page(media_browser, server, states(STUDENT), 390, 844, is_mobile=True, has_touch=True)
    try:
        anna.goto(f"/chats/{chat_id}")
        masha.goto(f"/chats/{chat_id}")
        anna.get_by_test_id("call-start").click()
        expect(anna.get_by_test_id("call-screen")).to_be_visible()
        masha.get_by_test_id("call-join").click()
        for page in (anna, masha):
            page.wait_for_function(REMOTE_VIDEO_PLAYS, timeout=45_000)
        call_id = masha.evaluate(f"() => ({CALL})().then((c) => c.callId)")
        reconnecting = masha.get_by_test_id("call-reconnecting")
        expect(reconnecting).to_be_hidden()

        # Her connection drops, and Parta's proxy is out of reach: the page says so, calmly,
        # and keeps trying (every try fails while the way is shut).
        masha.route(PROXY, lambda route: route.abort())
        new_session = f"/api/v1/calls/{call_id}/janus"
        with masha.expect_event("requestfailed", timeout=30_000, predicate=lambda r: (
                r.method == "POST" and r.url.endswith(new_session))):
            masha.evaluate(BREAK_MEDIA)
            expect(reconnecting).to_be_visible()
            expect(reconnecting).to_have_text("Соединение потеряно — подключаемся снова…")
        # A try failed against the shut proxy: still calm, still in the call screen.
        expect(reconnecting).to_be_visible()
        expect(masha.get_by_test_id("call-screen")).to_be_visible()
        screenshot(masha, "call-reconnecting-390")
        # Her place is kept: the teacher's page still counts her in the call.
        assert masha_id in {p["person"]["id"] for p in teacher.get(f"/chats/{chat_id}/call")["participants"]}

        # The way opens: she is back by herself, and frames flow again both ways.
        masha.unroute(PROXY)
        wait_for_async(masha, BACK, timeout=45_000, polling=500)
        expect(reconnecting).to_be_hidden()
        masha.wait_for_function(REMOTE_VIDEO_PLAYS, timeout=30_000)
        for page, grows in ((masha, GROWS), (masha, SENT_GROWS), (anna, GROWS)):
            key = "videoBytesSent" if grows is SENT_GROWS else "videoBytesReceived"
            before = page.evaluate(STATS)[key]
            wait_for_async(page, grows, before, timeout=30_000)
        expect(anna.get_by_test_id("call-tile-remote")).to_have_count(1)
        expect(anna.get_by_test_id("call-tile-remote")).to_contain_text("Маша Иванова")
        anna.wait_for_function(REMOTE_VIDEO_PLAYS, timeout=30_000)
        expect(anna.get_by_test_id("call-count")).to_have_text("2 участника")
        screenshot(masha, "call-rejoined-390")
        screenshot(anna, "call-rejoined-1366")

        # Down again, and the teacher removes her meanwhile: she does not come back, she is told.
        masha.route(PROXY, lambda route: route.abort())
        masha.evaluate(BREAK_MEDIA)
        expect(reconnecting).to_be_visible()
        teacher.post(f"/calls/{call_id}/participants/{masha_id}/remove")
        masha.unroute(PROXY)
        expect(masha.get_by_test_id("call-screen")).to_have_count(0, timeout=45_000)
        expect(masha.get_by_text("Ведущий удалил вас из звонка.")).to_be_visible()
        expect(anna.get_by_test_id("call-tile-remote")).to_have_count(0)

        anna.get_by_test_id("call-leave").click()  # the last one out ends it
        expect(anna.get_by_test_id("call-notice").last).to_contain_text("Звонок завершён")
    finally:
        anna.context.close()
        masha.context.close()
