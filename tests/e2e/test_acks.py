"""Announcements every family acknowledges, and messages sent later (issue 15), in the browser.

At her desk (1366×800) Анна Сергеевна posts in a parents' chat of 5А that the class goes to the
museum, with «Требует подтверждения»; Елена, on her phone, taps «Ознакомлен(а)»; Анна's count
turns to «Ознакомились 1 из 2» by itself and the list says Петя's family has no parent in
Parta. On her phone, Анна writes a message «to send later», sees «Запланировано: 1», moves it to
now and watches the server's scheduler send it. A post already sent is marked from its menu: Анна
asks for confirmation by tomorrow evening, and Елена's open page gets «Ознакомлен(а)» by itself.
A poll is posted later too: it waits in Анна's list, she moves it to now, and Елена votes in it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    CLASS_TEACHER,
    DESK,
    PARENT,
    PHONE,
    SCHOOL_ZONE,
    Api,
    parents_chat,
    shot,
)
from tests.live import LiveServer

pytestmark = pytest.mark.e2e

ZONE = SCHOOL_ZONE


def test_a_parent_acknowledges_and_the_teacher_sees_the_count_change(
        open_page: Callable[..., Any], people: Callable[[str], Api]) -> None:
    chat_id = parents_chat(people, "5А — родители, экскурсия")
    text = "Экскурсия в музей в пятницу: сбор в 9:00 у школы, с собой сменная обувь."

    anna = open_page(CLASS_TEACHER, f"/chats/{chat_id}", DESK)
    toggle = anna.get_by_test_id("ack-toggle")
    expect(toggle).to_be_visible()
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    anna.get_by_test_id("composer-input").fill(text)
    anna.get_by_test_id("composer-send").click()
    message = anna.get_by_test_id("message").filter(has_text=text)
    expect(message.get_by_test_id("ack-count")).to_have_text("Ознакомились 0 из 2")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    shot(anna, "acks-teacher-desktop")

    elena = open_page(PARENT, f"/chats/{chat_id}", PHONE)
    hers = elena.get_by_test_id("message").filter(has_text=text)
    confirm = hers.get_by_test_id("ack-confirm")
    expect(confirm).to_have_text("Ознакомлен(а)")
    box = confirm.bounding_box()
    assert box is not None and box["height"] >= 44
    expect(hers.get_by_test_id("ack-count")).to_have_count(0)  # the count is the school's
    expect(elena.get_by_test_id("ack-toggle")).to_be_hidden()  # a parent asks no families
    shot(elena, "acks-parent-phone")
    confirm.click()
    expect(hers.get_by_test_id("ack-done")).to_be_visible()
    expect(hers.get_by_test_id("ack-confirm")).to_have_count(0)

    # Анна's page hears of it without a reload; the list says who has not.
    count = message.get_by_test_id("ack-count")
    expect(count).to_have_text("Ознакомились 1 из 2")
    count.click()
    expect(message.get_by_test_id("ack-missing")).to_have_text("Петя Соколов — родителей в Парте нет")
    shot(anna, "acks-teacher-list-desktop")


def test_a_message_sent_later_waits_in_the_authors_list_and_goes_at_its_time(
        open_page: Callable[..., Any], people: Callable[[str], Api]) -> None:
    chat_id = parents_chat(people, "5А — родители, расписание")
    text = "Напоминаю: завтра в 18:00 родительское собрание в кабинете 12."
    changed = "Напоминаю: сегодня в 18:00 родительское собрание в кабинете 12."
    zone = ZoneInfo(ZONE)

    anna = open_page(CLASS_TEACHER, f"/chats/{chat_id}", PHONE)
    anna.get_by_test_id("later-toggle").click()
    later = (datetime.now(zone) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    anna.get_by_test_id("later-at").fill(later)
    anna.get_by_test_id("composer-input").fill(text)
    anna.get_by_test_id("composer-send").click()
    count = anna.get_by_test_id("scheduled-count")
    expect(count).to_have_text("Запланировано: 1")
    expect(anna.get_by_test_id("message").filter(has_text=text)).to_have_count(0)
    # Nobody else sees it.
    assert people(PARENT).get(f"/chats/{chat_id}/scheduled") == {"pending": 0, "items": []}
    count.click()
    item = anna.get_by_test_id("scheduled-item")
    expect(item.get_by_test_id("scheduled-text")).to_have_text(text)
    expect(item).not_to_contain_text("null")
    box = item.get_by_test_id("scheduled-edit").bounding_box()
    assert box is not None and box["height"] >= 44
    shot(anna, "scheduled-phone")

    # She changes the words and the time: now. The server's scheduler sends it.
    item.get_by_test_id("scheduled-edit").click()
    item.get_by_test_id("scheduled-edit-body").fill(changed)
    item.get_by_test_id("scheduled-edit-at").fill(datetime.now(zone).strftime("%Y-%m-%dT%H:%M"))
    item.get_by_test_id("scheduled-save").click()
    expect(anna.get_by_test_id("message").filter(has_text=changed)).to_be_visible(timeout=45_000)
    expect(anna.get_by_test_id("scheduled-bar")).to_be_hidden()
    elena = open_page(PARENT, f"/chats/{chat_id}", DESK)
    expect(elena.get_by_test_id("message").filter(has_text=changed)).to_be_visible()
    expect(elena.get_by_test_id("message").filter(has_text=text)).to_have_count(0)
    shot(anna, "scheduled-sent-phone")


def test_a_post_already_sent_is_marked_from_its_menu_and_the_parent_sees_it_live(
        open_page: Callable[..., Any], people: Callable[[str], Api]) -> None:
    chat_id = parents_chat(people, "5А — родители, собрание")
    text = "Родительское собрание во вторник в 18:30, кабинет 21."
    anna = open_page(CLASS_TEACHER, f"/chats/{chat_id}", PHONE)
    elena = open_page(PARENT, f"/chats/{chat_id}", PHONE)
    anna.get_by_test_id("composer-input").fill(text)
    anna.get_by_test_id("composer-send").click()
    mine = anna.get_by_test_id("message").filter(has_text=text)
    expect(mine).to_have_count(1)
    expect(mine.get_by_test_id("message-pending")).to_have_count(0)  # the server has it
    hers = elena.get_by_test_id("message").filter(has_text=text)
    expect(hers).to_have_count(1)
    expect(hers.get_by_test_id("ack")).to_have_count(0)

    # A parent's menu has no such item, on Анна's post or on her own.
    hers.get_by_test_id("message-more").click()
    expect(elena.get_by_test_id("message-menu")).to_be_visible()
    expect(elena.get_by_test_id("message-require-ack")).to_have_count(0)
    elena.keyboard.press("Escape")

    mine.get_by_test_id("message-more").click()
    anna.get_by_test_id("message-require-ack").click()
    dialog = anna.get_by_test_id("ack-mark")
    expect(dialog).to_be_visible()
    tomorrow = (datetime.now(ZoneInfo(ZONE)) + timedelta(days=1)).replace(hour=18, minute=0)
    dialog.get_by_test_id("ack-mark-deadline").fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
    shot(anna, "acks-mark-existing-phone")
    dialog.get_by_test_id("ack-mark-submit").click()
    expect(dialog).to_have_count(0)
    expect(mine.get_by_test_id("ack-count")).to_have_text("Ознакомились 0 из 2")
    expect(mine.get_by_test_id("ack")).to_contain_text(f"Подтвердить до {tomorrow:%d.%m}")
    # Marked once: the menu no longer offers it.
    mine.get_by_test_id("message-more").click()
    expect(anna.get_by_test_id("message-menu")).to_be_visible()
    expect(anna.get_by_test_id("message-require-ack")).to_have_count(0)
    anna.keyboard.press("Escape")

    # Елена's page, open all along, shows the button without a reload.
    confirm = hers.get_by_test_id("ack-confirm")
    expect(confirm).to_have_text("Ознакомлен(а)")
    confirm.click()
    expect(mine.get_by_test_id("ack-count")).to_have_text("Ознакомились 1 из 2")


def test_a_poll_posted_later_waits_in_the_list_and_the_parent_votes_when_it_comes(
        open_page: Callable[..., Any], people: Callable[[str], Api]) -> None:
    chat_id = parents_chat(people, "5А — родители, опрос позже")
    question = "Когда удобнее провести субботник?"
    zone = ZoneInfo(ZONE)
    anna = open_page(CLASS_TEACHER, f"/chats/{chat_id}", PHONE)
    elena = open_page(PARENT, f"/chats/{chat_id}", PHONE)
    anna.get_by_test_id("composer-poll").click()
    dialog = anna.get_by_test_id("poll-dialog")
    dialog.get_by_test_id("poll-question-input").fill(question)
    inputs = dialog.get_by_test_id("poll-option-input")
    inputs.nth(0).fill("В субботу утром")
    inputs.nth(1).fill("В воскресенье днём")
    now = datetime.now(zone)
    # It may not close before it is posted: said under the deadline, and nothing is scheduled.
    dialog.get_by_test_id("poll-send-at").fill((now + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    dialog.get_by_test_id("poll-deadline").fill((now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    dialog.get_by_test_id("poll-post").click()
    expect(dialog.get_by_test_id("poll-deadline-error")).to_have_text("Срок должен быть позже времени отправки.")
    dialog.get_by_test_id("poll-deadline").fill((now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    shot(anna, "poll-later-phone")
    dialog.get_by_test_id("poll-post").click()
    expect(dialog).to_have_count(0)
    count = anna.get_by_test_id("scheduled-count")
    expect(count).to_have_text("Запланировано: 1")
    count.click()
    item = anna.get_by_test_id("scheduled-item")
    expect(item).to_contain_text("Опрос")
    expect(item.get_by_test_id("scheduled-text")).to_have_text(question)
    expect(elena.get_by_test_id("poll-question")).to_have_count(0)

    # She moves it to now; the scheduler posts it, and Елена's open page shows it to vote in.
    item.get_by_test_id("scheduled-edit").click()
    item.get_by_test_id("scheduled-edit-at").fill(datetime.now(zone).strftime("%Y-%m-%dT%H:%M"))
    item.get_by_test_id("scheduled-save").click()
    expect(anna.get_by_test_id("poll-question").filter(has_text=question)).to_be_visible(timeout=45_000)
    expect(anna.get_by_test_id("scheduled-bar")).to_be_hidden()
    card = elena.get_by_test_id("message").filter(has_text=question)
    expect(card.get_by_test_id("poll-option")).to_have_count(2)
    card.get_by_test_id("poll-option").filter(has_text="В субботу утром").get_by_test_id("poll-choose").click()
    expect(card.get_by_test_id("poll-percent")).to_have_text(["100%", "0%"])


def fail_reminders(server: LiveServer, ack_id: int, how_many: int) -> None:
    """Reminder letters the mail server kept refusing, as the escalation leaves them (the live
    server's mail is printed, never refused; tests/api/test_acks.py drives the refusals)."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from parta.db import utcnow
    from parta.models import ReminderDelivery

    url = server.env["PARTA_DATABASE_URL"].replace("sqlite+aiosqlite", "sqlite")
    engine = create_engine(url)
    try:
        with Session(engine) as db:
            for n in range(how_many):
                db.add(ReminderDelivery(
                    announcement_id=ack_id, step="reminder", channel="mail",
                    address=f"family{n}@example.com", subject="Напоминание", body="…",
                    state="failed", attempts=5, next_at=utcnow(), last_error="451 busy"))
            db.commit()
    finally:
        engine.dispose()


def test_the_author_sees_how_many_reminders_could_not_be_sent(
        open_page: Callable[..., Any], people: Callable[[str], Api], server: LiveServer) -> None:
    chat_id = parents_chat(people, "5А — родители, напоминания")
    text = "Сдать деньги на экскурсию до среды."
    anna_api = people(CLASS_TEACHER)
    message = anna_api.post(f"/chats/{chat_id}/messages", {"body": text})
    ack = anna_api.post(f"/messages/{message['id']}/ack", {"deadline": None, "urgent": False})
    fail_reminders(server, int(ack["id"]), 3)

    anna = open_page(CLASS_TEACHER, f"/chats/{chat_id}", PHONE)
    mine = anna.get_by_test_id("message").filter(has_text=text)
    expect(mine.get_by_test_id("ack-count")).to_have_text("Ознакомились 0 из 2")
    expect(mine.get_by_test_id("ack-reminders-failed")).to_have_text(
        "Не удалось отправить 3 напоминания (письмом или SMS)")
    shot(anna, "acks-reminders-failed-phone")
    # Two more fail: the word takes the form its number asks for.
    fail_reminders(server, int(ack["id"]), 2)
    anna.reload()
    expect(mine.get_by_test_id("ack-reminders-failed")).to_have_text(
        "Не удалось отправить 5 напоминаний (письмом или SMS)")

    elena = open_page(PARENT, f"/chats/{chat_id}", PHONE)  # the school's figure, not hers
    hers = elena.get_by_test_id("message").filter(has_text=text)
    expect(hers.get_by_test_id("ack-confirm")).to_be_visible()
    expect(hers.get_by_test_id("ack-reminders-failed")).to_have_count(0)
