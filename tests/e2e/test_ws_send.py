"""Sending over the open event stream in the browser: once the stream is live, the composer's
messages go over its socket — no HTTP request — and reach the class live; the conduct filter's
warning, «send anyway», a message held for the teacher and a flood refusal look as they do over
HTTP; with the stream down the composer sends over HTTP; a send whose answer the dropped socket
lost goes again over HTTP with the same client id, and the chat has it once.

Each test sets up its own chat over the API, so the demo chats stay as they were."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    CLASS_TEACHER,
    PARENT,
    STUDENT,
    Api,
    LiveServer,
    new_page,
    wait_for_async,
)

pytestmark = pytest.mark.e2e

EVENTS = re.compile(r"/api/v1/events")
RUDE = "это полная хуйня"


class Opened:
    """A person's page on a chat, with the message POSTs it made and the frames it sent."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.posts: list[dict[str, Any]] = []
        self.frames: list[dict[str, Any]] = []
        page.on("request", self._request)
        page.on("websocket", lambda ws: ws.on("framesent", self._frame))

    def _request(self, request: Any) -> None:
        if request.method == "POST" and request.url.endswith("/messages"):
            self.posts.append(request.post_data_json)

    def _frame(self, payload: str | bytes) -> None:
        frame = json.loads(payload)
        if frame.get("type") == "send":
            self.frames.append(frame)

    def live(self) -> None:
        """Wait until the event stream has said hello: sends go over it from then on."""
        wait_for_async(
            self.page, "async () => (await import(new URL('realtime.js', [...document.scripts].find((s) => s.type === 'module').src).href)).connectionStatus() === 'live'")

    def send(self, text: str) -> Any:
        box = self.page.get_by_test_id("composer-input")
        box.fill(text)
        box.press("Enter")
        return message(self.page, text)


@pytest.fixture
def open_page(browser: Any, server: LiveServer, states: Callable[[str], str]) -> Iterator[Callable[..., Opened]]:
    pages: list[Any] = []

    def opened(phone: str, path: str, route: Callable[[Any], None] | None = None) -> Opened:
        page = new_page(browser, server, storage_state=states(phone))
        if route is not None:
            page.route_web_socket(EVENTS, route)
        watched = Opened(page)
        page.goto(path)
        pages.append(page)
        return watched

    yield opened
    for page in pages:
        page.context.close()


def group_chat(people: Callable[[str], Api], title: str, joiners: tuple[str, ...], kind: str = "class") -> int:
    """Анна Сергеевна opens a chat for 5А and invites it; `joiners` accept the rules and join."""
    anna = people(CLASS_TEACHER)
    groups = anna.get(f"/orgs/{anna.org_id}/groups")["groups"]
    group = next(g for g in groups if g["name"] == "5А")
    chat = anna.post(f"/orgs/{anna.org_id}/chats", {
        "kind": kind, "title": title, "group_id": group["id"], "invite_group": True, "rules": ""})
    for phone in joiners:
        people(phone).post(f"/chats/{chat['id']}/join", {"accept_rules": True})
    return int(chat["id"])


def message(page: Any, text: str) -> Any:
    return page.get_by_test_id("message").filter(has_text=text)


def acknowledged(own: Any) -> None:
    expect(own).to_have_count(1)
    expect(own.get_by_test_id("message-pending")).to_have_count(0)
    expect(own.locator("time")).to_be_visible()


def bodies(people: Callable[[str], Api], chat_id: int) -> list[str]:
    return [m["body"] for m in people(CLASS_TEACHER).get(f"/chats/{chat_id}/messages")["messages"]]


def test_a_message_from_the_composer_goes_over_the_socket_and_reaches_the_class_live(
    open_page: Callable[..., Opened], people: Callable[[str], Api]
) -> None:
    chat_id = group_chat(people, "5А — по сокету", (STUDENT,))
    anna = open_page(CLASS_TEACHER, f"/chats/{chat_id}")
    masha = open_page(STUDENT, f"/chats/{chat_id}")
    anna.live()
    masha.live()

    acknowledged(anna.send("Завтра приносим гербарий."))
    expect(message(masha.page, "Завтра приносим гербарий.")).to_have_count(1)
    # An answer, quoting: it goes the same way and shows the quote on both sides.
    message(masha.page, "Завтра приносим гербарий.").get_by_test_id("message-more").click()
    masha.page.get_by_test_id("message-reply").click()
    answer = masha.send("А какой формат листа?")
    acknowledged(answer)
    expect(answer.get_by_test_id("message-quote")).to_contain_text("гербарий")
    expect(message(anna.page, "А какой формат листа?").get_by_test_id("message-quote")).to_contain_text("гербарий")

    assert anna.posts == [] and masha.posts == []
    assert [f["body"] for f in anna.frames] == ["Завтра приносим гербарий."]
    [frame] = masha.frames
    assert frame["chat_id"] == chat_id and frame["reply_to_id"] and frame["client_id"]
    assert bodies(people, chat_id).count("Завтра приносим гербарий.") == 1


def test_over_the_socket_the_conduct_filter_warns_holds_and_a_flood_is_refused_as_over_http(
    open_page: Callable[..., Opened], people: Callable[[str], Api]
) -> None:
    # A parent is warned and sends anyway.
    parents = group_chat(people, "5А — родители, по сокету", (PARENT,), kind="parents")
    elena = open_page(PARENT, f"/chats/{parents}")
    elena.live()
    warned = elena.send(RUDE)
    expect(warned.get_by_test_id("conduct-warning")).to_contain_text("грубые или нецензурные")
    warned.get_by_test_id("conduct-send-anyway").click()
    expect(warned.get_by_test_id("conduct-warning")).to_have_count(0)
    acknowledged(warned)
    assert [f.get("confirm_conduct") for f in elena.frames] == [None, True]

    # In a class chat the same words wait for the teacher.
    chat_id = group_chat(people, "5А — проверка по сокету", (STUDENT,))
    masha = open_page(STUDENT, f"/chats/{chat_id}")
    masha.live()
    held = masha.send(RUDE)
    expect(held.get_by_test_id("message-held")).to_have_text("На проверке у модератора")

    # Messages in a burst from her phone (over HTTP), until the flood limit says to wait…
    phone = people(STUDENT).http
    answers = [phone.post(f"/chats/{chat_id}/messages", json={"body": f"Сообщение {n} с телефона"})
               for n in range(7)]
    assert answers[-1].status_code == 429 and answers[-1].json()["error"]["code"] == "flood"
    # …and the next one from the composer waits too.
    refused = masha.send("И ещё одно")
    expect(refused.get_by_test_id("message-failed")).to_contain_text("Слишком много сообщений подряд")
    expect(refused.get_by_test_id("message-retry")).to_be_visible()  # a wait, worth trying again

    assert elena.posts == [] and masha.posts == []
    assert [f["body"] for f in masha.frames] == [RUDE, "И ещё одно"]


def test_with_the_socket_down_the_composer_sends_over_http(
    open_page: Callable[..., Opened], people: Callable[[str], Api]
) -> None:
    chat_id = group_chat(people, "5А — без сокета", (STUDENT,))
    masha = open_page(STUDENT, f"/chats/{chat_id}")
    masha.live()
    # Анна's stream opens but the server never says hello: it is not live.
    anna = open_page(CLASS_TEACHER, f"/chats/{chat_id}", route=lambda ws: None)
    expect(anna.page.get_by_test_id("composer-input")).to_be_visible()
    assert anna.page.evaluate("async () => (await import(new URL('realtime.js', [...document.scripts].find((s) => s.type === 'module').src).href)).connectionStatus()") != "live"

    acknowledged(anna.send("Родительское собрание в четверг."))
    expect(message(masha.page, "Родительское собрание в четверг.")).to_have_count(1)
    [post] = anna.posts
    assert post["body"] == "Родительское собрание в четверг." and post["client_id"]
    assert anna.frames == []


def test_a_send_whose_answer_the_dropped_socket_lost_goes_again_over_http(
    open_page: Callable[..., Opened], people: Callable[[str], Api]
) -> None:
    chat_id = group_chat(people, "5А — обрыв", (STUDENT,))
    dropped: list[dict[str, Any]] = []

    def route(ws: Any) -> None:
        """The first send reaches the server; its answer is lost as the socket drops."""
        server = ws.connect_to_server()
        refs: set[str] = set()

        def from_page(raw: str | bytes) -> None:
            frame = json.loads(raw)
            if frame.get("type") == "send" and not dropped:
                dropped.append(frame)
                refs.add(frame["ref"])
            server.send(raw)

        def from_server(raw: str | bytes) -> None:
            frame = json.loads(raw)
            if frame.get("type") in ("sent", "refused") and frame.get("ref") in refs:
                ws.close(code=1011, reason="dropped for the test")
                return
            ws.send(raw)

        ws.on_message(from_page)
        server.on_message(from_server)

    anna = open_page(CLASS_TEACHER, f"/chats/{chat_id}", route=route)
    anna.live()
    with anna.page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/messages")):
        acknowledged(anna.send("Не забудьте дневники."))

    [frame] = dropped
    assert frame["body"] == "Не забудьте дневники."
    assert [p["client_id"] for p in anna.posts] == [frame["client_id"]]
    assert bodies(people, chat_id).count("Не забудьте дневники.") == 1
