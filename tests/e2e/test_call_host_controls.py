"""The teacher runs a lesson call in 5А, in Chromium with fake media through the real Janus:
she mutes everyone, and Маша's page cannot unmute itself — Parta refuses and Janus carries no
audio from her — until the teacher allows her; Маша raises her hand and the teacher answers;
the teacher locks the call and Петя is not let in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CLASS_TEACHER, STUDENT, STUDENT_NAME, Api, wait_for_async
from tests.e2e.test_calls import (  # noqa: F401  (media_browser is a fixture)
    AUDIO_FLOWS,
    AUDIO_STILL,
    REMOTE_VIDEO_PLAYS,
    class_chat_id,
    media_browser,
    open_page,
    screenshot,
)
from tests.live import LiveServer
from tests.media import media_services  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("media_services")]

PETYA = "+79000000012"
# What a page that tried to unmute itself behind the host's back is told.
UNMUTE_MYSELF = """() => import(new URL('calls/call.js', [...document.scripts].find((s) => s.type === 'module').src).href)
  .then((m) => m.currentCall().room.setSending('audio', true))
  .then(() => 'sent', (error) => error.code)"""


def test_after_mute_all_a_student_cannot_unmute_until_the_teacher_allows(
        media_browser: Any, server: LiveServer, states: Callable[[str], str],  # noqa: F811
        people: Callable[[str], Api]) -> None:
    chat_id = class_chat_id(people(CLASS_TEACHER))
    anna = open_page(media_browser, server, states(CLASS_TEACHER), 1366, 800)
    masha = open_page(media_browser, server, states(STUDENT), 390, 844, is_mobile=True, has_touch=True)
    try:
        anna.goto(f"/chats/{chat_id}")
        masha.goto(f"/chats/{chat_id}")
        anna.get_by_test_id("call-start").click()
        expect(anna.get_by_test_id("call-host-bar")).to_be_visible()
        masha.get_by_test_id("call-join").click()
        expect(masha.get_by_test_id("call-screen")).to_be_visible()
        expect(masha.get_by_test_id("call-host-bar")).to_be_hidden()  # a student runs nothing
        anna.wait_for_function(REMOTE_VIDEO_PLAYS, timeout=45_000)
        wait_for_async(anna, AUDIO_FLOWS, timeout=30_000, polling=500)

        mute_all = anna.get_by_test_id("call-mute-all")
        mute_all.click()
        expect(mute_all).to_have_attribute("aria-pressed", "true")
        expect(mute_all).to_contain_text("Разрешить микрофоны всем")
        mic = masha.get_by_test_id("call-mic")
        expect(mic).to_be_disabled()
        expect(mic).to_have_attribute("aria-label", "Ведущий выключил ваш микрофон")
        # Her page tries anyway, straight to Janus through Parta: refused.
        assert masha.evaluate(UNMUTE_MYSELF) == "muted_by_host"
        wait_for_async(anna, AUDIO_STILL, timeout=20_000, polling=500)
        screenshot(anna, "call-mute-all-1366")

        # Маша raises her hand; the teacher sees the queue and answers.
        masha.get_by_test_id("call-hand-raise").click()
        expect(masha.get_by_test_id("call-hand-raise")).to_have_attribute("aria-pressed", "true")
        hand = anna.get_by_test_id("call-hand")
        expect(hand).to_contain_text(STUDENT_NAME)
        expect(anna.get_by_test_id("call-tile-remote").get_by_test_id("call-tile-hand")).to_be_visible()
        box = anna.get_by_test_id("call-hand-answer").bounding_box()
        assert box is not None and box["height"] >= 44
        anna.get_by_test_id("call-hand-answer").click()
        expect(hand).to_have_count(0)
        expect(masha.get_by_test_id("call-hand-raise")).to_have_attribute("aria-pressed", "false")

        # The teacher allows Маша: her microphone is hers again, and Janus carries her audio.
        anna.get_by_test_id("call-host-mute").click()
        expect(mic).to_be_enabled()
        assert masha.evaluate(UNMUTE_MYSELF) == "sent"
        wait_for_async(anna, AUDIO_FLOWS, timeout=20_000, polling=500)

        # Locked: Петя is not let in, and is told why.
        anna.get_by_test_id("call-lock").click()
        expect(anna.get_by_test_id("call-lock")).to_have_attribute("aria-pressed", "true")
        petya = people(PETYA)
        r = petya.http.post(f"/chats/{chat_id}/call", json={})
        assert r.status_code == 409 and r.json()["error"]["code"] == "call_locked"
        for button in ("call-mute-all", "call-lock"):
            box = anna.get_by_test_id(button).bounding_box()
            assert box is not None and box["height"] >= 44
        for button in ("call-hand-raise", "call-mic"):
            box = masha.get_by_test_id(button).bounding_box()
            assert box is not None and box["width"] >= 44 and box["height"] >= 44
        anna.get_by_test_id("call-leave").click()
        masha.get_by_test_id("call-leave").click()
    finally:
        anna.context.close()
        masha.context.close()


def test_with_the_waiting_room_on_the_teacher_lets_the_student_in(
        media_browser: Any, server: LiveServer, states: Callable[[str], str],  # noqa: F811
        people: Callable[[str], Api]) -> None:
    chat_id = class_chat_id(people(CLASS_TEACHER))
    anna = open_page(media_browser, server, states(CLASS_TEACHER), 1366, 800)
    masha = open_page(media_browser, server, states(STUDENT), 390, 844, is_mobile=True, has_touch=True)
    try:
        anna.goto(f"/chats/{chat_id}")
        masha.goto(f"/chats/{chat_id}")
        anna.get_by_test_id("call-start").click()
        room = anna.get_by_test_id("call-waiting-room")
        room.click()
        expect(room).to_have_attribute("aria-pressed", "true")

        masha.get_by_test_id("call-join").click()
        expect(masha.get_by_test_id("call-waiting")).to_contain_text("Ведущий скоро впустит вас")
        expect(masha.get_by_test_id("call-screen")).to_have_count(0)
        waiter = anna.get_by_test_id("call-waiter")
        expect(waiter).to_contain_text(STUDENT_NAME)
        screenshot(masha, "call-waiting-390")
        anna.get_by_test_id("call-admit").click()
        expect(waiter).to_have_count(0)
        expect(masha.get_by_test_id("call-waiting")).to_have_count(0)
        expect(masha.get_by_test_id("call-screen")).to_be_visible()
        for page in (anna, masha):
            page.wait_for_function(REMOTE_VIDEO_PLAYS, timeout=45_000)
        masha.get_by_test_id("call-leave").click()
        anna.get_by_test_id("call-leave").click()
    finally:
        anna.context.close()
        masha.context.close()


SCREEN_PLAYS = """() => [...document.querySelectorAll('[data-testid=call-tile-screen] video')]
    .some((v) => v.videoWidth > 0)"""


def test_a_student_shares_her_screen_only_while_the_teacher_allows_it(
        media_browser: Any, server: LiveServer, states: Callable[[str], str],  # noqa: F811
        people: Callable[[str], Api]) -> None:
    chat_id = class_chat_id(people(CLASS_TEACHER))
    anna = open_page(media_browser, server, states(CLASS_TEACHER), 1366, 800)
    masha = open_page(media_browser, server, states(STUDENT), 1366, 800)
    try:
        anna.goto(f"/chats/{chat_id}")
        masha.goto(f"/chats/{chat_id}")
        anna.get_by_test_id("call-start").click()
        masha.get_by_test_id("call-join").click()
        expect(anna.get_by_test_id("call-tile-remote")).to_have_count(1)
        share = masha.get_by_test_id("call-share")
        expect(share).to_be_hidden()  # presenter only: the teacher

        grant = anna.get_by_test_id("call-host-screen")
        grant.click()
        expect(grant).to_have_attribute("aria-pressed", "true")
        expect(share).to_be_visible()
        share.click()
        expect(share).to_have_attribute("aria-pressed", "true")
        screen_tile = anna.get_by_test_id("call-tile-screen")
        expect(screen_tile).to_contain_text(f"Экран: {STUDENT_NAME}")
        anna.wait_for_function(SCREEN_PLAYS, timeout=45_000)
        expect(anna.get_by_test_id("call-count")).to_have_text("2 участника")  # a screen is no one
        screenshot(anna, "call-screen-share-1366")

        # The teacher stops it: Janus sends the screen away, her camera stays.
        grant.click()
        expect(screen_tile).to_have_count(0)
        expect(share).to_be_hidden()
        expect(share).to_have_attribute("aria-pressed", "false")
        expect(anna.get_by_test_id("call-tile-remote")).to_have_count(1)
        anna.get_by_test_id("call-leave").click()
        masha.get_by_test_id("call-leave").click()
    finally:
        anna.context.close()
        masha.context.close()
