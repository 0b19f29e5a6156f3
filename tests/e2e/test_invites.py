"""The administrator invites a teacher by a link; the teacher joins (R13) and asks for the
«teacher» status, which the administrator confirms (R12)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, LiveServer, new_page, shot, sign_in

pytestmark = pytest.mark.e2e


def create_teacher_invite(admin_page: Any, label: str) -> str:
    """Create a teacher invite on the admin page and read its URL from the page."""
    admin_page.goto("/admin/invites")
    admin_page.get_by_test_id("invite-role").select_option("teacher")
    admin_page.get_by_test_id("invite-label").fill(label)
    admin_page.get_by_test_id("invite-max-uses").fill("1")
    admin_page.get_by_test_id("invite-create").click()
    url_field = admin_page.get_by_test_id("new-invite-url")
    expect(url_field).to_be_visible()
    url = url_field.input_value()
    assert re.search(r"/join/[A-Za-z0-9_-]+$", url), url
    admin_page.get_by_test_id("new-invite-url-copy").click()
    expect(admin_page.get_by_test_id("toast").last).to_be_visible()
    expect(admin_page.get_by_test_id("invites-list")).to_contain_text(label)
    return url


def join_as_new_person(browser: Any, server: LiveServer, url: str, phone: str, name: str) -> Any:
    """A stranger opens the link, signs in, gives their name and joins. Returns their page."""
    page = new_page(browser, server)
    page.goto(url)
    # Signed out, the link shows where it leads before asking for the phone (issue 14).
    expect(page.get_by_test_id("join-signed-out")).to_be_visible()
    expect(page.get_by_test_id("join-org")).to_contain_text("Школа № 1")
    expect(page.get_by_test_id("join-role")).to_contain_text("Учитель")
    page.get_by_test_id("join-sign-in").click()
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Fjoin%2F"))
    sign_in(page, server, phone)
    page.get_by_test_id("name-input").fill(name)
    page.get_by_test_id("save-name").click()
    expect(page.get_by_test_id("join-org")).to_contain_text("Школа № 1")
    expect(page.get_by_test_id("join-role")).to_contain_text("Учитель")
    shot(page, "join")
    page.get_by_test_id("join-submit").click()
    expect(page.get_by_test_id("join-joined")).to_be_visible()
    expect(page.get_by_test_id("join-next")).to_contain_text("учительской")
    page.get_by_test_id("join-go-home").click()
    expect(page.get_by_test_id("home-greeting")).to_contain_text(name)
    return page


def test_admin_invites_a_teacher_who_joins_and_shows_in_members(
    browser: Any, server: LiveServer, admin_page: Any
) -> None:
    url = create_teacher_invite(admin_page, "Новый учитель физики")
    shot(admin_page, "invites")
    assert url.startswith(server.base_url)

    newcomer = join_as_new_person(browser, server, url, "+79000001001", "Пётр Ильич Новиков")
    newcomer.context.close()

    admin_page.goto("/admin/members?role=teacher")
    row = admin_page.get_by_test_id("member-row").filter(has_text="Пётр Ильич Новиков")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Учитель")
    shot(admin_page, "members")

    # The link was for one use only: now it is used up and leaves the active list.
    admin_page.goto("/admin/invites")
    expect(admin_page.get_by_test_id("invite-form")).to_be_visible()
    expect(admin_page.get_by_test_id("invites")).not_to_contain_text("Новый учитель физики")
    admin_page.get_by_test_id("invites-filter-all").click()
    used = admin_page.get_by_test_id("invite-row").filter(has_text="Новый учитель физики")
    expect(used).to_contain_text("Исчерпана")


def test_a_teacher_asks_for_verification_and_the_admin_confirms(
    browser: Any, server: LiveServer, admin_page: Any
) -> None:
    name = "Ольга Павловна Кузнецова"
    url = create_teacher_invite(admin_page, "Учитель химии")
    teacher = join_as_new_person(browser, server, url, "+79000001002", name)
    try:
        teacher.get_by_test_id("nav-verification-request").click()
        teacher.get_by_test_id("verification-position").fill("учитель химии")
        teacher.get_by_test_id("request-verification").click()
        expect(teacher.get_by_test_id("verification-status")).to_contain_text("ждём")
        shot(teacher, "verification-requested")
    finally:
        teacher.context.close()

    admin_page.goto("/admin/members?role=teacher")
    row = admin_page.get_by_test_id("member-row").filter(has_text=name)
    expect(row.get_by_test_id("verified-badge")).to_have_count(0)

    admin_page.goto("/admin/verification")
    request = admin_page.get_by_test_id("verification-row").filter(has_text=name)
    expect(request).to_be_visible()
    shot(admin_page, "verification-admin")
    request.get_by_role("button", name="Подтвердить").click()
    expect(admin_page.get_by_test_id("verification-row").filter(has_text=name)).to_have_count(0)

    admin_page.goto("/admin/members?role=teacher")
    row = admin_page.get_by_test_id("member-row").filter(has_text=name)
    expect(row.get_by_test_id("verified-badge")).to_be_visible()


def test_a_student_opens_his_class_link_signed_out_and_ends_at_the_class_chat_invitation(
    browser: Any, server: LiveServer, people: Any
) -> None:
    """Issue 14: the joining path leads into the chats the regulation promises (R17, R22)."""
    admin = people(ADMIN)
    g5a = next(g for g in admin.get(f"/orgs/{admin.org_id}/groups")["groups"] if g["name"] == "5А")
    url = admin.post(f"/orgs/{admin.org_id}/invites", {"role": "student", "group_id": g5a["id"]})["url"]
    page = new_page(browser, server, viewport={"width": 390, "height": 844})
    try:
        page.goto(url)
        expect(page.get_by_test_id("join-group")).to_have_text("5А")
        expect(page.get_by_test_id("join-role")).to_have_text("Ученик")
        shot(page, "join-signed-out-phone")
        sign_in(page, server, "+79000001006")
        page.get_by_test_id("name-input").fill("Коля Кузнецов")
        page.get_by_test_id("save-name").click()
        page.get_by_test_id("join-submit").click()
        expect(page.get_by_test_id("join-next")).to_contain_text("чат класса 5А")
        page.get_by_test_id("join-go-home").click()
        # The class chat's invitation (earlier tests on this server may have made more chats of
        # 5А, each inviting him too).
        invitation = page.get_by_test_id("invitation").filter(has_text="«5А — класс»")
        expect(invitation.first).to_be_visible()
        shot(page, "join-then-invitation-phone")
    finally:
        page.context.close()
