"""Video layers from the school's settings, in Chromium through the real Janus: the teacher's
camera goes out as simulcast copies (rids h, m, l — the server's answer says how many, the
camera's size how many it can carry), and Маша still receives her picture through Janus; asking
for the lowest layer (a large call), she receives a smaller picture."""

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

        # The camera's encodings are what the answer said, as far as the camera's picture carries
        # them: the fake camera's 640×480 goes out in two copies (full and half size; a browser
        # sends no third copy of so small a picture), and each one's bytes grow.
        first = anna.evaluate(STATS)
        assert sorted(layer["rid"] for layer in first["layers"]) == ["h", "m"], first
        wait_for_async(anna, f"(before) => ({LAYERS_GROW})(before).then((r) => r.length === 2)",
                       first["layers"], timeout=20_000)
        widths = {layer["rid"]: layer["frameWidth"] for layer in anna.evaluate(STATS)["layers"]}
        assert widths["h"] == 2 * widths["m"] > 0, widths
        before = masha.evaluate(STATS)["videoBytesReceived"]
        wait_for_async(masha, f"(b) => ({STATS})().then((s) => s.videoBytesReceived > b)",
                       before, timeout=20_000)
        screenshot(anna, "call-simulcast-1366")
        screenshot(masha, "call-simulcast-390")
        masha.get_by_test_id("call-leave").click()
        expect(anna.get_by_test_id("call-tile-remote")).to_have_count(0)
        anna.get_by_test_id("call-leave").click()  # the last one out ends it
        expect(anna.get_by_test_id("call-notice").last).to_contain_text("Звонок завершён")
    finally:
        anna.context.close()
        masha.context.close()


# The widest picture this page now decodes from the others' cameras (0: none yet).
RECEIVED_WIDTH = f"() => ({STATS})().then((s) => Math.max(0, ...s.receivedWidths))"
# That width is the best layer's (`want` "best") or at most half of it ("low") on three looks
# in a row since `window.__widthKept` was reset.
WIDTH_KEEPS = f"""([want, best]) => ({RECEIVED_WIDTH})().then((w) => {{
  const ok = want === 'best' ? w === best : w > 0 && w <= best / 2;
  window.__widthKept = ok ? (window.__widthKept || 0) + 1 : 0;
  return window.__widthKept >= 3;
}})"""


def width_keeps(page: Any, want: str, best: int) -> None:
    page.evaluate("() => { window.__widthKept = 0; }")
    wait_for_async(page, WIDTH_KEEPS, [want, best], timeout=30_000, polling=300)
# This page's room asks Janus for the lowest layer (a call of `count` people, as call.updated
# tells it) or the best one again.
CROWD = "(count) => import(new URL('calls/call.js', [...document.scripts].find((s) => s.type === 'module').src).href).then((m) => m.currentCall().room.setCrowd(count))"


def test_a_viewer_that_asks_for_the_low_layer_receives_a_smaller_picture(
        media_browser: Any, server: LiveServer, states: Callable[[str], str],  # noqa: F811
        people: Callable[[str], Api]) -> None:
    """Маша receives the teacher's best layer; when her call is large enough
    (``low_layer_from`` people) her page asks Janus for the lowest layer and the picture she
    decodes gets smaller, though it keeps coming; when the call is small again, the best layer
    comes back. Read from getStats: the decoded frame width of what she receives."""
    chat_id = class_chat_id(people(CLASS_TEACHER))
    anna = open_page(media_browser, server, states(CLASS_TEACHER), 1366, 800)
    masha = open_page(media_browser, server, states(STUDENT), 390, 844, is_mobile=True, has_touch=True)
    try:
        anna.goto(f"/chats/{chat_id}")
        masha.goto(f"/chats/{chat_id}")
        anna.get_by_test_id("call-start").click()
        expect(anna.get_by_test_id("call-screen")).to_be_visible()
        with masha.expect_response(lambda r: r.url.endswith(f"/chats/{chat_id}/call")
                                   and r.request.method == "POST") as answer:
            masha.get_by_test_id("call-join").click()
        media = answer.value.json()["media"]
        assert media["simulcast"] is True and media["layers"] >= 2 and media["low_layer_from"] >= 2, media
        masha.wait_for_function(REMOTE_VIDEO_PLAYS, timeout=45_000)

        # The teacher's camera sends its best layer wider than its lowest; Маша gets the best.
        wait_for_async(anna, f"""() => ({STATS})().then((s) => {{
            const w = s.layers.map((l) => l.frameWidth).filter((x) => x > 0);
            return w.length >= 2 && Math.max(...w) > Math.min(...w);
        }})""", timeout=30_000)
        sent = {layer["rid"]: layer["frameWidth"] for layer in anna.evaluate(STATS)["layers"]}
        best = sent["h"]
        width_keeps(masha, "best", best)

        # A large call: she asks for the lowest layer and decodes a smaller picture, still moving.
        masha.evaluate(CROWD, media["low_layer_from"])
        width_keeps(masha, "low", best)
        low = masha.evaluate(RECEIVED_WIDTH)
        assert low < best and low in {w for w in sent.values() if w}, (low, sent)
        before = masha.evaluate(STATS)["videoBytesReceived"]
        wait_for_async(masha, f"(b) => ({STATS})().then((s) => s.videoBytesReceived > b)",
                       before, timeout=20_000)
        screenshot(masha, "call-low-layer-390")

        # Small again: the best layer comes back.
        masha.evaluate(CROWD, 2)
        width_keeps(masha, "best", best)

        masha.get_by_test_id("call-leave").click()
        expect(anna.get_by_test_id("call-tile-remote")).to_have_count(0)
        anna.get_by_test_id("call-leave").click()  # the last one out ends it
        expect(anna.get_by_test_id("call-notice").last).to_contain_text("Звонок завершён")
    finally:
        anna.context.close()
        masha.context.close()
