"""A school broadcast (R38) in Chromium with fake cameras, through the real Janus: Ирина Петровна
goes on the air on her laptop; Маша (phone) and Петя (laptop) watch — each receives video frames
that keep coming and sends nothing (getStats on every connection of theirs); the presenter sees
how many watch; she ends it and their pages say so. Before another broadcast, Маша asks a question
on her phone and Ирина Петровна answers it in place, her draft kept while a new question comes in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, CHROMIUM, CHROMIUM_ARGS, STUDENT, Api, new_page, shot
from tests.live import LiveServer
from tests.media import media_services  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("media_services")]

FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
PETYA = "+79000000012"
STATS = "() => import(new URL('broadcasts/media.js', [...document.scripts].find((s) => s.type === 'module').src).href).then((m) => m.broadcastStats())"
# Looks at this page's connections every 0.7 s: how long the decoded frames kept growing, and the
# most this page ever sent (a page's own predicate, not a promise: waits need a plain answer).
WATCH_STATS = f"""() => {{
  window.__growing = 0; window.__frames = 0; window.__sent = 0;
  setInterval(async () => {{
    const s = await ({STATS})();
    if (!s) return;
    window.__growing = s.framesDecoded > window.__frames ? window.__growing + 1 : 0;
    window.__frames = s.framesDecoded;
    window.__sent = Math.max(window.__sent, s.bytesSent);
  }}, 700);
}}"""
FRAMES_GROW = "() => window.__growing >= 4"


@pytest.fixture(scope="module")
def media_browser(browser: Any) -> Iterator[Any]:
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


def test_a_presenter_and_two_viewers_who_receive_and_send_nothing(
        media_browser: Any, server: LiveServer, states: Callable[[str], str],
        people: Callable[[str], Api]) -> None:
    irina_api = people(ADMIN)
    start = datetime.now(UTC) + timedelta(minutes=5)
    broadcast = irina_api.post(f"/orgs/{irina_api.org_id}/broadcasts", {
        "title": "Обращение директора", "audience": "school", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=30)).isoformat()})
    path = f"/broadcasts/{broadcast['id']}"
    irina = open_page(media_browser, server, states(ADMIN), 1366, 800)
    masha = open_page(media_browser, server, states(STUDENT), 390, 844, is_mobile=True, has_touch=True)
    petya = open_page(media_browser, server, states(PETYA), 1366, 800)
    try:
        irina.goto(path)
        irina.get_by_test_id("broadcast-on-air").click()
        expect(irina.get_by_test_id("broadcast-local")).to_be_visible()
        expect(irina.get_by_test_id("broadcast-status")).to_have_text("В эфире")

        for viewer in (masha, petya):
            viewer.goto(path)
            expect(viewer.get_by_test_id("broadcast-on-air")).to_have_count(0)
            viewer.get_by_test_id("broadcast-watch").click()
            expect(viewer.get_by_test_id("broadcast-remote")).to_be_visible()
            viewer.evaluate(WATCH_STATS)
        for viewer in (masha, petya):
            viewer.wait_for_function(FRAMES_GROW, polling=700, timeout=30_000)
            stats = viewer.evaluate(STATS)
            assert stats["connections"] >= 1 and stats["videoBytesReceived"] > 0
            assert stats["bytesSent"] == 0 and viewer.evaluate("() => window.__sent") == 0  # a viewer sends nothing
            assert viewer.evaluate("() => [...document.querySelectorAll('video')].every((v) => !v.muted || v.dataset.testid !== 'broadcast-local')")
            expect(viewer.get_by_test_id("broadcast-local")).to_have_count(0)
        expect(irina.get_by_test_id("broadcast-viewers")).to_have_text("Смотрят 2 человека")
        shot(masha, "broadcast-viewer-phone")
        shot(irina, "broadcast-presenter-desktop")

        irina.get_by_test_id("broadcast-off-air").click()
        for viewer in (masha, petya):
            expect(viewer.get_by_test_id("broadcast-status")).to_have_text("Закончилась")
            expect(viewer.get_by_test_id("broadcast-remote")).to_have_count(0)
    finally:
        for page in (irina, masha, petya):
            page.context.close()


def test_a_viewer_asks_and_the_presenter_answers_under_the_question(
        browser: Any, server: LiveServer, states: Callable[[str], str],
        people: Callable[[str], Api]) -> None:
    irina_api = people(ADMIN)
    start = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    broadcast = irina_api.post(f"/orgs/{irina_api.org_id}/broadcasts", {
        "title": "Итоги четверти", "audience": "school", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=45)).isoformat()})
    path = f"/broadcasts/{broadcast['id']}"
    question, answer = "Будет ли запись для тех, кто на кружке?", "Да, запись будет в «Материалах» вечером."
    masha = new_page(browser, server, storage_state=states(STUDENT), viewport={"width": 390, "height": 844},
                     is_mobile=True, has_touch=True)
    irina = new_page(browser, server, storage_state=states(ADMIN), viewport={"width": 1366, "height": 800})
    try:
        masha.goto(path)
        masha.get_by_test_id("question-body").fill(question)
        masha.get_by_test_id("question-submit").click()
        mine = masha.get_by_test_id("question").filter(has_text=question)
        expect(mine).to_contain_text("ждёт ведущего")

        irina.goto(path)
        asked = irina.get_by_test_id("question").filter(has_text=question)
        asked.get_by_test_id("question-answer").click()
        box = asked.get_by_test_id("question-answer-body")
        expect(box).to_be_focused()
        asked.get_by_test_id("question-answer-send").click()  # nothing typed: said in the form
        expect(asked.get_by_test_id("question-answer-body-error")).to_have_text("Заполните это поле")
        box.fill(answer)
        # Another question comes in and the list is drawn again: the answer being typed stays.
        people(PETYA).post(f"/broadcasts/{broadcast['id']}/questions", {"body": "А во сколько начало?"})
        expect(irina.get_by_test_id("question").filter(has_text="А во сколько начало?")).to_be_visible()
        expect(box).to_have_value(answer)
        expect(box).to_be_focused()
        shot(irina, "broadcast-answer-desktop")
        asked.get_by_test_id("question-answer-send").click()
        expect(asked).to_contain_text(f"Ответ: {answer}")
        expect(asked.get_by_test_id("question-answer-form")).to_have_count(0)
        expect(irina.get_by_test_id("question").filter(has_text="А во сколько начало?")
               .get_by_test_id("question-answer")).to_be_visible()

        masha.reload()
        expect(mine).to_contain_text(f"Ответ: {answer}")
        expect(mine).to_contain_text("есть ответ")
        shot(masha, "broadcast-answered-phone")
    finally:
        masha.context.close()
        irina.context.close()


def test_the_schools_film_is_played_by_the_server_and_two_viewers_see_it(
        media_browser: Any, server: LiveServer, states: Callable[[str], str],
        people: Callable[[str], Api]) -> None:
    """Ирина Петровна uploads a film (made here by ffmpeg: a test pattern with a tone), marks it
    verified, chooses it for the broadcast on its page and starts it; Маша (phone) and Петя
    (laptop) watch: the frames their browsers decode keep growing, and they send nothing."""
    from tests.api.test_broadcast_video import film

    irina_api = people(ADMIN)
    r = irina_api.http.post(f"/orgs/{irina_api.org_id}/materials", data={"title": "Опыт с магнитом"},
                            files={"file": ("магнит.mp4", film(40), "application/octet-stream")})
    assert r.status_code == 201, r.text
    material = r.json()["id"]
    irina_api.post(f"/materials/{material}/verify", {"verified": True})
    start = datetime.now(UTC) + timedelta(minutes=5)
    broadcast = irina_api.post(f"/orgs/{irina_api.org_id}/broadcasts", {
        "title": "Фильм о магнитах", "audience": "school", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=30)).isoformat()})
    path = f"/broadcasts/{broadcast['id']}"
    irina = open_page(media_browser, server, states(ADMIN), 1366, 800)
    masha = open_page(media_browser, server, states(STUDENT), 390, 844, is_mobile=True, has_touch=True)
    petya = open_page(media_browser, server, states(PETYA), 1366, 800)
    try:
        irina.goto(path)
        irina.get_by_test_id("broadcast-video").select_option(str(material))
        irina.get_by_test_id("broadcast-video-submit").click()
        expect(irina.get_by_test_id("broadcast-video-title")).to_have_text("Видео: Опыт с магнитом")
        shot(irina, "broadcast-film-chosen-desktop")
        irina.get_by_test_id("broadcast-video-start").click()
        expect(irina.get_by_test_id("broadcast-status")).to_have_text("В эфире")
        for viewer in (masha, petya):
            viewer.goto(path)
            viewer.get_by_test_id("broadcast-watch").click()
            expect(viewer.get_by_test_id("broadcast-remote")).to_be_visible()
            viewer.evaluate(WATCH_STATS)
        for viewer in (masha, petya):
            viewer.wait_for_function(FRAMES_GROW, polling=700, timeout=30_000)
            stats = viewer.evaluate(STATS)
            assert stats["framesDecoded"] > 0 and stats["bytesSent"] == 0
        shot(masha, "broadcast-film-phone")
        shot(irina, "broadcast-film-desktop")
        irina.get_by_test_id("broadcast-off-air").click()
        for viewer in (masha, petya):
            expect(viewer.get_by_test_id("broadcast-status")).to_have_text("Закончилась")
    finally:
        for page in (irina, masha, petya):
            page.context.close()
