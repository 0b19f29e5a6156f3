"""A class teacher invites a parent of 5А (R16, R17); the parent names the child and the
administrator confirms the link by choosing the child among the class's students."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, CLASS_TEACHER, PARENT, LiveServer, new_page, shot, sign_in

pytestmark = pytest.mark.e2e


def test_a_parent_joins_by_the_class_teachers_link_and_the_admin_confirms_the_child(
    browser: Any, server: LiveServer, admin_page: Any
) -> None:
    teacher = new_page(browser, server)
    try:
        teacher.goto("/invites")
        sign_in(teacher, server, CLASS_TEACHER)
        expect(teacher).to_have_url(re.compile(r"/invites$"))
        # A teacher may invite only students and parents, and only to the classes they teach.
        expect(teacher.get_by_test_id("invite-role").locator("option")).to_have_text(
            ["Ученик", "Родитель"]
        )
        groups = teacher.get_by_test_id("invite-group").locator("option").all_inner_texts()
        assert "5А" in groups and "9А" not in groups, groups
        teacher.get_by_test_id("invite-role").select_option("parent")
        teacher.get_by_test_id("invite-group").select_option(label="5А")
        teacher.get_by_test_id("invite-label").fill("Родители 5А")
        teacher.get_by_test_id("invite-create").click()
        url = teacher.get_by_test_id("new-invite-url").input_value()
        qr_toggle = teacher.get_by_test_id("new-invite").get_by_role(
            "button", name="Показать QR-код"
        )
        qr_toggle.click()
        qr = teacher.get_by_test_id("new-invite").locator("img")
        expect(qr).to_be_visible()
        teacher.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0", arg=qr.element_handle()
        )
        shot(teacher, "teacher-invite-qr")
    finally:
        teacher.context.close()

    parent = new_page(browser, server)
    try:
        parent.goto(url)
        sign_in(parent, server, "+79000001003")
        parent.get_by_test_id("name-input").fill("Светлана Петровна Соколова")
        parent.get_by_test_id("save-name").click()
        expect(parent.get_by_test_id("join-group")).to_have_text("5А")
        expect(parent.get_by_test_id("join-role")).to_have_text("Родитель")
        parent.get_by_test_id("join-submit").click()
        # The child's name is required.
        expect(
            parent.get_by_test_id("join-form-error")
            .or_(parent.get_by_test_id("child-name-input-error"))
            .first
        ).to_be_visible()
        parent.get_by_test_id("child-name-input").fill("Петя Соколов")
        parent.get_by_test_id("join-submit").click()
        expect(
            parent.get_by_test_id("join-joined").or_(parent.get_by_test_id("join-requested"))
        ).to_be_visible()
    finally:
        parent.context.close()

    # The administrator's home page and menu say a parent waits (issue 14).
    admin_page.goto("/")
    waiting = admin_page.get_by_test_id("attention-parent_links")
    expect(waiting).to_contain_text(re.compile(r"\d+ родител(ь ждёт|я ждут|ей ждут) подтверждения"))
    shot(admin_page, "home-attention")
    waiting.click()
    expect(admin_page).to_have_url(re.compile(r"/admin/parent-links$"))
    link = admin_page.get_by_test_id("parent-link-row").filter(
        has_text="Светлана Петровна Соколова"
    )
    expect(link).to_contain_text("Петя Соколов")
    choice = link.locator("select")
    expect(choice.locator("option:checked")).to_have_text("Петя Соколов")
    shot(admin_page, "parent-links")
    link.get_by_role("button", name="Подтвердить").click()
    expect(
        admin_page.get_by_test_id("parent-link-row").filter(has_text="Светлана Петровна Соколова")
    ).to_have_count(0)

    admin_page.goto("/admin/members?role=parent")
    row = admin_page.get_by_test_id("member-row").filter(has_text="Светлана Петровна Соколова")
    expect(row).to_contain_text("Петя Соколов")


def test_a_parent_on_a_phone_sees_her_children_and_confirms_the_code_email(
    browser: Any, server: LiveServer, people: Any
) -> None:
    """Issue 14 / R10, R17: each child with the class and its chats; 1А's missing parents' chat
    is explained; Ваня's sign-in codes move to a new address, proved by the code mailed there."""
    page = new_page(browser, server, viewport={"width": 390, "height": 844}, has_touch=True)
    try:
        page.goto("/")
        sign_in(page, server, PARENT)
        kids = page.get_by_test_id("child")
        masha = kids.filter(has_text="Маша Иванова")
        expect(masha).to_contain_text("5А")
        expect(masha.get_by_test_id("child-chat").filter(has_text="5А — родители").first).to_be_visible()
        vanya = kids.filter(has_text="Ваня Иванов")
        expect(vanya.get_by_test_id("child-no-parents-chat")).to_contain_text("В 1А пока нет чата родителей")
        expect(vanya.get_by_test_id("child-code-email")).to_contain_text("e•••@example.com")
        shot(page, "parent-children-phone")
        vanya.get_by_test_id("child-code-email-change").click()
        vanya.get_by_test_id("code-email-input").fill("elena.home@example.org")
        vanya.get_by_test_id("code-email-send").click()
        expect(vanya).to_contain_text("e•••@example.org")
        code = server.code_for("elena.home@example.org")
        vanya.get_by_test_id("code-email-code").fill(code)
        vanya.get_by_test_id("code-email-confirm").click()
        expect(vanya.get_by_test_id("child-code-email")).to_contain_text("Коды для входа ребёнка приходят на почту e•••@example.org")
    finally:
        page.context.close()
        # The demo's address again, from the school's records: the sign-in tests mail Ваня's
        # codes to it.
        admin = people(ADMIN)
        vanya_id = next(m["user_id"] for m in admin.get(f"/orgs/{admin.org_id}/members")["members"]
                        if m["name"] == "Ваня Иванов")
        admin.put(f"/orgs/{admin.org_id}/members/{vanya_id}/code-email",
                  {"email": "elena.ivanova@example.com"})
