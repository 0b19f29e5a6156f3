"""Writing to technical support (R42) and the operator's answer; the operator registers a school (R1)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, OPERATOR, PARENT, LiveServer, new_page, shot, sign_in

pytestmark = pytest.mark.e2e


def test_a_parent_writes_to_support_the_school_answers_then_passes_it_on(
    browser: Any, server: LiveServer
) -> None:
    parent = new_page(browser, server)
    admin = new_page(browser, server)
    operator = new_page(browser, server)
    try:
        parent.goto("/support")
        sign_in(parent, server, PARENT)
        parent.get_by_test_id("ticket-subject").fill("Не вижу чат класса")
        parent.get_by_test_id("ticket-body").fill("Здравствуйте! После входа не вижу чат 5А.")
        parent.get_by_test_id("ticket-send").click()
        expect(parent).to_have_url(re.compile(r"/support/\d+$"))
        ticket_path = parent.url.split(server.base_url, 1)[1]
        expect(parent.get_by_test_id("ticket-thread")).to_contain_text("не вижу чат 5А")
        expect(parent.get_by_test_id("ticket-line")).to_contain_text("администрация школы")

        # The school's administrator answers first (R42: the school line).
        admin.goto("/admin/support")
        sign_in(admin, server, ADMIN)
        admin.get_by_test_id("inbox-open").get_by_role("link", name="Не вижу чат класса").click()
        admin.get_by_test_id("reply-body").fill("Приглашение в чат 5А уже отправлено, примите его в «Чатах».")
        admin.get_by_test_id("reply-send").click()
        expect(admin.get_by_test_id("ticket-thread")).to_contain_text("Приглашение в чат 5А")
        # The parent is told wherever she is in the app.
        expect(parent.get_by_test_id("toast").filter(has_text="ответ")).to_be_visible()
        shot(admin, "support-ticket-school")

        # What the school cannot solve goes on to the platform.
        admin.get_by_test_id("ticket-escalate").click()
        expect(admin.get_by_test_id("ticket-passed-on")).to_be_visible()
        operator.goto("/operator/support")
        sign_in(operator, server, OPERATOR)
        operator.get_by_test_id("inbox-open").get_by_role("link", name="Не вижу чат класса").click()
        operator.get_by_test_id("reply-body").fill("Проверили: приглашение на месте.")
        operator.get_by_test_id("reply-send").click()
        expect(operator.get_by_test_id("ticket-thread")).to_contain_text("Проверили")
        shot(operator, "support-ticket")
        operator.get_by_test_id("ticket-close").click()
        expect(operator.get_by_test_id("ticket-close")).to_have_count(0)

        parent.goto(ticket_path)
        expect(parent.get_by_test_id("ticket-thread")).to_contain_text("Приглашение в чат 5А")
        expect(parent.get_by_test_id("ticket-thread")).to_contain_text("Проверили")
        expect(parent.get_by_test_id("reply-form")).to_have_count(0)
    finally:
        parent.context.close()
        admin.context.close()
        operator.context.close()


def test_the_operator_registers_a_school_whose_admin_then_signs_in(
    browser: Any, server: LiveServer
) -> None:
    operator = new_page(browser, server)
    try:
        operator.goto("/operator/orgs")
        sign_in(operator, server, OPERATOR)
        operator.get_by_test_id("region-name").fill("Тестовая область")
        operator.get_by_test_id("region-create").click()
        expect(
            operator.get_by_test_id("municipality-region").locator(
                "option", has_text="Тестовая область"
            )
        ).to_have_count(1)
        operator.get_by_test_id("municipality-region").select_option(label="Тестовая область")
        operator.get_by_test_id("municipality-name").fill("Тестовый район")
        operator.get_by_test_id("municipality-create").click()
        expect(operator.get_by_text("Тестовый район", exact=True)).to_be_visible()

        operator.get_by_test_id("new-org-name").fill("Гимназия № 7")
        operator.get_by_test_id("new-org-region").select_option(label="Тестовая область")
        operator.get_by_test_id("new-org-municipality").select_option(label="Тестовый район")
        operator.get_by_test_id("new-org-admin-name").fill("Мария Ивановна Орлова")
        operator.get_by_test_id("new-org-admin-phone").fill("+79000001009")
        operator.get_by_test_id("new-org-admin-email").fill("orlova@example.org")
        operator.get_by_test_id("register-org").click()
        expect(operator.get_by_test_id("operator-orgs-list")).to_contain_text("Гимназия № 7")
        shot(operator, "operator-orgs")
    finally:
        operator.context.close()

    admin = new_page(browser, server)
    try:
        admin.goto("/")
        sign_in(admin, server, "+79000001009")
        expect(admin.get_by_test_id("org-name")).to_contain_text("Гимназия № 7")
        expect(admin.get_by_test_id("nav-admin-groups")).to_be_visible()
    finally:
        admin.context.close()
