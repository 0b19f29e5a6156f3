"""Mentions in the browser: «@» offers the chat's members, the pick is sent as a mention, and
the person mentioned sees it marked as theirs."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CLASS_TEACHER, STUDENT
from tests.e2e.test_moderation import group_chat, message, open_page  # noqa: F401  (a fixture)

pytestmark = pytest.mark.e2e


def test_the_teacher_mentions_a_student_who_sees_it_marked(
    people: Any, open_page: Any  # noqa: F811
) -> None:
    chat_id = group_chat(people, "5А — упоминания", (STUDENT,))
    masha_id = people(STUDENT).me["id"]
    anna = open_page(CLASS_TEACHER, f"/chats/{chat_id}")
    masha = open_page(STUDENT, f"/chats/{chat_id}")
    box = anna.get_by_test_id("composer-input")
    box.click()
    box.press_sequentially("Завтра дежурит @Ма")
    options = anna.get_by_test_id("mention-option")
    expect(options.filter(has_text="Маша Иванова")).to_be_visible()
    box.press("Enter")  # picks the suggestion, does not send
    expect(box).to_have_value("Завтра дежурит @Маша Иванова ")
    box.press_sequentially("— не забудь!")
    box.press("Enter")
    sent = message(anna, "не забудь")
    expect(sent.get_by_test_id("mention")).to_have_text("@Маша Иванова")
    mine = message(masha, "не забудь").get_by_test_id("mention")
    expect(mine).to_have_text("@Маша Иванова")
    expect(mine).to_have_class("mention mention--me")
    stored = people(CLASS_TEACHER).get(f"/chats/{chat_id}/messages")["messages"][0]
    assert stored["mentions"] == [masha_id]
    assert stored["body"] == f"Завтра дежурит @[Маша Иванова](u:{masha_id}) — не забудь!"
