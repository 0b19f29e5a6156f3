"""One person in two organizations (R11): they choose which to look at, the choice is
remembered, and the header names the organization."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import OPERATOR, LiveServer, new_page, shot, sign_in
from tests.e2e.test_invites import create_teacher_invite

pytestmark = pytest.mark.e2e

HEAD = "+79000001010"


def register_org(browser: Any, server: LiveServer, name: str, admin_phone: str) -> None:
    operator = new_page(browser, server)
    try:
        operator.goto("/operator/orgs")
        sign_in(operator, server, OPERATOR)
        operator.get_by_test_id("new-org-name").fill(name)
        operator.get_by_test_id("new-org-kind").select_option("college")
        operator.get_by_test_id("new-org-region").select_option(index=1)
        operator.get_by_test_id("new-org-municipality").select_option(index=1)
        operator.get_by_test_id("new-org-admin-name").fill("Григорий Андреевич Белов")
        operator.get_by_test_id("new-org-admin-phone").fill(admin_phone)
        operator.get_by_test_id("new-org-admin-email").fill("belov@example.org")
        operator.get_by_test_id("register-org").click()
        expect(operator.get_by_test_id("operator-orgs-list")).to_contain_text(name)
    finally:
        operator.context.close()


def test_a_member_of_two_organizations_chooses_and_switches(
    browser: Any, server: LiveServer, admin_page: Any
) -> None:
    register_org(browser, server, "Колледж связи", HEAD)
    url = create_teacher_invite(admin_page, "Совместитель")

    page = new_page(browser, server)
    try:
        page.goto(url)
        sign_in(page, server, HEAD)
        page.get_by_test_id("join-submit").click()
        expect(page.get_by_test_id("join-joined")).to_be_visible()
        page.get_by_test_id("join-go-home").click()
        expect(page.get_by_test_id("org-name")).to_contain_text("Школа № 1")

        # A fresh device: nothing remembered, so the person is asked to choose.
        page.evaluate("localStorage.clear()")
        page.goto("/admin/groups")
        expect(page).to_have_url(re.compile(r"/orgs\?next="))
        choices = page.get_by_test_id("org-choices")
        expect(choices).to_contain_text("Колледж связи")
        expect(choices).to_contain_text("Школа № 1 (демо)")
        shot(page, "org-chooser")
        choices.get_by_role("button", name=re.compile("Колледж связи")).click()
        expect(page).to_have_url(re.compile(r"/admin/groups$"))
        expect(page.get_by_test_id("org-name")).to_have_text("Колледж связи")

        page.reload()
        expect(page.get_by_test_id("org-name")).to_have_text("Колледж связи")
        page.get_by_test_id("org-switch").click()
        page.get_by_test_id("org-choices").get_by_role(
            "button", name=re.compile("Школа № 1")
        ).click()
        expect(page.get_by_test_id("org-name")).to_contain_text("Школа № 1")
        # There the newcomer is a teacher, not an administrator.
        expect(page.get_by_test_id("nav-admin-groups")).to_have_count(0)
    finally:
        page.context.close()
