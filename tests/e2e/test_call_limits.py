"""Video layers from the school's settings, in Chromium through the real Janus: the teacher's
camera goes out as simulcast copies (rids h, m, l — the server's answer says how many), and
Маша still receives her picture through Janus."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CLASS_TEACHER, STUDENT, Api
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

# The layers the camera sends whose bytes grew between two looks.
LAYERS_GROW = f"""(before) => ({STATS})().then((s) => {{
  const was = new Map(before.map((l) => [l.rid, l.bytesSent]));
  return s.layers.filter((l) => l.bytesSent > (was.get(l.rid) || 0)).map((l) => l.rid).sort();
}})"""


def test_the_teachers_camera_goes_out_in_simulcast_layers(
        media_browser: Any, server: LiveServer, states: Callable[[str], str],  # noqa: F811
        people: Callable[[str], Api]) -> None:
    chat_id = class_chat_id(people(CLASS_TEACHER))
    anna = open_page(media_browser, server, states(CLASS_TEACHER), 1366, 800)
    masha = open_page(media_browser, server, states(STUDENT), 390, 844, is_mobile=True, has_touch=True)
    try:
        anna.goto(f"/chats/{chat_id}")
        masha.goto(f"/chats/{chat_id}")
        with anna.expect_response(lambda r: r.url.endswith(f"/chats/{chat_id}/call")
                                  and r.request.method == "POST") as answer:
            anna.get_by_test_id("call-start").click()
        media = answer.value.json()["media"]
        assert media["simulcast"] is True and media["layers"] == 3, media
        masha.get_by_test_id("call-join").click()
        masha.wait_for_function(REMOTE_VIDEO_PLAYS, timeout=45_000)

        # The camera's encodings are what the answer said: three rids, and each one's bytes grow.
        first = anna.evaluate(STATS)
        assert sorted(layer["rid"] for layer in first["layers"]) == ["h", "l", "m"], first
        anna.wait_for_function(f"(before) => ({LAYERS_GROW})(before).then((r) => r.length >= 2)",
                               arg=first["layers"], timeout=20_000)
        widths = {layer["rid"]: layer["frameWidth"] for layer in anna.evaluate(STATS)["layers"]}
        assert widths["h"] > widths["l"] > 0 or widths["h"] > widths["m"] > 0, widths
        before = masha.evaluate(STATS)["videoBytesReceived"]
        masha.wait_for_function(f"(b) => ({STATS})().then((s) => s.videoBytesReceived > b)",
                                arg=before, timeout=20_000)
        screenshot(anna, "call-simulcast-1366")
        screenshot(masha, "call-simulcast-390")
        masha.get_by_test_id("call-leave").click()
        expect(anna.get_by_test_id("call-tile-remote")).to_have_count(0)
        anna.get_by_test_id("call-leave").click()  # the last one out ends it
        expect(anna.get_by_test_id("call-notice").last).to_contain_text("Звонок завершён")
    finally:
        anna.context.close()
        masha.context.close()
