"""Teachers' office hours and urgent posts (issue 14), in the browser.

On his phone Олег Викторович opens his profile, adds Thursday 15:00–16:00 «каб. 12», saves,
then adds an overlapping Thursday slot and is told exactly which slot is wrong. Анна Сергеевна
keeps Monday office hours; Елена, on her phone, opens the members of a parents' chat, taps
«Профиль» beside Анна and reads «Понедельник 15:00–16:00 по записи» in the school's time.
Ирина Петровна, at her desk, sends a post in a parents' chat with «Срочно» on and is told how
many parents got an SMS; Анна, a teacher, has no «Срочно» in the same chat. Each test makes its
own chat and gives back the office hours it changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    ADMIN,
    CLASS_TEACHER,
    DESK,
    PARENT,
    PHONE,
    TEACHER,
    Api,
    parents_chat,
    shot,
)
from tests.live import LiveServer

pytestmark = pytest.mark.e2e



def big_enough(locator: Any) -> None:
    box = locator.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44, box


def test_a_teacher_sets_office_hours_on_the_phone_and_is_told_of_an_overlap(
        open_page: Callable[..., Any], people: Callable[[str], Api]) -> None:
    oleg = people(TEACHER)
    try:
        page = open_page(TEACHER, "/profile", PHONE)
        editor = page.get_by_test_id("office-hours-editor")
        expect(editor).to_be_attached()
        page.get_by_test_id("office-hours-add").click()
        row = editor.get_by_test_id("office-row").last
        row.get_by_test_id("office-day").select_option(label="Четверг")
        row.get_by_test_id("office-start").fill("15:00")
        row.get_by_test_id("office-end").fill("16:00")
        row.get_by_test_id("office-note").fill("каб. 12")
        for target in (page.get_by_test_id("office-hours-add"), page.get_by_test_id("office-hours-save"),
                       row.get_by_test_id("office-remove"), row.get_by_test_id("office-day")):
            big_enough(target)
        page.get_by_test_id("office-hours-save").click()
        expect(page.get_by_test_id("toast").filter(has_text="Часы приёма сохранены")).to_be_visible()
        shot(page, "office-hours-editor-phone")

        page.get_by_test_id("office-hours-add").click()
        second = editor.get_by_test_id("office-row").last
        second.get_by_test_id("office-day").select_option(label="Четверг")
        second.get_by_test_id("office-start").fill("15:30")
        second.get_by_test_id("office-end").fill("17:00")
        page.get_by_test_id("office-hours-save").click()
        expect(second.get_by_test_id("office-error")).to_have_text(
            "Пересекается с другим временем в тот же день.")
        expect(editor.get_by_test_id("office-row").first.get_by_test_id("office-error")).to_be_hidden()
        shot(page, "office-hours-overlap-phone")
        assert oleg.get(f"/orgs/{oleg.org_id}/office-hours")["slots"] == [
            {"weekday": 3, "start": "15:00", "end": "16:00", "note": "каб. 12"}]
        second.get_by_test_id("office-remove").click()
        expect(editor.get_by_test_id("office-row")).to_have_count(1)

        desk = open_page(TEACHER, "/profile", DESK)
        expect(desk.get_by_test_id("office-row")).to_have_count(1)
        expect(desk.get_by_test_id("office-row").get_by_test_id("office-note")).to_have_value("каб. 12")
        shot(desk, "office-hours-editor-desk")
    finally:
        oleg.put(f"/orgs/{oleg.org_id}/office-hours", {"slots": []})


def test_a_parent_reads_the_class_teachers_office_hours_from_the_chat_members(
        open_page: Callable[..., Any], people: Callable[[str], Api], server: LiveServer) -> None:
    anna = people(CLASS_TEACHER)
    chat_id = parents_chat(people, "5А — родители, часы приёма")
    anna.put(f"/orgs/{anna.org_id}/office-hours", {"slots": [
        {"weekday": 0, "start": "15:00", "end": "16:00", "note": "по записи"}]})
    try:
        elena = open_page(PARENT, f"/chats/{chat_id}/members", PHONE)
        row = elena.get_by_test_id("chat-member").filter(has_text="Анна Сергеевна Волкова")
        profile = row.get_by_test_id("member-profile")
        expect(profile).to_have_text("Профиль")
        big_enough(profile)
        hers = elena.get_by_test_id("chat-member").filter(has_text="Елена")
        expect(hers.get_by_test_id("member-profile")).to_have_count(0)  # a parent has no card
        profile.click()
        expect(elena).to_have_url(f"{server.base_url}/people/{anna.me['id']}")
        slot = elena.get_by_test_id("office-hour")
        expect(slot).to_have_count(1)
        expect(slot).to_have_text("Понедельник15:00–16:00по записи")
        expect(elena.get_by_test_id("office-hours-zone")).to_have_text("Время школьное: Москва (МСК).")
        expect(elena.get_by_role("heading", level=1)).to_have_text("Анна Сергеевна Волкова")
        expect(elena.get_by_test_id("person-position")).to_have_text("учитель русского языка")
        shot(elena, "office-hours-card-phone")
        desk = open_page(PARENT, f"/people/{anna.me['id']}", DESK)
        expect(desk.get_by_test_id("office-hour")).to_have_count(1)
        shot(desk, "office-hours-card-desk")
    finally:
        anna.put(f"/orgs/{anna.org_id}/office-hours", {"slots": []})


def test_the_director_sends_an_urgent_post_and_is_told_of_the_sms(
        open_page: Callable[..., Any], people: Callable[[str], Api]) -> None:
    chat_id = parents_chat(people, "5А — родители, срочное")
    irina = people(ADMIN)
    people(CLASS_TEACHER).post(f"/chats/{chat_id}/invitations", {"user_ids": [irina.me["id"]]})
    irina.post(f"/chats/{chat_id}/join", {"accept_rules": True})
    text = "Завтра занятий не будет: в школе отключили отопление."

    anna = open_page(CLASS_TEACHER, f"/chats/{chat_id}", PHONE)
    expect(anna.get_by_test_id("composer-input")).to_be_visible()
    expect(anna.get_by_test_id("ack-toggle")).to_be_visible()
    expect(anna.get_by_test_id("urgent-toggle")).to_be_hidden()

    page = open_page(ADMIN, f"/chats/{chat_id}", DESK)
    toggle = page.get_by_test_id("urgent-toggle")
    expect(toggle).to_have_text("Срочно")
    big_enough(toggle)
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("composer-quiet")).to_be_hidden()  # nobody waits for the morning
    expect(page.get_by_test_id("urgent-hint")).to_have_text(
        "Придёт сразу, даже в тихие часы, а родителям, которые ещё не прочитали, — по SMS.")
    shot(page, "urgent-composer-desk")
    page.get_by_test_id("composer-input").fill(text)
    page.get_by_test_id("composer-send").click()
    expect(page.get_by_test_id("toast").filter(has_text="Отмечено срочным")).to_have_text(
        "Отмечено срочным: SMS отправлено 1 родителю.")
    expect(page.get_by_test_id("message").filter(has_text=text)).to_have_count(1)
    expect(toggle).to_have_attribute("aria-pressed", "false")

    phone = open_page(ADMIN, f"/chats/{chat_id}", PHONE)
    expect(phone.get_by_test_id("urgent-toggle")).to_be_visible()
    big_enough(phone.get_by_test_id("urgent-toggle"))
    phone.get_by_test_id("urgent-toggle").click()
    shot(phone, "urgent-composer-phone")
