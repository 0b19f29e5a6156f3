"""The administrator's day: classes and their teachers (R4, R5), appointing an administrator
(R6), a join request (R14), annulling links (R15) and the audit log."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveServer, new_page, shot, sign_in

pytestmark = pytest.mark.e2e


def test_the_admin_builds_a_class_with_its_teachers_then_archives_it(admin_page: Any) -> None:
    page = admin_page
    page.goto("/admin/groups")
    page.get_by_test_id("group-grade").select_option("10")
    page.get_by_test_id("group-letter").fill("Б")
    page.get_by_test_id("group-create").click()
    group = page.locator('[data-testid="group-row"][data-name="10Б"]')
    expect(group).to_have_count(1)

    group.locator("summary").click()
    group.get_by_label("Классный руководитель").select_option(label="Олег Викторович Лебедев")
    group.get_by_role("button", name="Назначить").click()
    group = page.locator('[data-testid="group-row"][data-name="10Б"]')
    expect(group.locator("summary")).to_contain_text("Олег Викторович Лебедев")

    group.get_by_label("Учитель").select_option(label="Анна Сергеевна Волкова ✓")
    group.get_by_label("Предмет").fill("Литература")
    group.get_by_role("button", name="Добавить").click()
    expect(group).to_contain_text("Литература")
    shot(page, "groups")

    group.get_by_label("Название").fill("10В")
    group.get_by_role("button", name="Переименовать").click()
    renamed = page.locator('[data-testid="group-row"][data-name="10В"]')
    expect(renamed).to_have_count(1)

    renamed.get_by_role("button", name="В архив").click()
    page.get_by_test_id("confirm-ok").click()
    expect(page.locator('[data-testid="group-row"][data-name="10В"]')).to_have_count(0)


def test_the_admin_appoints_a_teacher_as_administration(admin_page: Any) -> None:
    page = admin_page
    page.goto("/admin/members?role=teacher")
    row = page.get_by_test_id("member-row").filter(has_text="Олег Викторович Лебедев")
    row.get_by_text("Роли…").click()
    row.get_by_label("Назначить роль").select_option("administration")
    row.get_by_role("button", name="Назначить").click()
    row = page.get_by_test_id("member-row").filter(has_text="Олег Викторович Лебедев")
    expect(row).to_contain_text("Администрация")

    page.get_by_test_id("members-role").select_option("administration")
    expect(page).to_have_url(re.compile(r"role=administration"))
    expect(
        page.get_by_test_id("member-row").filter(has_text="Олег Викторович Лебедев")
    ).to_have_count(1)


def test_a_link_with_approval_makes_a_request_that_the_admin_accepts(
    browser: Any, server: LiveServer, admin_page: Any
) -> None:
    page = admin_page
    page.goto("/admin/invites")
    page.get_by_test_id("invite-role").select_option("teacher")
    page.get_by_test_id("invite-label").fill("Психолог")
    page.get_by_test_id("invite-approval").check()
    page.get_by_test_id("invite-create").click()
    url = page.get_by_test_id("new-invite-url").input_value()

    newcomer = new_page(browser, server)
    try:
        newcomer.goto(url)
        sign_in(newcomer, server, "+79000001004")
        newcomer.get_by_test_id("name-input").fill("Инна Борисовна Морозова")
        newcomer.get_by_test_id("save-name").click()
        newcomer.get_by_test_id("join-message").fill("Я новый школьный психолог")
        newcomer.get_by_test_id("join-submit").click()
        expect(newcomer.get_by_test_id("join-requested")).to_be_visible()
        newcomer.get_by_test_id("join-go-home").click()
        expect(newcomer.get_by_test_id("no-org")).to_be_visible()
        shot(newcomer, "no-org")
    finally:
        newcomer.context.close()

    page.goto("/admin/requests")
    request = page.get_by_test_id("request-row").filter(has_text="Инна Борисовна Морозова")
    expect(request).to_contain_text("Я новый школьный психолог")
    shot(page, "requests")
    request.get_by_role("button", name="Принять").click()
    expect(
        page.get_by_test_id("request-row").filter(has_text="Инна Борисовна Морозова")
    ).to_have_count(0)

    page.goto("/admin/members")
    expect(
        page.get_by_test_id("member-row").filter(has_text="Инна Борисовна Морозова")
    ).to_have_count(1)


def test_the_admin_annuls_a_link_and_then_every_unclaimed_one(
    browser: Any, server: LiveServer, admin_page: Any
) -> None:
    page = admin_page
    page.goto("/admin/invites")
    for label in ("Ссылка для аннулирования", "Неиспользованная ссылка"):
        page.get_by_test_id("invite-role").select_option("teacher")
        page.get_by_test_id("invite-label").fill(label)
        page.get_by_test_id("invite-create").click()
        expect(page.get_by_test_id("invites-list")).to_contain_text(label)
    url = page.get_by_test_id("new-invite-url").input_value()

    one = page.get_by_test_id("invite-row").filter(has_text="Ссылка для аннулирования")
    one.get_by_role("button", name="Аннулировать").click()
    page.get_by_test_id("confirm-cancel").click()
    expect(one).to_have_attribute("data-state", "active")
    one.get_by_role("button", name="Аннулировать").click()
    page.get_by_test_id("confirm-ok").click()
    expect(page.get_by_test_id("invites-list")).not_to_contain_text("Ссылка для аннулирования")

    page.get_by_test_id("annul-unclaimed").click()
    page.get_by_test_id("confirm-ok").click()
    expect(page.get_by_test_id("toast").filter(has_text="Аннулировано ссылок")).to_be_visible()
    expect(page.get_by_test_id("invites")).not_to_contain_text("Неиспользованная ссылка")

    stranger = new_page(browser, server)
    try:
        stranger.goto(url)  # signed out: told at once, before giving a phone
        expect(stranger.get_by_test_id("join-error")).to_be_visible()
        expect(stranger.get_by_test_id("join-sign-in")).to_have_count(0)
        stranger.goto("/signin")
        sign_in(stranger, server, "+79000001005")
        stranger.get_by_test_id("name-input").fill("Посторонний Человек")
        stranger.get_by_test_id("save-name").click()
        stranger.goto(url)
        expect(stranger.get_by_test_id("join-error")).to_be_visible()
        expect(stranger.get_by_test_id("join-submit")).to_have_count(0)
    finally:
        stranger.context.close()


def test_the_audit_log_shows_what_happened(admin_page: Any) -> None:
    admin_page.goto("/admin/audit")
    expect(admin_page.get_by_test_id("audit-row").first).to_be_visible()
    expect(admin_page.get_by_test_id("audit-table")).to_contain_text("Организация зарегистрирована")


def russian_form(n: int) -> str:
    """CLDR's Russian plural category of a whole number."""
    if n % 10 == 1 and n % 100 != 11:
        return "one"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "few"
    return "many"


def test_the_schools_figures_agree_with_their_numbers(admin_page: Any) -> None:
    """«1 родитель», «3 родителя», «5 родителей» — never «1 родителей» (issue 14)."""
    import json
    from pathlib import Path

    import parta

    catalog = json.loads((Path(parta.__file__).parent / "web/i18n/ru.json").read_text())["figures"]
    page = admin_page
    page.goto("/")
    figures = page.get_by_test_id("figures").locator(".figure")
    expect(figures.first).to_be_visible()
    shown = figures.evaluate_all("""items => items.map(li => [
        li.querySelector('.figure__value').textContent, li.querySelector('.figure__label').textContent])""")
    assert len(shown) == len(catalog)  # shown in the catalog's order
    for (key, forms), (value, label) in zip(catalog.items(), shown, strict=True):
        assert label == forms[russian_form(int(value))], (key, value, label)


def test_the_audit_log_reads_as_words_and_scrolls_by_keyboard(admin_page: Any) -> None:
    """No raw codes («roster.applied») or JSON in the log (issue 14); the table, which scrolls
    sideways on a phone, is reachable by keyboard and named for a screen reader."""
    page = admin_page
    page.goto("/admin/audit")
    rows = page.get_by_test_id("audit-row")
    expect(rows.first).to_be_visible()
    for action, details in rows.evaluate_all(
            "rows => rows.map(r => [r.children[2].textContent, r.children[4].textContent])"):
        assert not re.search(r"\b[a-z_]+\.[a-z_]+\b", action), action
        assert "{" not in details and '"' not in details, details
    wrap = page.locator(".table-wrap").filter(has=page.get_by_test_id("audit-table"))
    assert wrap.get_attribute("tabindex") == "0" and wrap.get_attribute("role") == "region"
    assert wrap.get_attribute("aria-label") == "Журнал действий"
