"""A joint chat between two schools in the browser (R41): Анна Сергеевна of the demo school
starts one on her computer and invites «Школа № 12»; its administrator, Марина Юрьевна, accepts
for her school on her phone after reading the rules, writes, and sees each member's school.
Then the municipality's instructions: the school's administrator takes one up (R2)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    ADMIN,
    CLASS_TEACHER,
    OPERATOR,
    Api,
    LiveServer,
    new_page,
    shot,
    sign_in,
)

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 800}
MIN_TAP = 44
SCHOOL = "Школа № 12 (сеть)"
SCHOOL_ADMIN = "+79001200001"
MUNI_ADMIN = "+79001200009"
PLAN = "1. Выход через главную лестницу.\n2. Сбор на стадионе.\n".encode()


def small_targets(page: Any, selector: str) -> list[str]:
    """The visible buttons, links and checkboxes' labels under `selector` smaller than 44 px."""
    return list(page.evaluate("""([selector, min]) => {
      const out = [];
      for (const root of document.querySelectorAll(selector)) {
        for (const el of root.querySelectorAll('a[href].btn, button, label.check')) {
          const box = el.getBoundingClientRect();
          if (!box.width || !box.height) continue;
          if (box.width < min - 0.5 || box.height < min - 0.5) out.push(el.textContent.trim());
        }
      }
      return out;
    }""", [selector, MIN_TAP]))


@pytest.fixture(scope="module")
def school(server: LiveServer) -> int:
    """«Школа № 12 (сеть)» of the demo municipality, registered by the operator."""
    operator = Api(server, OPERATOR)
    muni = operator.get("/regions")["regions"][0]["municipalities"][0]["id"]
    org_id = int(operator.post("/organizations", {
        "name": SCHOOL, "kind": "school", "municipality_id": muni,
        "admin_name": "Марина Юрьевна Белова", "admin_email": "belova@school12.example",
        "admin_phone": SCHOOL_ADMIN})["id"])
    operator.http.close()
    return org_id


def test_two_schools_open_a_joint_chat(browser: Any, server: LiveServer, school: int) -> None:
    anna = new_page(browser, server, viewport=DESKTOP)
    marina = new_page(browser, server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        anna.goto("/network")
        sign_in(anna, server, CLASS_TEACHER)
        anna.get_by_test_id("network-page").wait_for()
        anna.get_by_test_id("network-title").fill("Проектная неделя двух школ")
        anna.get_by_test_id("network-schools").get_by_label(SCHOOL).check()
        shot(anna, "network-new-desktop")
        anna.get_by_test_id("network-create").click()
        expect(anna).to_have_url(re.compile(r"/chats/\d+$"))
        chat_id = int(anna.url.rsplit("/", 1)[1])

        marina.goto("/network")
        sign_in(marina, server, SCHOOL_ADMIN)
        invitation = marina.locator(f'[data-testid="network-invitation"][data-chat-id="{chat_id}"]')
        expect(invitation).to_contain_text("Проектная неделя двух школ")
        expect(invitation).to_contain_text("Анна Сергеевна Волкова")
        expect(invitation.get_by_test_id("network-accept")).to_be_disabled()
        assert small_targets(marina, '[data-testid="network-page"]') == []
        shot(marina, "network-invitation-phone")
        invitation.get_by_test_id("network-accept-rules").check()
        invitation.get_by_test_id("network-accept").click()
        expect(marina).to_have_url(re.compile(rf"/chats/{chat_id}$"))
        marina.get_by_test_id("composer-input").fill("Добрый день из школы № 12!")
        marina.get_by_test_id("composer-send").click()

        expect(anna.get_by_test_id("message-body").filter(
            has_text="Добрый день из школы № 12!")).to_be_visible()
        shot(anna, "network-chat-desktop")

        marina.goto(f"/chats/{chat_id}/members")
        rows = marina.get_by_test_id("chat-member")
        expect(rows).to_have_count(2)
        schools = marina.get_by_test_id("member-school")
        expect(schools).to_have_count(2)
        expect(marina.get_by_test_id("chat-members-list")).to_contain_text(SCHOOL)
        expect(marina.get_by_test_id("chat-members-list")).to_contain_text("Школа № 1 (демо)")
        expect(marina.get_by_test_id("chat-members-page")).to_contain_text("Совместный чат школ")
        # She invites from her own school (the search goes to «Школа № 12», not the owner's).
        marina.get_by_test_id("invite-search").fill("Белова")
        expect(marina.get_by_test_id("invite-results")).to_contain_text("Марина Юрьевна Белова")
        shot(marina, "network-members-phone")
    finally:
        anna.context.close()
        marina.context.close()


INCOMING_LIST = re.compile(r".*/api/v1/orgs/\d+/instructions$")


def test_a_school_takes_an_instruction_up(browser: Any, server: LiveServer, school: int) -> None:
    operator = Api(server, OPERATOR)
    muni = operator.get("/regions")["regions"][0]["municipalities"][0]["id"]
    operator.post(f"/municipalities/{muni}/admins",
                  {"phone": MUNI_ADMIN, "name": "Ольга Николаевна Руденко"})
    operator.http.close()
    olga = new_page(browser, server, viewport=DESKTOP)
    irina = new_page(browser, server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        olga.goto("/municipality/instructions")
        sign_in(olga, server, MUNI_ADMIN)
        if olga.get_by_test_id("municipal-instructions").count() == 0:
            olga.goto("/municipality/instructions")  # from the organization chooser
        # Ирина Петровна has the school's instructions open when it comes.
        irina.goto("/admin/instructions")
        sign_in(irina, server, ADMIN)
        expect(irina.get_by_test_id("instructions-page")).to_be_visible()
        expect(irina.get_by_test_id("instructions-incoming")).to_be_visible()
        # From now on the list cannot be read again: what comes must come with its event.
        irina.route(INCOMING_LIST, lambda route: route.abort())
        olga.get_by_test_id("instruction-title").fill("Учебная эвакуация до пятницы")
        olga.get_by_test_id("instruction-body").fill("Провести учебную эвакуацию и сдать акт.")
        # The evacuation plan goes with it: uploaded as soon as it is chosen, then sent.
        with olga.expect_file_chooser() as chooser:
            olga.get_by_test_id("instruction-attach").click()
        chooser.value.set_files({"name": "План эвакуации.txt", "mimeType": "text/plain",
                                 "buffer": PLAN})
        chip = olga.get_by_test_id("attachment-chip").filter(has_text="План эвакуации.txt")
        expect(chip).to_have_attribute("data-state", "ready")
        assert small_targets(olga, '[data-testid="instruction-files-pick"]') == []
        shot(olga, "instructions-compose-desktop")
        olga.set_viewport_size(PHONE)
        shot(olga, "instructions-compose-phone")
        olga.set_viewport_size(DESKTOP)
        olga.get_by_test_id("instruction-send").click()
        sent = olga.get_by_test_id("sent-instruction").filter(has_text="Учебная эвакуация до пятницы")
        expect(sent).to_be_visible()
        expect(olga.get_by_test_id("attachment-chip")).to_have_count(0)  # went with it

        item = irina.get_by_test_id("instruction").filter(has_text="Учебная эвакуация до пятницы")
        link = item.get_by_test_id("instruction-file")
        expect(link).to_contain_text("План эвакуации.txt")  # from the event, files and all
        irina.unroute(INCOMING_LIST)
        assert small_targets(irina, '[data-testid="instructions-page"]') == []
        shot(irina, "instructions-incoming-phone")
        irina.set_viewport_size(DESKTOP)
        shot(irina, "instructions-incoming-desktop")
        irina.set_viewport_size(PHONE)
        with irina.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == "План эвакуации.txt"
        with open(download.value.path(), "rb") as got:
            assert got.read() == PLAN
        answer = irina.request.get(link.get_attribute("href"))
        assert answer.status == 200 and answer.body() == PLAN
        assert answer.headers["content-disposition"].startswith("attachment; filename*=UTF-8''")
        assert answer.headers["x-content-type-options"] == "nosniff"
        item.get_by_test_id("instruction-take-up").click()
        expect(item).to_contain_text("Принято к исполнению")

        expect(sent).to_contain_text("приняли 1 из 2")  # live, from the school's answer
        sent.get_by_test_id("instruction-open").click()
        row = sent.get_by_test_id("instruction-school").filter(has_text="Школа № 1 (демо)")
        expect(row).to_contain_text("Ирина Петровна Смирнова")
        expect(sent.get_by_test_id("instruction-file")).to_contain_text("План эвакуации.txt")
        expect(sent.get_by_test_id("instruction-school").filter(has_text=SCHOOL)).to_contain_text(
            "Ещё не принято")
        shot(olga, "instructions-who-desktop")
    finally:
        olga.context.close()
        irina.context.close()


def test_a_school_administrator_answers_the_municipality_on_her_phone(
        browser: Any, server: LiveServer, school: int) -> None:
    """The municipality's channel (R2): Ольга Николаевна asks the schools a question; Ирина
    Петровна answers that post from her phone (a post of her own is not what the channel is
    for), and Ольга Николаевна sees the answer under her post without reloading."""
    operator = Api(server, OPERATOR)
    muni = operator.get("/regions")["regions"][0]["municipalities"][0]["id"]
    r = operator.http.post(f"/municipalities/{muni}/admins",
                           json={"phone": MUNI_ADMIN, "name": "Ольга Николаевна Руденко"})
    assert r.status_code in (201, 409), r.text  # appointed here, or by the test before
    operator.http.close()
    olga_api = Api(server, MUNI_ADMIN)
    chat_id = olga_api.post(f"/municipalities/{muni}/channel")["chat_id"]
    olga_api.post(f"/chats/{chat_id}/messages",
                  {"body": "Сколько учителей пройдут курсы по финансовой грамотности?"})
    olga_api.http.close()
    olga = new_page(browser, server, viewport=DESKTOP)
    irina = new_page(browser, server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        olga.goto("/municipality/instructions")
        sign_in(olga, server, MUNI_ADMIN)
        if olga.get_by_test_id("municipal-instructions").count() == 0:
            olga.goto("/municipality/instructions")  # from the organization chooser
        olga.get_by_test_id("municipal-channel").click()  # her way to the channel
        # A chat opens within an organization: with none chosen she is asked for one first.
        olga.get_by_test_id("composer-input").or_(olga.get_by_test_id("org-chooser")).first.wait_for()
        if olga.get_by_test_id("org-chooser").count():
            olga.get_by_test_id("org-choices").locator("button").first.click()
        olga.wait_for_url(f"**/chats/{chat_id}")
        expect(olga.get_by_test_id("composer-input")).to_be_visible()
        # She posts there: files, a poll, a message sent later are hers to use.
        for control in ("composer-attach", "composer-poll", "later-toggle"):
            expect(olga.get_by_test_id(control)).to_be_visible()
        irina.goto(f"/chats/{chat_id}")
        sign_in(irina, server, ADMIN)
        irina.get_by_test_id("connection-status").wait_for(state="attached")
        irina.goto(f"/chats/{chat_id}")
        expect(irina.get_by_test_id("chat-replies-only")).to_be_visible()
        # She answers in words only (the chat's capabilities: may reply, may not post), so the
        # composer offers nothing the server would refuse her: no files, poll or «later».
        expect(irina.get_by_test_id("composer-input")).to_be_visible()
        for control in ("composer-attach", "composer-poll", "later-toggle", "composer-extras"):
            expect(irina.get_by_test_id(control)).to_be_hidden()
        post = irina.get_by_test_id("message").filter(has_text="финансовой грамотности")
        post.get_by_test_id("message-more").click()
        assert small_targets(irina, "[data-testid=message-menu]") == []
        irina.get_by_test_id("message-reply").click()
        expect(irina.get_by_test_id("composer-context")).to_be_visible()
        irina.get_by_test_id("composer-input").fill("От Школы № 1 — четыре учителя.")
        shot(irina, "municipal-channel-reply-phone")
        irina.get_by_test_id("composer-send").click()
        mine = irina.get_by_test_id("message").filter(has_text="четыре учителя")
        expect(mine.get_by_test_id("message-quote")).to_contain_text("финансовой грамотности")
        expect(mine.get_by_test_id("message-failed")).to_have_count(0)
        # Without choosing a post the words stay in the box, and she is told how to answer.
        irina.get_by_test_id("composer-input").fill("Вопрос ко всем")
        irina.get_by_test_id("composer-send").click()
        expect(irina.get_by_test_id("composer-input")).to_have_value("Вопрос ко всем")
        expect(irina.get_by_test_id("message").filter(has_text="Вопрос ко всем")).to_have_count(0)
        irina.get_by_test_id("composer-input").fill("")
        assert small_targets(irina, ".chat__bottom") == []
        shot(irina, "municipal-channel-phone")
        irina.set_viewport_size(DESKTOP)
        shot(irina, "municipal-channel-desktop")

        answer = olga.get_by_test_id("message").filter(has_text="четыре учителя")
        expect(answer.get_by_test_id("message-quote")).to_contain_text("финансовой грамотности")
        shot(olga, "municipal-channel-owner-desktop")
    finally:
        olga.context.close()
        irina.context.close()


GUEST_TEACHER = "+79001200002"
GUEST_MEMBER = "+79001200003"


def test_the_host_school_makes_a_guest_teacher_a_moderator_who_then_deletes_a_message(
        browser: Any, server: LiveServer, school: int) -> None:
    """Joint chats' moderators from a guest school (R41): Анна Сергеевна, whose school started
    the chat, makes Павел Андреевич of «Школа № 12» a moderator on the members' page; he then
    removes a message of a colleague of his own school that breaks the rules, and Анна's open
    page shows it removed. He appoints nobody himself (only the host school does)."""
    marina = Api(server, SCHOOL_ADMIN)
    token = marina.post(f"/orgs/{school}/invites", {"role": "teacher", "max_uses": 2})["token"]
    guests: dict[str, Api] = {}
    for phone, name in ((GUEST_TEACHER, "Павел Андреевич Громов"),
                        (GUEST_MEMBER, "Вера Олеговна Кузнецова")):
        person = Api(server, phone)
        r = person.http.patch("/me", json={"name": name})
        assert r.status_code == 200, r.text
        assert person.post(f"/invites/{token}/join", {})["status"] == "joined"
        guests[phone] = Api(server, phone)  # signed in again: now of the school
        person.http.close()
    pavel, vera = guests[GUEST_TEACHER], guests[GUEST_MEMBER]
    anna_api = Api(server, CLASS_TEACHER)
    chat_id = int(anna_api.post(f"/orgs/{anna_api.org_id}/joint-chats", {
        "title": "Методический совет двух школ", "org_ids": [school]})["chat_id"])
    marina.post(f"/orgs/{school}/joint-chats/{chat_id}/decision",
                {"accept": True, "accept_rules": True})
    marina.post(f"/orgs/{school}/joint-chats/{chat_id}/staff",
                {"user_ids": [int(pavel.me["id"]), int(vera.me["id"])]})
    for person in (pavel, vera):
        person.post(f"/chats/{chat_id}/join", {"accept_rules": True})
    off_topic = "Продаю велосипед, недорого, пишите в личку."
    vera.post(f"/chats/{chat_id}/messages", {"body": off_topic})
    pavel_id = int(pavel.me["id"])
    for api in (marina, pavel, vera, anna_api):
        api.http.close()

    anna = new_page(browser, server, viewport=DESKTOP)
    pavel_page = new_page(browser, server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        anna.goto(f"/chats/{chat_id}/members")
        sign_in(anna, server, CLASS_TEACHER)
        row = anna.locator(f'[data-testid="chat-member"][data-user-id="{pavel_id}"]')
        expect(row.get_by_test_id("member-school")).to_have_text(SCHOOL)
        row.get_by_test_id("member-role").click()
        expect(row.get_by_test_id("member-role")).to_have_text("Снять модератора")
        expect(row).to_contain_text("Модератор")
        shot(anna, "network-guest-moderator-desktop")
        anna.goto(f"/chats/{chat_id}")

        pavel_page.goto(f"/chats/{chat_id}/members")
        sign_in(pavel_page, server, GUEST_TEACHER)
        pavel_page.get_by_test_id("chat-members-list").wait_for()
        expect(pavel_page.get_by_test_id("chat-member")).to_have_count(4)
        expect(pavel_page.get_by_test_id("member-role")).to_have_count(0)  # he appoints nobody
        pavel_page.goto(f"/chats/{chat_id}")
        message = pavel_page.get_by_test_id("message").filter(has_text=off_topic)
        message.get_by_test_id("message-more").click()
        assert small_targets(pavel_page, "[data-testid=message-menu]") == []
        pavel_page.get_by_test_id("message-delete").click()
        pavel_page.get_by_test_id("confirm-ok").click()
        removed = pavel_page.get_by_test_id("message-body").filter(has_text="Сообщение удалено")
        expect(removed).to_have_count(1)
        expect(pavel_page.get_by_test_id("message").filter(has_text=off_topic)).to_have_count(0)
        shot(pavel_page, "network-guest-moderator-deleted-phone")

        # Анна's page, open all along, hears of it.
        expect(anna.get_by_test_id("message").filter(has_text=off_topic)).to_have_count(0)
        expect(anna.get_by_test_id("message-body").filter(has_text="Сообщение удалено")).to_have_count(1)
    finally:
        anna.context.close()
        pavel_page.context.close()
