"""The e-mail digest's side of the profile in Chromium, at phone size: a parent confirms her
address with the code the server mailed (the live server prints its mail), then turns the
digest's delay up and the digest off in the notification card."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PARENT, STUDENT, new_page, shot
from tests.live import LiveServer

pytestmark = pytest.mark.e2e

ADDRESS = "elena.digest@example.com"


def test_a_parent_confirms_her_address_and_chooses_the_digest(
        browser: Any, server: LiveServer, states: Callable[[str], str]) -> None:
    page = new_page(browser, server, storage_state=states(PARENT),
                    viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        page.goto("/profile")
        page.get_by_test_id("profile-email").fill(ADDRESS)
        page.get_by_test_id("profile-save").click()
        expect(page.get_by_test_id("email-confirmation")).to_contain_text("не подтверждён")
        page.get_by_test_id("email-send-code").click()
        expect(page.get_by_test_id("email-confirm-form")).to_contain_text("Код отправлен на")
        page.get_by_test_id("email-code").fill(server.code_for(ADDRESS))
        page.get_by_test_id("email-confirm").click()
        expect(page.get_by_test_id("email-confirmed")).to_have_text("Адрес подтверждён")

        card = page.get_by_test_id("notification-settings")
        expect(card).to_contain_text("Письмо о пропущенном")
        expect(card).not_to_contain_text("подтвердите его")  # the address is confirmed now
        for testid in ("email-digest", "digest-delay"):
            box = page.get_by_test_id(testid).bounding_box()
            label = page.get_by_test_id(testid).locator("xpath=ancestor::label[1]")
            if label.count():
                box = label.bounding_box()
            assert box and box["height"] >= 44, (testid, box)
        page.get_by_test_id("digest-delay").select_option("120")
        page.get_by_test_id("email-digest").uncheck()
        page.get_by_test_id("notification-settings-save").click()
        expect(page.get_by_text("Настройки уведомлений сохранены")).to_be_visible()
        saved = page.evaluate("fetch('/api/v1/notifications/settings').then((r) => r.json())")
        assert (saved["email_digest"], saved["digest_delay_minutes"], saved["email_confirmed"]) == (
            False, 120, True)
        card.scroll_into_view_if_needed()
        shot(page, "profile-digest-390")
        page.reload()
        expect(page.get_by_test_id("digest-delay")).to_have_value("120")
        expect(page.get_by_test_id("email-digest")).not_to_be_checked()
    finally:
        page.context.close()


def test_the_administrator_sets_the_schools_quiet_hours_and_a_student_sees_them(
        browser: Any, server: LiveServer, admin_state: str, states: Callable[[str], str]) -> None:
    page = new_page(browser, server, storage_state=admin_state)
    try:
        page.goto("/admin/org")
        card = page.get_by_test_id("school-quiet-hours")
        card.wait_for()
        zone_before = page.get_by_test_id("school-time-zone").input_value()
        page.get_by_test_id("school-quiet-enabled").check()
        page.get_by_test_id("school-quiet-start").fill("20:00")
        page.get_by_test_id("school-quiet-end").fill("08:00")
        page.get_by_test_id("school-time-zone").select_option("Asia/Yekaterinburg")
        page.get_by_test_id("school-quiet-save").click()
        expect(page.get_by_text("Тихие часы школы сохранены")).to_be_visible()
        card.scroll_into_view_if_needed()
        shot(page, "admin-school-quiet-1280")
    finally:
        page.context.close()
    student = new_page(browser, server, storage_state=states(STUDENT),
                       viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        student.goto("/profile")
        expect(student.get_by_test_id("quiet-start")).to_have_value("20:00")
        expect(student.get_by_test_id("time-zone")).to_have_value("Asia/Yekaterinburg")
        expect(student.get_by_test_id("notification-settings")).to_contain_text(
            "тихие часы, которые выбрала школа")
    finally:
        student.context.close()
        # Leave the school as the other browser tests expect it.
        page = new_page(browser, server, storage_state=admin_state)
        page.goto("/admin/org")
        page.get_by_test_id("school-quiet-enabled").uncheck()
        page.get_by_test_id("school-time-zone").select_option(zone_before)  # others read it
        page.get_by_test_id("school-quiet-save").click()
        expect(page.get_by_text("Тихие часы школы сохранены")).to_be_visible()
        page.context.close()
