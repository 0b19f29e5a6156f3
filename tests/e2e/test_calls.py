"""A call in the class chat of 5А, in Chromium with fake cameras, through the real Janus and
coturn: Анна Сергеевна starts it on her laptop, Маша sees the banner on her phone and joins,
each receives the other's video; they leave and the chat shows the call's line."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, CLASS_TEACHER, STUDENT, Api, wait_for_async
from tests.live import LiveServer
from tests.media import media_services  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("media_services")]

FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
REMOTE_VIDEO_PLAYS = """() => [...document.querySelectorAll('[data-testid=call-tile-remote] video')]
    .some((v) => v.videoWidth > 0)"""
STATS = "() => import(new URL('calls/call.js', [...document.scripts].find((s) => s.type === 'module').src).href).then((m) => m.callStats())"
# The remote audio bytes stood still (or kept coming) over three looks in a row.
AUDIO_STILL = f"""() => ({STATS})().then((s) => {{
  const same = window.__audio === s.audioBytesReceived;
  window.__audio = s.audioBytesReceived;
  window.__still = same ? (window.__still || 0) + 1 : 0;
  return window.__still >= 3;
}})"""
AUDIO_FLOWS = f"""() => ({STATS})().then((s) => {{
  const more = s.audioBytesReceived > (window.__audio || 0);
  window.__audio = s.audioBytesReceived;
  window.__flowing = more ? (window.__flowing || 0) + 1 : 0;
  return window.__flowing >= 3;
}})"""


@pytest.fixture(scope="module")
def media_browser(browser: Any) -> Iterator[Any]:
    """Chromium with fake camera and microphone, and their permission granted."""
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + FAKE_MEDIA)
    yield chromium
    chromium.close()


def open_page(media_browser: Any, server: LiveServer, state: str, width: int, height: int,
              **options: Any) -> Any:
    context = media_browser.new_context(base_url=server.base_url, storage_state=state, locale="ru-RU",
                                        viewport={"width": width, "height": height}, **options)
    context.set_default_timeout(20_000)
    context.grant_permissions(["camera", "microphone"], origin=server.base_url)
    return context.new_page()


def class_chat_id(api: Api) -> int:
    return int(next(c["id"] for c in api.get("/chats")["chats"] if c["title"] == "5А — класс"))


def screenshot(page: Any, name: str) -> None:
    page.screenshot(path=os.path.join(os.environ.get("PARTA_E2E_SHOTS_DIR", "/tmp"), f"parta-{name}.png"))


def test_teacher_calls_the_class_and_a_student_joins_from_her_phone(
        media_browser: Any, server: LiveServer, states: Callable[[str], str],
        people: Callable[[str], Api]) -> None:
    chat_id = class_chat_id(people(CLASS_TEACHER))
    anna = open_page(media_browser, server, states(CLASS_TEACHER), 1366, 800)
    masha = open_page(media_browser, server, states(STUDENT), 390, 844, is_mobile=True, has_touch=True)
    try:
        anna.goto(f"/chats/{chat_id}")
        masha.goto(f"/chats/{chat_id}")
        expect(masha.get_by_test_id("call-start")).to_be_visible()
        expect(masha.get_by_test_id("call-banner")).to_be_hidden()

        anna.get_by_test_id("call-start").click()
        expect(anna.get_by_test_id("call-screen")).to_be_visible()
        expect(anna.get_by_test_id("call-tile-local")).to_be_visible()

        banner = masha.get_by_test_id("call-banner")
        expect(banner).to_contain_text("Идёт звонок")
        expect(banner).to_contain_text("1 участник")
        screenshot(masha, "call-banner-390")
        masha.get_by_test_id("call-join").click()
        expect(masha.get_by_test_id("call-screen")).to_be_visible()

        # Each side receives the other's video: frames decoded, and bytes that keep coming.
        for page in (anna, masha):
            page.wait_for_function(REMOTE_VIDEO_PLAYS, timeout=45_000)
        for page in (anna, masha):
            first = page.evaluate(STATS)
            assert first["remotes"] == 1 and first["videoBytesReceived"] > 0, first
            wait_for_async(page, f"(before) => ({STATS})().then((s) => s.videoBytesReceived > before)",
                           first["videoBytesReceived"], timeout=20_000)
        expect(anna.get_by_test_id("call-tile-remote")).to_contain_text("Маша Иванова")
        expect(masha.get_by_test_id("call-tile-remote")).to_contain_text("Анна Сергеевна Волкова")
        expect(anna.get_by_test_id("call-count")).to_have_text("2 участника")
        screenshot(anna, "call-1366")
        screenshot(masha, "call-390")

        # Маша turns her camera off and back on; the button says what it will do.
        cam = masha.get_by_test_id("call-camera")
        cam.click()
        expect(cam).to_have_attribute("aria-pressed", "true")
        expect(cam).to_have_attribute("aria-label", "Включить камеру")
        cam.click()
        expect(cam).to_have_attribute("aria-pressed", "false")
        for button in ("call-mic", "call-camera", "call-leave"):
            box = masha.get_by_test_id(button).bounding_box()
            assert box is not None and box["width"] >= 44 and box["height"] >= 44

        # The teacher turns Маша's microphone off in Janus: her audio stops reaching the teacher,
        # and her own page cannot turn it back on; then the teacher allows it again.
        anna.get_by_test_id("call-host-mute").click()
        expect(masha.get_by_test_id("call-mic")).to_have_attribute("aria-label", "Ведущий выключил ваш микрофон")
        expect(masha.get_by_test_id("call-mic")).to_be_disabled()
        expect(anna.get_by_test_id("call-tile-remote").get_by_test_id("call-tile-muted")).to_be_visible()
        expect(masha.get_by_test_id("call-tile-local").get_by_test_id("call-tile-muted")).to_be_visible()
        wait_for_async(anna, AUDIO_STILL, timeout=20_000, polling=500)
        screenshot(anna, "call-host-1366")
        anna.get_by_test_id("call-host-mute").click()
        expect(masha.get_by_test_id("call-mic")).to_be_enabled()
        expect(anna.get_by_test_id("call-tile-remote").get_by_test_id("call-tile-muted")).to_be_hidden()
        wait_for_async(anna, AUDIO_FLOWS, timeout=20_000, polling=500)

        # Маша leaves: her tile goes from the teacher's screen. She joins again; the teacher
        # removes her: Janus sends her away and Parta does not let her back.
        masha.get_by_test_id("call-leave").click()
        expect(masha.get_by_test_id("call-screen")).to_have_count(0)
        expect(anna.get_by_test_id("call-tile-remote")).to_have_count(0)
        expect(masha.get_by_test_id("call-banner")).to_contain_text("Идёт звонок")
        masha.get_by_test_id("call-join").click()
        expect(anna.get_by_test_id("call-tile-remote")).to_have_count(1)
        anna.get_by_test_id("call-host-remove").click()
        expect(masha.get_by_test_id("call-screen")).to_have_count(0)
        expect(anna.get_by_test_id("call-tile-remote")).to_have_count(0)
        masha.get_by_test_id("call-join").click()
        expect(masha.get_by_text("Ведущий удалил вас из этого звонка.")).to_be_visible()

        # The teacher's leaving ends it; the chat shows the call's line.
        anna.get_by_test_id("call-leave").click()
        for page in (anna, masha):
            expect(page.get_by_test_id("call-notice").last).to_contain_text("Звонок завершён")
        expect(masha.get_by_test_id("call-banner")).to_be_hidden()
        assert masha.evaluate("() => document.body.classList.contains('in-call')") is False
    finally:
        anna.context.close()
        masha.context.close()


RELAY_CANDIDATE = """async (servers) => {
  const pc = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: 'relay' });
  pc.createDataChannel('probe');
  const found = [];
  const done = new Promise((resolve) => {
    pc.addEventListener('icecandidate', (e) => {
      if (e.candidate && e.candidate.candidate) found.push(e.candidate.candidate);
      if (!e.candidate) resolve();
    });
  });
  await pc.setLocalDescription(await pc.createOffer());
  await done;
  pc.close();
  return found.filter((c) => / typ relay /.test(c));
}"""


def test_coturn_relays_with_the_credentials_parta_issued_and_no_others(
        media_browser: Any, server: LiveServer, states: Callable[[str], str],
        people: Callable[[str], Api]) -> None:
    masha_api = people(STUDENT)
    chat_id = class_chat_id(masha_api)
    joined = masha_api.post(f"/chats/{chat_id}/call", {"kind": "audio"})
    masha_api.post(f"/calls/{joined['call']['id']}/leave")
    servers = joined["ice_servers"]
    assert servers and servers[0]["urls"][0].startswith("turn:127.0.0.1:")
    page = open_page(media_browser, server, states(STUDENT), 390, 844)
    try:
        page.goto("/chats")
        relayed = page.evaluate(RELAY_CANDIDATE, servers)
        assert relayed and all("127.0.0.1" in c for c in relayed), relayed
        forged = [{**servers[0], "credential": "bm90IHRoZSByaWdodCBwYXNzd29yZA=="}]
        assert page.evaluate(RELAY_CANDIDATE, forged) == []
    finally:
        page.context.close()
