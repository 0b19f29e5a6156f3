"""Chat invite links and asking to join in the browser (issue 14, R22, R23, R24): a parent opens a
chat's link on a phone signed out, signs in, accepts the rules and lands in the chat; a class
teacher makes a link that needs approval and lets a parent in from the members page; a
colleague finds a staff chat among the school's chats and asks to join."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    ADMIN,
    CLASS_TEACHER,
    PARENT,
    TEACHER,
    LiveServer,
    new_page,
    shot,
    sign_in,
)

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
MIN_TAP = 44
TRIP_RULES = "Пишем только о поездке: время, место сбора, что взять с собой."


def small_targets(page: Any, selector: str) -> list[str]:
    """The visible buttons, links and checkboxes' labels under `selector` smaller than 44 px."""
    return list(page.evaluate("""([selector, min]) => {
      const out = [];
      for (const root of document.querySelectorAll(selector)) {
        for (const el of root.querySelectorAll('a[href].btn, button, label.check')) {
          const box = el.getBoundingClientRect();
          if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
          if (box.width < min - 0.5 || box.height < min - 0.5) {
            out.push(`${el.dataset.testid || el.className || el.tagName}: ${Math.round(box.width)}×${Math.round(box.height)}`);
          }
        }
      }
      return out;
    }""", [selector, MIN_TAP]))


def test_a_parent_opens_a_chat_link_signed_out_signs_in_accepts_the_rules_and_lands_in_the_chat(
        browser: Any, server: LiveServer, people: Any) -> None:
    teacher = people(CLASS_TEACHER)
    chat = teacher.post(f"/orgs/{teacher.org_id}/chats", {
        "kind": "custom", "title": "Поездка в Кремль", "rules": TRIP_RULES})
    link = teacher.post(f"/chats/{chat['id']}/links", {"ttl_days": 7})
    page = new_page(browser, server, viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        page.goto(link["url"])
        expect(page.get_by_test_id("chat-link-chat")).to_have_text("Поездка в Кремль")
        expect(page.get_by_test_id("chat-link-org")).to_have_text(re.compile("Школа"))
        expect(page.get_by_test_id("chat-link-rules")).to_have_count(0)  # the rules after sign-in
        assert small_targets(page, "[data-testid=chat-link]") == []
        shot(page, "chat-link-signed-out-phone")
        page.get_by_test_id("chat-link-sign-in").click()
        sign_in(page, server, PARENT)
        # Back at the link: the rules, and joining only once they are accepted (R24).
        expect(page).to_have_url(re.compile(r"/chat-link/"))
        expect(page.get_by_test_id("chat-link-rules")).to_contain_text(TRIP_RULES)
        join = page.get_by_test_id("chat-link-join")
        expect(join).to_be_disabled()
        page.get_by_test_id("chat-link-accept").check()
        expect(join).to_be_enabled()
        assert small_targets(page, "[data-testid=chat-link]") == []
        shot(page, "chat-link-rules-phone")
        join.click()
        expect(page).to_have_url(re.compile(rf"/chats/{chat['id']}$"))
        expect(page.get_by_test_id("chat-heading")).to_have_text("Поездка в Кремль")
        expect(page.get_by_test_id("composer-input").or_(page.locator("textarea")).first).to_be_visible()
        shot(page, "chat-link-joined-phone")
        # The link again: she is in already, so it opens the chat.
        page.goto(link["url"])
        expect(page.get_by_test_id("chat-heading")).to_have_text("Поездка в Кремль")
    finally:
        page.context.close()
    members = teacher.get(f"/chats/{chat['id']}/members")["members"]
    assert "Елена Иванова" in {m["user"]["name"] for m in members}


def test_a_class_teacher_makes_a_link_with_approval_and_lets_a_parent_in(
        browser: Any, server: LiveServer, people: Any, states: Any) -> None:
    teacher = people(CLASS_TEACHER)
    chat = teacher.post(f"/orgs/{teacher.org_id}/chats", {
        "kind": "custom", "title": "Родительский комитет 5А", "rules": "Только о делах комитета."})
    page = new_page(browser, server, storage_state=states(CLASS_TEACHER), viewport=PHONE,
                    has_touch=True, is_mobile=True)
    try:
        page.goto(f"/chats/{chat['id']}")
        page.get_by_test_id("chat-settings").click()
        page.get_by_test_id("chat-link-approval").check()
        page.get_by_test_id("chat-link-max-uses").fill("20")
        page.get_by_test_id("chat-link-create").click()
        url_field = page.get_by_test_id("new-chat-link-url")
        expect(url_field).to_have_value(re.compile(r"/chat-link/[A-Za-z0-9_-]{43}$"))
        url = url_field.input_value()
        row = page.get_by_test_id("chat-link").first
        expect(row).to_contain_text("С одобрением модератора")
        expect(row).to_contain_text("использована 0 раз из 20")
        row.get_by_role("button", name="Показать QR-код").click()
        expect(row.locator("img")).to_have_js_property("complete", True)
        assert row.locator("img").evaluate("img => img.naturalWidth") > 0
        assert small_targets(page, "[data-testid=chat-links]") == []
        shot(page, "chat-links-settings-phone")

        parent = people(PARENT)
        token = url.rsplit("/", 1)[1]
        asked = parent.post(f"/chat-links/{token}/join", {"accept_rules": True})
        assert asked["status"] == "requested"
        page.goto(f"/chats/{chat['id']}/members")
        expect(page.get_by_test_id("join-requests-badge")).to_have_text("1")
        request = page.get_by_test_id("join-request")
        expect(request).to_contain_text("Елена Иванова")
        expect(request).to_contain_text("по ссылке")
        assert small_targets(page, "[data-testid=join-requests]") == []
        shot(page, "chat-join-requests-phone")
        request.get_by_test_id("join-request-approve").click()
        expect(page.get_by_test_id("join-requests")).to_be_hidden()
        expect(page.get_by_test_id("chat-member").filter(has_text="Елена Иванова")).to_be_visible()
    finally:
        page.context.close()


def test_a_colleague_asks_to_join_a_staff_chat_from_the_school_chats(
        browser: Any, server: LiveServer, people: Any, states: Any) -> None:
    admin = people(ADMIN)
    chat = admin.post(f"/orgs/{admin.org_id}/chats", {
        "kind": "management_staff", "title": "Методическое объединение"})
    page = new_page(browser, server, storage_state=states(TEACHER), viewport=PHONE,
                    has_touch=True, is_mobile=True)
    try:
        page.goto("/chats")
        expect(page.get_by_test_id("chat-directory-link")).to_be_visible()
        shot(page, "chat-list-staff-phone")
        page.get_by_test_id("chat-directory-link").click()
        item = page.get_by_test_id("directory-chat").filter(has_text="Методическое объединение")
        expect(item).to_contain_text("1 участник")
        item.get_by_test_id("directory-ask-open").click()
        send = item.get_by_test_id("directory-send")
        expect(send).to_be_disabled()
        item.get_by_test_id("directory-accept").check()
        send.click()
        expect(item).to_contain_text("Заявка отправлена")
        assert small_targets(page, "[data-testid=chat-directory]") == []
        shot(page, "chat-directory-phone")
        [waiting] = admin.get(f"/chats/{chat['id']}/join-requests")["requests"]
        admin.post(f"/chats/{chat['id']}/join-requests/{waiting['id']}/approve")
        # The answer reaches the page by the event stream: she is told, and may open the chat.
        expect(page.get_by_text("Вашу заявку одобрили")).to_be_visible()
        item.get_by_test_id("directory-open").click()
        expect(page.get_by_test_id("chat-heading")).to_have_text("Методическое объединение")
    finally:
        page.context.close()
