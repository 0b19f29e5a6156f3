"""Moderation in the browser (issue 5): a student reports a message and the class teacher, with
the queue open, sees it arrive and records a violation (R27); a rude message in a class chat
waits for the teacher and then reaches the class (R33); a parent is warned and sends anyway;
a blocked student sees until when and why, apologizes, and the class sees the teacher's
proposal to end the block early, with «Возражаю» (R29, R30); the administrator rewrites the
school's rules and a newcomer reads them before joining (R24).

Each test sets up its own chat over the API, so the demo chats stay as they were."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    ADMIN,
    CLASS_TEACHER,
    PARENT,
    STUDENT,
    Api,
    LiveServer,
    new_page,
    shot,
)

pytestmark = pytest.mark.e2e

STUDENT2 = "+79000000012"  # Петя Соколов, 5А
PETYA_NAME = "Петя Соколов"
RUDE = "это полная хуйня"


@pytest.fixture
def open_page(browser: Any, server: LiveServer, states: Callable[[str], str]) -> Iterator[Callable[..., Any]]:
    pages: list[Any] = []

    def opened(phone: str, path: str, **options: Any) -> Any:
        page = new_page(browser, server, storage_state=states(phone), **options)
        page.goto(path)
        pages.append(page)
        return page

    yield opened
    for page in pages:
        page.context.close()


def group_chat(people: Callable[[str], Api], title: str, joiners: tuple[str, ...], kind: str = "class",
               rules: str = "") -> int:
    """Анна Сергеевна opens a chat for 5А and invites it; `joiners` accept the rules and join."""
    anna = people(CLASS_TEACHER)
    groups = anna.get(f"/orgs/{anna.org_id}/groups")["groups"]
    group = next(g for g in groups if g["name"] == "5А")
    chat = anna.post(f"/orgs/{anna.org_id}/chats", {
        "kind": kind, "title": title, "group_id": group["id"], "invite_group": True, "rules": rules})
    for phone in joiners:
        people(phone).post(f"/chats/{chat['id']}/join", {"accept_rules": True})
    return int(chat["id"])


def message(page: Any, text: str) -> Any:
    return page.get_by_test_id("message").filter(has_text=text)


def test_a_report_reaches_the_class_teacher_live_and_becomes_a_violation(
    open_page: Callable[..., Any], people: Callable[[str], Api]
) -> None:
    chat_id = group_chat(people, "5А — жалобы", (STUDENT, STUDENT2))
    people(STUDENT2).post(f"/chats/{chat_id}/messages", {"body": "Маша опять всё списала у Пети"})

    anna = open_page(CLASS_TEACHER, "/")
    anna.get_by_test_id("nav-moderation").click()  # a chat's moderator has the queue in the menu
    expect(anna.get_by_test_id("moderation-page")).to_be_visible()
    masha = open_page(STUDENT, f"/chats/{chat_id}")
    expect(masha.get_by_test_id("nav-moderation")).to_be_hidden()  # a student moderates nothing

    bad = message(masha, "Маша опять всё списала")
    bad_id = bad.get_attribute("data-id")
    bad.get_by_test_id("message-more").click()
    masha.get_by_test_id("message-report").click()
    dialog = masha.get_by_test_id("report-dialog")
    expect(dialog).to_contain_text("Маша опять всё списала")
    dialog.get_by_test_id("report-reason").select_option("insult")
    dialog.get_by_test_id("report-comment").fill("Это неправда, я сама решала")
    shot(masha, "moderation-report")
    dialog.get_by_test_id("report-dialog-submit").click()
    expect(masha.get_by_test_id("toast").filter(has_text="Жалоба отправлена")).to_be_visible()

    # The queue on Анна's screen gets the report by itself, with the messages around it.
    item = anna.get_by_test_id("queue-report").filter(has_text="Маша опять всё списала")
    expect(item).to_contain_text("Оскорбление")
    expect(item).to_contain_text("Это неправда, я сама решала")
    expect(item.get_by_test_id("queue-reported-message")).to_contain_text(PETYA_NAME)
    expect(anna.get_by_test_id("nav-moderation-count")).to_be_visible()
    item.get_by_test_id("queue-violation").click()
    item.get_by_test_id("queue-rule").select_option("1")
    expect(item.get_by_test_id("queue-delete")).to_be_checked()
    item.get_by_test_id("queue-explanation").fill("Обвинение без оснований")
    shot(anna, "moderation-queue")
    item.get_by_test_id("queue-violation-save").click()
    expect(item).to_have_count(0)
    deleted = masha.locator(f'[data-testid="message"][data-id="{bad_id}"]')
    expect(deleted.get_by_test_id("message-body")).to_have_text("Сообщение удалено")

    petya_id = people(STUDENT2).me["id"]
    record = people(CLASS_TEACHER).get(f"/chats/{chat_id}/members/{petya_id}/record")
    assert [(v["rule_number"], v["explanation"]) for v in record["violations"]] == [(1, "Обвинение без оснований")]


def test_a_rude_message_waits_for_the_teacher_and_then_reaches_the_class(
    open_page: Callable[..., Any], people: Callable[[str], Api]
) -> None:
    chat_id = group_chat(people, "5А — проверка", (STUDENT, STUDENT2))
    anna = open_page(CLASS_TEACHER, "/moderation")
    masha = open_page(STUDENT, f"/chats/{chat_id}")
    petya = open_page(STUDENT2, f"/chats/{chat_id}")

    box = petya.get_by_test_id("composer-input")
    box.fill(RUDE)
    box.press("Enter")
    own = message(petya, RUDE)
    expect(own.get_by_test_id("message-held")).to_have_text("На проверке у модератора")
    shot(petya, "moderation-held")

    held = anna.get_by_test_id("queue-held").filter(has_text=RUDE)
    expect(held).to_contain_text(PETYA_NAME)
    expect(held.get_by_test_id("conduct-match")).to_have_text("хуйня")
    expect(message(masha, RUDE)).to_have_count(0)  # nobody but the author sees it meanwhile
    held.get_by_test_id("held-approve").click()
    expect(held).to_have_count(0)

    expect(message(masha, RUDE)).to_have_count(1)
    expect(message(masha, RUDE).get_by_test_id("message-author")).to_have_text(PETYA_NAME)
    expect(own).to_have_count(1)
    expect(own.get_by_test_id("message-held")).to_have_count(0)

    # The teacher reminds the class of the rules in one step; the class sees a numbered list.
    anna.goto(f"/chats/{chat_id}")
    anna.get_by_test_id("remind-rules").click()
    anna.get_by_test_id("confirm-ok").click()
    reminder = masha.get_by_test_id("rules-reminder")
    expect(reminder).to_contain_text("напоминает правила чата")
    expect(reminder.locator("li").first).to_contain_text("Общаемся вежливо")


def test_a_parent_is_warned_fixes_and_then_sends_anyway(
    open_page: Callable[..., Any], people: Callable[[str], Api]
) -> None:
    chat_id = group_chat(people, "5А — родители, собрание", (PARENT,), kind="parents")
    elena = open_page(PARENT, f"/chats/{chat_id}")
    box = elena.get_by_test_id("composer-input")
    box.fill(RUDE)
    box.press("Enter")
    warned = message(elena, RUDE)
    expect(warned.get_by_test_id("conduct-warning")).to_contain_text("грубые или нецензурные")
    expect(warned.get_by_test_id("conduct-match")).to_have_text("хуйня")
    shot(elena, "moderation-warning")

    warned.get_by_test_id("conduct-fix").click()  # back into the box, the word selected
    expect(warned).to_have_count(0)
    expect(box).to_have_value(RUDE)
    selected = elena.evaluate("() => { const b = document.activeElement; return b.value.slice(b.selectionStart, b.selectionEnd); }")
    assert selected == "хуйня"

    box.press("Enter")
    warned.get_by_test_id("conduct-send-anyway").click()
    expect(warned.get_by_test_id("conduct-warning")).to_have_count(0)
    expect(warned.get_by_test_id("message-pending")).to_have_count(0)
    expect(warned.locator("time")).to_be_visible()  # acknowledged
    bodies = [m["body"] for m in people(CLASS_TEACHER).get(f"/chats/{chat_id}/messages")["messages"]]
    assert bodies.count(RUDE) == 1


def test_a_blocked_student_apologizes_and_the_class_may_object_to_an_early_unblock(
    open_page: Callable[..., Any], people: Callable[[str], Api]
) -> None:
    chat_id = group_chat(people, "5А — дежурство", (STUDENT, STUDENT2))
    anna_api, petya_id = people(CLASS_TEACHER), people(STUDENT2).me["id"]
    for n in range(3):
        anna_api.post(f"/chats/{chat_id}/members/{petya_id}/violations",
                      {"rule_number": 1, "explanation": f"Грубость на перемене №{n + 1}"})
    petya = open_page(STUDENT2, f"/chats/{chat_id}")
    masha = open_page(STUDENT, f"/chats/{chat_id}")
    expect(petya.get_by_test_id("composer-input")).to_be_visible()
    anna = open_page(CLASS_TEACHER, f"/chats/{chat_id}/members")

    row = anna.get_by_test_id("chat-member").filter(has_text=PETYA_NAME)
    row.get_by_test_id("member-moderate").click()
    card = row.get_by_test_id("member-card")
    expect(card.get_by_test_id("violation-item")).to_have_count(3)
    card.get_by_test_id("block-open").click()
    expect(card.get_by_test_id("block-not-allowed")).to_contain_text("Сейчас: 3")
    expect(card.get_by_test_id("block-save")).to_be_disabled()

    card.get_by_test_id("violation-open").click()
    card.get_by_test_id("violation-rule").select_option("1")
    card.get_by_test_id("violation-explanation").fill("Снова грубил в чате")
    card.get_by_test_id("violation-save").click()
    expect(card.get_by_test_id("violation-item")).to_have_count(4)
    card.get_by_test_id("block-open").click()
    expect(card.get_by_test_id("block-save")).to_be_enabled()
    card.get_by_test_id("block-duration").select_option("3d")
    card.get_by_test_id("block-rule").select_option("1")
    card.get_by_test_id("block-reason").fill("Четыре грубости за неделю")
    card.get_by_test_id("block-save").click()
    expect(card.get_by_test_id("current-block")).to_contain_text("Заблокирован(а) до")

    # Петя's open chat turns into the banner by itself: until when, which rule, and no composer.
    banner = petya.get_by_test_id("blocked-banner")
    ends_at = anna_api.get(f"/chats/{chat_id}/blocks")["blocks"][0]["ends_at"]
    assert datetime.fromisoformat(ends_at) - datetime.now(UTC) > timedelta(days=2, hours=23)
    shown_date = petya.evaluate("""iso => new Intl.DateTimeFormat('ru', {day: 'numeric', month: 'short',
        year: 'numeric', hour: '2-digit', minute: '2-digit'}).format(new Date(iso))""", ends_at)
    expect(banner.get_by_test_id("blocked-until")).to_have_text(f"Вы заблокированы в этом чате до {shown_date}")
    expect(banner.get_by_test_id("blocked-rule")).to_contain_text("Нарушено правило 1")
    expect(petya.get_by_test_id("composer-input")).to_have_count(0)
    shot(petya, "moderation-blocked")

    banner.get_by_test_id("apologize").click()
    banner.get_by_test_id("apology-text").fill("Простите, я больше не буду грубить.")
    banner.get_by_test_id("apology-send").click()
    expect(banner.get_by_test_id("blocked-status")).to_contain_text("Вы извинились")

    # The apology shows in Анна's card; she proposes to end the block early.
    expect(card.get_by_test_id("block-apology")).to_contain_text("Простите, я больше не буду грубить.")
    card.get_by_test_id("propose-unblock").click()
    anna.get_by_test_id("confirm-ok").click()
    expect(card.get_by_test_id("unblock-status")).to_contain_text("Предложено досрочное снятие")

    # Маша sees the notice in the chat and objects; Петя is told the block stays.
    notice = masha.get_by_test_id("unblock-notice")
    expect(notice).to_contain_text(PETYA_NAME)
    shot(masha, "moderation-unblock-notice")
    notice.get_by_test_id("object-unblock").click()
    masha.get_by_test_id("object-reason").fill("Он опять начнёт")
    masha.get_by_test_id("object-dialog-submit").click()
    expect(notice.get_by_test_id("objected")).to_be_visible()
    expect(banner.get_by_test_id("blocked-status")).to_contain_text("возразили")
    expect(petya.get_by_test_id("unblock-notice")).to_contain_text("никто не возразит")


def test_the_admin_rewrites_the_schools_rules_and_a_newcomer_reads_them_before_joining(
    browser: Any, server: LiveServer, admin_page: Any, open_page: Callable[..., Any],
    people: Callable[[str], Api]
) -> None:
    admin = admin_page
    admin.goto("/")
    admin.get_by_test_id("nav-admin-chat-rules").click()
    expect(admin.get_by_test_id("chat-rules-state")).to_contain_text("стандартные правила Парты")
    expect(admin.get_by_test_id("conduct-parents")).to_have_value("warn")
    expect(admin.get_by_test_id("conduct-row-class")).to_contain_text("Чат класса")
    rules = "1. Уважаем друг друга.\n2. Не списываем домашку у соседа по парте."
    try:
        admin.get_by_test_id("chat-rules-text").fill(rules)
        expect(admin.get_by_test_id("rules-preview-item")).to_have_text(
            ["Уважаем друг друга.", "Не списываем домашку у соседа по парте."])
        shot(admin, "moderation-school-rules")
        admin.get_by_test_id("chat-rules-save").click()
        expect(admin.get_by_test_id("chat-rules-state")).to_contain_text("Действуют правила школы")

        chat_id = group_chat(people, "5А — кружок чтения", (), rules="Читаем по главе в неделю.")
        masha = open_page(STUDENT, "/chats")
        invitation = masha.get_by_test_id("invitation").filter(has_text="5А — кружок чтения")
        invitation.get_by_test_id("invitation-open").click()
        school = masha.get_by_test_id("rules-school")
        expect(school.get_by_test_id("rule-item")).to_have_text(
            ["Уважаем друг друга.", "Не списываем домашку у соседа по парте."])
        own = masha.get_by_test_id("rules-chat").get_by_test_id("rule-item")
        expect(own).to_have_text(["Читаем по главе в неделю."])
        expect(own).to_have_attribute("value", "3")  # one numbered list: the chat's rule is 3
        shot(masha, "moderation-join-rules")
        expect(masha.get_by_test_id("join-chat")).to_be_disabled()
        masha.get_by_test_id("accept-rules").check()
        masha.get_by_test_id("join-chat").click()
        expect(masha.get_by_test_id("chat-heading")).to_have_text("5А — кружок чтения")
        assert people(STUDENT).get(f"/chats/{chat_id}")["org_rules_accepted_version"] >= 2
    finally:
        people(ADMIN).put(f"/orgs/{people(ADMIN).org_id}/chat-rules", {"rules": None})


def test_dismissing_a_report_is_asked_once_more(
    open_page: Callable[..., Any], people: Callable[[str], Api]
) -> None:
    """One stray tap does not decide a complaint (issue 14): «Отклонить» asks first; cancelling
    leaves the report in the queue, confirming closes it and the message stays."""
    chat_id = group_chat(people, "5А — отклонить жалобу", (STUDENT, STUDENT2))
    sent = people(STUDENT2).post(f"/chats/{chat_id}/messages", {"body": "Завтра можно без формы?"})
    people(STUDENT).post(f"/chats/{chat_id}/messages/{sent['id']}/reports", {"reason": "other"})
    anna = open_page(CLASS_TEACHER, "/moderation", viewport={"width": 390, "height": 844},
                     has_touch=True)
    item = anna.get_by_test_id("queue-report").filter(has_text="Завтра можно без формы?")
    item.get_by_test_id("queue-dismiss").click()
    dialog = anna.get_by_test_id("confirm-dialog")
    expect(dialog).to_contain_text("Сообщение останется в чате")
    anna.get_by_test_id("confirm-cancel").click()
    expect(dialog).to_have_count(0)
    expect(item).to_have_count(1)
    item.get_by_test_id("queue-dismiss").click()
    anna.get_by_test_id("confirm-ok").click()
    expect(item).to_have_count(0)
    page = people(CLASS_TEACHER).get(f"/chats/{chat_id}/messages")["messages"]
    assert next(m for m in page if m["id"] == sent["id"])["deleted"] is False
