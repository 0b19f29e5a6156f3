"""On phones (390×844): Анна Сергеевна schedules an online lesson for 5А from the chat's lessons
page; the form refuses an end before the start under the field; Маша, whose home page is open,
sees the lesson arrive in her «Сегодня» card by itself, and the lesson's line in the chat with
its join button."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CLASS_TEACHER, STUDENT, Api, new_page, shot
from tests.live import LiveServer

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
ZONE = "Europe/Moscow"
TITLE = "Онлайн-урок 5А, математика"


@pytest.fixture
def phone_page(browser: Any, server: LiveServer, states: Callable[[str], str]) -> Iterator[Callable[..., Any]]:
    pages: list[Any] = []

    def open_(phone: str, path: str) -> Any:
        page = new_page(browser, server, storage_state=states(phone), viewport=PHONE,
                        timezone_id=ZONE, has_touch=True, is_mobile=True)
        pages.append(page)
        page.goto(path)
        return page

    yield open_
    for page in pages:
        page.context.close()


def lessons_chat(people: Callable[[str], Api]) -> int:
    """A chat of Анна's for 5А's online lessons, which Маша joined."""
    anna = people(CLASS_TEACHER)
    group = next(g for g in anna.get(f"/orgs/{anna.org_id}/groups")["groups"] if g["name"] == "5А")
    chat = anna.post(f"/orgs/{anna.org_id}/chats", {
        "kind": "class", "title": "5А — онлайн-уроки", "group_id": group["id"], "invite_group": True})
    people(STUDENT).post(f"/chats/{chat['id']}/join", {"accept_rules": True})
    return int(chat["id"])


def test_teacher_schedules_a_lesson_and_it_appears_on_the_students_home_and_in_the_chat(
        phone_page: Callable[..., Any], people: Callable[[str], Api]) -> None:
    chat_id = lessons_chat(people)
    start = datetime.now(ZoneInfo(ZONE)) + timedelta(minutes=20)
    end = start + timedelta(minutes=30)
    if end.date() != datetime.now(ZoneInfo(ZONE)).date():
        pytest.skip("so close to midnight in Moscow, today has no half hour left for a lesson")

    masha = phone_page(STUDENT, "/")
    expect(masha.get_by_test_id("home")).to_be_visible()
    expect(masha.get_by_test_id("today-lesson").filter(has_text=TITLE)).to_have_count(0)

    anna = phone_page(CLASS_TEACHER, f"/chats/{chat_id}/members")
    anna.get_by_test_id("chat-lessons-link").click()
    expect(anna.get_by_test_id("lessons-page")).to_be_visible()
    form = anna.get_by_test_id("lesson-form")
    form.get_by_test_id("lesson-title").fill(TITLE)
    form.get_by_test_id("lesson-kind").select_option("lesson")
    form.get_by_test_id("lesson-day").fill(start.date().isoformat())
    form.get_by_test_id("lesson-start").fill(start.strftime("%H:%M"))
    form.get_by_test_id("lesson-end").fill((start - timedelta(minutes=10)).strftime("%H:%M"))
    form.get_by_test_id("lesson-submit").click()
    # The server's refusal shows under the field it is about; nothing was scheduled.
    expect(form.get_by_test_id("lesson-end-error")).to_have_text("Окончание должно быть позже начала.")
    expect(anna.get_by_test_id("chat-lesson")).to_have_count(0)

    form.get_by_test_id("lesson-end").fill(end.strftime("%H:%M"))
    form.get_by_test_id("lesson-submit").click()
    item = anna.get_by_test_id("chat-lesson").filter(has_text=TITLE)
    expect(item).to_be_visible()
    expect(item).to_contain_text(f"{start:%H:%M}–{end:%H:%M}")
    expect(item.get_by_test_id("lesson-cancel")).to_be_visible()  # hers to change
    expect(item.get_by_test_id("lesson-join")).to_be_visible()
    shot(anna, "lessons-page")

    # Маша's home page, open all along, gets it by itself: today, in her chat, with «join».
    row = masha.get_by_test_id("today-lesson").filter(has_text=TITLE)
    expect(row).to_be_visible()
    expect(row).to_contain_text("5А — онлайн-уроки")
    expect(row).to_contain_text(f"{start:%H:%M}–{end:%H:%M}")
    expect(row.get_by_test_id("lesson-join")).to_be_visible()
    box = row.get_by_test_id("lesson-join").bounding_box()
    assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    shot(masha, "lessons-today")

    # In the chat: the lesson's line, with the join button.
    masha.goto(f"/chats/{chat_id}")
    notice = masha.get_by_test_id("lesson-notice").filter(has_text=TITLE)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Назначено")
    expect(notice.get_by_test_id("lesson-join")).to_be_visible()
    shot(masha, "lessons-notice")

    # Anna cancels; Маша's chat shows it, and the lessons page no longer offers to change it.
    item.get_by_test_id("lesson-cancel").click()
    anna.get_by_test_id("confirm-ok").click()
    expect(item.get_by_test_id("lesson-cancelled")).to_be_visible()
    expect(item.get_by_test_id("lesson-join")).to_have_count(0)
    expect(masha.get_by_test_id("lesson-notice").filter(has_text="Отменено")).to_be_visible()


def lay_down_call(server: LiveServer, chat_id: int, anna_id: int, masha_id: int) -> int:
    """A 40-minute call in the chat as the calls leave it (the stays, and its line in the chat):
    the live server's calls need Janus, which tests/e2e/test_calls.py drives; here the page
    that reads them is the subject."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from parta.db import utcnow
    from parta.models import Call, CallKind, CallParticipant, Chat, Message

    url = server.env["PARTA_DATABASE_URL"].replace("sqlite+aiosqlite", "sqlite")
    engine = create_engine(url)
    t0 = utcnow() - timedelta(hours=1)
    try:
        with Session(engine) as db:
            chat = db.get(Chat, chat_id)
            assert chat is not None
            call = Call(org_id=chat.org_id, chat_id=chat_id, started_by=anna_id, kind=CallKind.video,
                        janus_room=777, room_secret="s", started_at=t0,
                        ended_at=t0 + timedelta(minutes=40), ended_by=anna_id)
            db.add(call)
            db.flush()
            for who, joined, left in ((anna_id, 0, 40), (masha_id, 5, 35)):
                db.add(CallParticipant(call_id=call.id, user_id=who, token=f"t{who}",
                                       joined_at=t0 + timedelta(minutes=joined),
                                       admitted_at=t0 + timedelta(minutes=joined),
                                       left_at=t0 + timedelta(minutes=left)))
            db.add(Message(chat_id=chat_id, author_id=anna_id, kind="call",
                           body="Звонок завершён · 40 мин", created_at=t0 + timedelta(minutes=40),
                           meta={"call_id": call.id, "missed": False, "kind": "video",
                                 "seconds": 2400, "people": 2}))
            db.commit()
            return int(call.id)
    finally:
        engine.dispose()


def test_the_teacher_sees_who_was_at_the_lesson_from_the_calls_line(
        phone_page: Callable[..., Any], people: Callable[[str], Api], server: LiveServer) -> None:
    chat_id = lessons_chat(people)
    call_id = lay_down_call(server, chat_id, people(CLASS_TEACHER).me["id"], people(STUDENT).me["id"])

    masha = phone_page(STUDENT, f"/chats/{chat_id}")
    expect(masha.get_by_test_id("call-notice")).to_be_visible()
    expect(masha.get_by_test_id("call-attendance-link")).to_have_count(0)  # not hers to see

    anna = phone_page(CLASS_TEACHER, f"/chats/{chat_id}")
    anna.get_by_test_id("call-notice").get_by_test_id("call-attendance-link").click()
    expect(anna.get_by_test_id("attendance-page")).to_be_visible()
    rows = anna.get_by_test_id("attendance-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Маша Иванова")
    expect(rows.first).to_contain_text("5А")
    expect(rows.first).to_contain_text("30")
    expect(rows.nth(1)).to_contain_text("Анна Сергеевна Волкова")
    href = anna.get_by_test_id("attendance-xlsx").get_attribute("href")
    assert href is not None and href.startswith(f"/api/v1/calls/{call_id}/attendance?format=xlsx")
    shot(anna, "lessons-attendance")
    with anna.expect_download() as download:
        anna.get_by_test_id("attendance-csv").click()
    assert download.value.suggested_filename.startswith(f"attendance-{call_id}-")

    # Маша, typing the address: the call does not exist for her.
    masha.goto(f"/calls/{call_id}/attendance")
    expect(masha.get_by_test_id("page-error")).to_be_visible()
