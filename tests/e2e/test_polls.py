"""Polls in the browser (R26). Анна Сергеевна, at her desk (1366×800), asks her class chat
«Какой день выбрать для поездки в планетарий?» from the composer's «Опрос»; Маша, on her phone
(390×844), sees the card, taps an answer and sees the bars, changes her vote; the teacher's card
follows by itself; she sees who has not answered (Петя), reminds him, and closes the poll — which
Маша's card shows at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CLASS_TEACHER, DESK, PHONE, STUDENT, Api, shot

pytestmark = pytest.mark.e2e

STUDENT2 = "+79000000012"
QUESTION = "Какой день выбрать для поездки в планетарий?"
DAYS = ["Вторник", "Среда", "Пятница"]


def polls_chat(people: Callable[[str], Api]) -> int:
    """A chat of Анна's for 5А's trips, which Маша and Петя joined."""
    anna = people(CLASS_TEACHER)
    group = next(g for g in anna.get(f"/orgs/{anna.org_id}/groups")["groups"] if g["name"] == "5А")
    chat = anna.post(f"/orgs/{anna.org_id}/chats", {
        "kind": "class", "title": "5А — поездки", "group_id": group["id"], "invite_group": True})
    for phone in (STUDENT, STUDENT2):
        people(phone).post(f"/chats/{chat['id']}/join", {"accept_rules": True})
    return int(chat["id"])


def tall_enough(locator: Any) -> None:
    box = locator.bounding_box()
    assert box is not None and box["height"] >= 44, box


def test_a_teacher_asks_the_class_a_student_votes_on_her_phone_and_the_cards_follow(
        open_page: Callable[..., Any], people: Callable[[str], Api]) -> None:
    chat_id = polls_chat(people)
    anna = open_page(CLASS_TEACHER, f"/chats/{chat_id}", DESK)
    masha = open_page(STUDENT, f"/chats/{chat_id}", PHONE, has_touch=True, is_mobile=True)
    expect(masha.get_by_test_id("composer")).to_be_visible()

    # The form from the composer: an empty option is refused before anything is posted.
    anna.get_by_test_id("composer-poll").click()
    dialog = anna.get_by_test_id("poll-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("poll-question-input").fill(QUESTION)
    inputs = dialog.get_by_test_id("poll-option-input")
    inputs.nth(0).fill(DAYS[0])
    dialog.get_by_test_id("poll-post").click()
    expect(dialog.get_by_test_id("poll-options-error")).to_have_text("Нужно хотя бы два варианта ответа.")
    inputs.nth(1).fill(DAYS[1])
    dialog.get_by_test_id("poll-add-option").click()
    expect(inputs).to_have_count(3)
    inputs.nth(2).fill(DAYS[2])
    dialog.get_by_test_id("poll-results").select_option("after_voting")
    shot(anna, "poll-form-desktop")
    dialog.get_by_test_id("poll-post").click()
    expect(dialog).to_have_count(0)

    card = anna.get_by_test_id("poll").filter(has_text=QUESTION)
    expect(card).to_be_visible()
    expect(card.get_by_test_id("poll-status")).to_contain_text("0 ответов")
    expect(card.get_by_test_id("poll-close")).to_be_visible()

    # Маша's phone: the card arrives by itself; the results wait for her answer.
    mcard = masha.get_by_test_id("poll").filter(has_text=QUESTION)
    expect(mcard).to_be_visible()
    expect(mcard.get_by_test_id("poll-hidden")).to_be_visible()
    expect(mcard.get_by_test_id("poll-percent")).to_have_count(0)
    expect(mcard.get_by_test_id("poll-close")).to_have_count(0)
    choose = mcard.get_by_test_id("poll-choose")
    tall_enough(choose.nth(0))
    shot(masha, "poll-card-phone-before")
    choose.filter(has_text=DAYS[0]).click()
    expect(mcard.get_by_test_id("poll-percent")).to_have_text(["100%", "0%", "0%"])
    expect(mcard.get_by_test_id("poll-status")).to_contain_text("1 ответ")
    # The teacher's card follows (the coalesced results).
    expect(card.get_by_test_id("poll-percent")).to_have_text(["100%", "0%", "0%"])

    # She changes her vote.
    mcard.get_by_test_id("poll-change").click()
    mcard.get_by_test_id("poll-choose").filter(has_text=DAYS[2]).click()
    expect(mcard.get_by_test_id("poll-percent")).to_have_text(["0%", "0%", "100%"])
    tall_enough(mcard.get_by_test_id("poll-change"))
    shot(masha, "poll-card-phone-voted")
    expect(card.get_by_test_id("poll-percent")).to_have_text(["0%", "0%", "100%"])

    # Who has not answered: Петя; the teacher reminds him.
    card.get_by_test_id("poll-not-answered").click()
    expect(card.get_by_test_id("poll-waiting")).to_contain_text("Петя Соколов")
    expect(card.get_by_test_id("poll-waiting")).not_to_contain_text("Маша")
    card.get_by_test_id("poll-remind").click()
    expect(anna.get_by_test_id("toast").filter(has_text="Напоминание получил 1 участник")).to_be_visible()
    expect(card.get_by_test_id("poll-export-xlsx")).to_have_attribute("href", f"/api/v1/polls/{card.get_attribute('data-poll')}/export?format=xlsx&by=name")
    shot(anna, "poll-card-desktop")

    # The teacher closes it; Маша's card shows it closed, with nothing left to tap.
    card.get_by_test_id("poll-close").click()
    anna.get_by_test_id("confirm-ok").click()
    expect(card.get_by_test_id("poll-status")).to_contain_text("опрос закрыт")
    expect(mcard.get_by_test_id("poll-status")).to_contain_text("опрос закрыт")
    expect(mcard.get_by_test_id("poll-choose")).to_have_count(0)
    expect(mcard.get_by_test_id("poll-change")).to_have_count(0)
    shot(masha, "poll-card-phone-closed")
