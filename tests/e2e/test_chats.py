"""Chats in the browser: the class teacher opens a class chat, a student accepts its rules and
joins (R22–R24), they talk live; a dropped connection catches up on what it missed; the school
channel is for moderators to write (R35); on a phone the list and the chat are two screens."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CLASS_TEACHER, STUDENT, LiveServer, new_page, shot, sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}


def open_as(browser: Any, server: LiveServer, phone: str, path: str = "/chats", **options: Any) -> Any:
    """A new browser context signed in as `phone`, on `path`."""
    page = new_page(browser, server, **options)
    page.goto(path)
    sign_in(page, server, phone)
    return page


def open_chat(page: Any, title: str) -> None:
    named = page.get_by_test_id("chat-title").get_by_text(title, exact=True)
    page.get_by_test_id("chat-item").filter(has=named).click()
    expect(page.get_by_test_id("chat-heading")).to_have_text(title)


def send(page: Any, text: str, shown: str | None = None) -> None:
    """Type and press Enter; the message shows (as `shown`, once formatted) and is acknowledged."""
    box = page.get_by_test_id("composer-input")
    box.fill(text)
    box.press("Enter")
    own = page.get_by_test_id("message").filter(has_text=shown or text)
    expect(own).to_have_count(1)
    expect(own.get_by_test_id("message-pending")).to_have_count(0)  # acknowledged


def same_place_again(first: LiveServer, workdir: Path) -> LiveServer:
    """The same database on the same port (so the open page finds it again), started anew."""
    again = LiveServer(workdir, seed=False)
    again.port, again.base_url = first.port, first.base_url
    again.env.update(PARTA_PORT=str(first.port), PARTA_BASE_URL=first.base_url)
    return again


def api_token(live: LiveServer, phone: str) -> str:
    """Sign in over the HTTP API (as a program would) and return the bearer token."""
    with httpx.Client(base_url=f"{live.base_url}/api/v1", timeout=15) as http:
        for _ in range(3):  # a new code for the same phone waits PARTA_OTP_RESEND_SECONDS
            sent = http.post("/auth/code", json={"phone": phone})
            if sent.status_code != 429:
                break
            time.sleep(1.2)
        sent.raise_for_status()
        answer = http.post("/auth/verify", json={
            "phone": phone, "code": live.code_for(phone), "client": "api", "device": "e2e"})
        answer.raise_for_status()
        return str(answer.json()["token"])


def api_post(live: LiveServer, token: str, path: str, body: dict[str, Any]) -> None:
    with httpx.Client(base_url=f"{live.base_url}/api/v1", timeout=15,
                      headers={"Authorization": f"Bearer {token}"}) as http:
        http.post(path, json=body).raise_for_status()


def test_the_class_teacher_opens_a_class_chat_and_a_student_joins_after_the_rules(
    browser: Any, server: LiveServer
) -> None:
    anna = open_as(browser, server, CLASS_TEACHER)
    masha = open_as(browser, server, STUDENT)
    expect(masha.get_by_test_id("chat-list")).to_be_visible()
    title = "5А — классный час"

    anna.get_by_test_id("new-chat").click()
    anna.get_by_test_id("new-chat-kind").select_option("class")
    anna.get_by_test_id("new-chat-group").select_option(label="5А")
    anna.get_by_test_id("chat-title-input").fill(title)
    anna.get_by_test_id("chat-description").fill("Обсуждаем классные часы и поездки.")
    anna.get_by_test_id("chat-rules-input").fill("1. Пишем вежливо.\n2. Никакого спама.")
    expect(anna.get_by_test_id("new-chat-invite-group")).to_be_checked()
    shot(anna, "chat-new")
    anna.get_by_test_id("new-chat-create").click()
    expect(anna.get_by_test_id("chat-heading")).to_have_text(title)

    # The invitation reaches Маша's open list without a reload.
    invitation = masha.get_by_test_id("invitation").filter(has_text=title)
    expect(invitation).to_contain_text(f"Вас пригласили в чат «{title}»")
    expect(invitation).to_contain_text("Анна Сергеевна Волкова")
    shot(masha, "chat-invitation")
    invitation.get_by_test_id("invitation-open").click()
    expect(masha.get_by_test_id("join-chat-title")).to_have_text(title)
    expect(masha.get_by_test_id("join-chat-rules")).to_contain_text("Никакого спама")
    expect(masha.get_by_test_id("join-chat")).to_be_disabled()
    masha.get_by_test_id("accept-rules").check()
    shot(masha, "chat-rules")
    masha.get_by_test_id("join-chat").click()
    expect(masha.get_by_test_id("chat-heading")).to_have_text(title)
    expect(masha.get_by_test_id("invitation")).to_have_count(0)

    # Маша writes; Анна, who has the chat open, sees it appear.
    send(masha, "Здравствуйте! Во сколько **завтра** экскурсия?", "Во сколько завтра экскурсия?")
    from_masha = anna.get_by_test_id("message").filter(has_text="Во сколько")
    expect(from_masha).to_have_count(1)
    expect(from_masha.get_by_test_id("message-author")).to_have_text("Маша Иванова")
    expect(from_masha.locator("strong")).to_have_text("завтра")

    # Анна answers to that message; Маша sees the answer with the quote and the teacher's badge.
    from_masha.get_by_test_id("message-more").click()
    anna.get_by_test_id("message-reply").click()
    expect(anna.get_by_test_id("composer-context")).to_contain_text("Маша Иванова")
    send(anna, "В 9:00 у школы, подробности: https://example.org/trip")
    answer = masha.get_by_test_id("message").filter(has_text="В 9:00 у школы")
    expect(answer).to_have_count(1)
    expect(answer.get_by_test_id("message-quote")).to_contain_text("Во сколько завтра")
    expect(answer.get_by_test_id("verified-badge")).to_have_count(1)
    link = answer.get_by_role("link", name="https://example.org/trip")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(link).to_have_attribute("target", "_blank")

    # A reaction from Маша shows on Анна's screen.
    answer.get_by_test_id("message-more").click()
    masha.get_by_test_id("react-option").filter(has_text="👍").click()
    expect(anna.get_by_test_id("message").filter(has_text="В 9:00").get_by_test_id("reaction")).to_contain_text("👍1")

    # Маша has read the answer; her next message makes Анна's screen look again at who read what.
    send(masha, "Спасибо!")
    expect(anna.get_by_test_id("message").filter(has_text="Спасибо!")).to_have_count(1)
    expect(anna.get_by_test_id("message").filter(has_text="В 9:00").get_by_test_id("message-read")).to_contain_text("Прочитано")
    shot(anna, "chat-teacher")
    shot(masha, "chat-student")
    anna.context.close()
    masha.context.close()


def test_after_a_server_restart_the_open_chat_shows_what_was_sent_meanwhile(
    browser: Any, tmp_path: Path
) -> None:
    first = LiveServer(tmp_path)  # a server of this test's own, to stop and start again
    restarted = same_place_again(first, tmp_path)
    first.start()
    try:
        token = api_token(first, CLASS_TEACHER)
        masha = open_as(browser, first, STUDENT)
        open_chat(masha, "5А — класс")
        chat_id = int(masha.url.rstrip("/").rsplit("/", 1)[1])
        masha.evaluate("window.__sameDocument = true")

        first.stop()
        expect(masha.get_by_test_id("connection-status")).to_be_visible(timeout=20_000)
        expect(masha.get_by_test_id("connection-status")).to_contain_text("Подключение")
        shot(masha, "chat-reconnecting")

        restarted.start()
        # Sent while Маша's page is still waiting to dial again: it arrives by the replay.
        api_post(restarted, token, f"/chats/{chat_id}/messages", {
            "body": "Пока вы переподключались: собрание перенесли на пятницу.", "client_id": "restart0001"})
        arrived = masha.get_by_test_id("message").filter(has_text="собрание перенесли на пятницу")
        expect(arrived).to_have_count(1, timeout=30_000)
        expect(masha.get_by_test_id("connection-status")).to_be_hidden()
        assert masha.evaluate("window.__sameDocument") is True  # no reload happened
        shot(masha, "chat-reconnected")
        masha.context.close()
    finally:
        first.stop()
        restarted.stop()


def test_a_student_reads_the_school_channel_but_has_no_composer(browser: Any, server: LiveServer) -> None:
    masha = open_as(browser, server, STUDENT)
    open_chat(masha, "Общешкольный канал")
    expect(masha.get_by_test_id("chat-readonly")).to_have_text("Писать могут только модераторы")
    expect(masha.get_by_test_id("composer")).to_have_count(0)
    shot(masha, "chat-channel")
    masha.context.close()


def test_on_a_phone_the_list_and_the_chat_are_two_screens(browser: Any, server: LiveServer) -> None:
    # Маша also has the chat list open on a computer, with a new message from the teacher.
    computer = open_as(browser, server, STUDENT)
    token = api_token(server, CLASS_TEACHER)
    class_chat = computer.get_by_test_id("chat-item").filter(
        has=computer.get_by_test_id("chat-title").get_by_text("5А — класс", exact=True))
    chat_id = int(str(class_chat.get_attribute("href")).rsplit("/", 1)[1])
    api_post(server, token, f"/chats/{chat_id}/messages", {"body": "Не забудьте сменную обувь."})
    expect(class_chat.get_by_test_id("chat-unread")).to_be_visible()
    expect(class_chat.get_by_test_id("chat-preview")).to_contain_text("сменную обувь")

    masha = open_as(browser, server, STUDENT, viewport=PHONE, has_touch=True)
    expect(masha.get_by_test_id("chat-list")).to_be_visible()
    shot(masha, "chat-phone-list")
    open_chat(masha, "5А — класс")
    expect(masha.get_by_test_id("chat-list")).to_be_hidden()
    expect(masha.get_by_test_id("composer-input")).to_be_visible()
    box = masha.get_by_test_id("composer-input").bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    shot(masha, "chat-phone-chat")

    # Read on the phone: the computer's badge goes away by itself (chat.read to own devices).
    expect(class_chat.get_by_test_id("chat-unread")).to_have_count(0)

    masha.get_by_test_id("chat-back").click()
    expect(masha.get_by_test_id("chat-list")).to_be_visible()
    expect(masha.get_by_test_id("chat")).to_have_count(0)
    masha.context.close()
    computer.context.close()
