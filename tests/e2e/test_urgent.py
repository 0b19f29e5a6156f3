"""«Срочно» in the timeline (issue 14), in the browser. Ирина Петровна, the director, makes a
channel for the parents of her school and posts in it that school is closed tomorrow. Елена has
the channel open on her phone and reads the post. Ирина marks it urgent: without a reload,
Елена's page shows «Срочно» on that post (and on it only), and her screen reader hears it from
the chat's live region. A new visit draws it from the history too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, PARENT, PHONE, Api, shot
from tests.e2e.test_axe import audit

pytestmark = pytest.mark.e2e

CLOSED = "Завтра школа закрыта: авария на теплотрассе, дети остаются дома."
BEFORE = "Родительское собрание 5А переносится на четверг."


def parents_channel(people: Callable[[str], Api], title: str) -> int:
    """A channel of Ирина's that Елена joined."""
    irina, elena = people(ADMIN), people(PARENT)
    chat = irina.post(f"/orgs/{irina.org_id}/chats", {
        "kind": "channel", "title": title, "invite_user_ids": [elena.me["id"]]})
    elena.post(f"/chats/{chat['id']}/join", {"accept_rules": True})
    return int(chat["id"])


def test_a_parent_sees_urgent_appear_on_a_channel_post(
        open_page: Callable[..., Any], people: Callable[[str], Api]) -> None:
    irina = people(ADMIN)
    chat_id = parents_channel(people, "Родителям школы — срочное")
    irina.post(f"/chats/{chat_id}/messages", {"body": BEFORE})
    post = irina.post(f"/chats/{chat_id}/messages", {"body": CLOSED})

    elena = open_page(PARENT, f"/chats/{chat_id}", PHONE)
    closed = elena.get_by_test_id("message").filter(has_text=CLOSED)
    expect(closed).to_be_visible()
    expect(closed.get_by_test_id("message-urgent")).to_have_count(0)

    marked = irina.post(f"/messages/{post['id']}/urgent")
    assert marked["message_id"] == post["id"]

    expect(closed.get_by_test_id("message-urgent")).to_have_text("Срочно")
    earlier = elena.get_by_test_id("message").filter(has_text=BEFORE)
    expect(earlier.get_by_test_id("message-urgent")).to_have_count(0)
    expect(elena.get_by_test_id("chat-announcer")).to_have_text(
        f"Сообщение отмечено срочным: {CLOSED}")
    shot(elena, "urgent-parent-phone")
    assert audit(elena) == []

    # Drawn from the history on a new visit too.
    elena.reload()
    closed = elena.get_by_test_id("message").filter(has_text=CLOSED)
    expect(closed.get_by_test_id("message-urgent")).to_have_text("Срочно")
