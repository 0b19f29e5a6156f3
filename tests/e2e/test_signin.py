"""Signing in by phone and a one-time code (R10), on a computer and on a phone (R45)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    CLASS_TEACHER,
    CLASS_TEACHER_NAME,
    STUDENT,
    LiveServer,
    new_page,
    shot,
    sign_in,
)

pytestmark = pytest.mark.e2e


def test_sign_in_with_the_code_lands_on_home_with_the_name(page: Any, server: LiveServer) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signin"))
    shot(page, "signin")
    code_field = page.get_by_test_id("phone-input")
    expect(code_field).to_have_attribute("placeholder", re.compile(r"^\+7"))

    page.get_by_test_id("phone-input").fill(CLASS_TEACHER)
    page.get_by_test_id("get-code").click()
    code = page.get_by_test_id("code-input")
    expect(code).to_have_attribute("inputmode", "numeric")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    expect(page.get_by_test_id("resend-timer")).to_be_visible()
    first = server.code_for(CLASS_TEACHER)
    wrong = "000000" if first != "000000" else "111111"

    code.fill(wrong)
    page.get_by_test_id("verify-code").click()
    error = page.get_by_test_id("code-form-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    shot(page, "signin-wrong-code")

    # The server was told to allow a new code after 1 s: the timer gives way to "send again".
    page.get_by_test_id("resend-code").click()
    expect(page.get_by_test_id("resend-timer")).to_be_visible()
    fresh = server.code_for(CLASS_TEACHER)
    code = page.get_by_test_id("code-input")
    code.fill(fresh)
    page.get_by_test_id("verify-code").click()
    expect(page.get_by_test_id("home-greeting")).to_contain_text(CLASS_TEACHER_NAME)
    expect(page.get_by_test_id("org-name")).to_contain_text("Школа № 1")
    expect(page).to_have_url(re.compile(r"/$"))
    shot(page, "home-teacher")


def test_an_invalid_phone_is_refused_under_the_field(page: Any) -> None:
    page.goto("/signin")
    page.get_by_test_id("phone-input").fill("12")
    page.get_by_test_id("get-code").click()
    expect(page.get_by_test_id("phone-input-error")).to_be_visible()
    expect(page.get_by_test_id("phone-input")).to_be_focused()
    expect(page.get_by_test_id("code-input")).to_have_count(0)


def test_on_a_phone_sized_screen_sign_in_works_and_the_menu_opens(
    browser: Any, server: LiveServer
) -> None:
    page = new_page(
        browser, server, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    try:
        page.goto("/")
        sign_in(page, server, STUDENT)
        expect(page.get_by_test_id("home-greeting")).to_contain_text("Маша")
        nav_link = page.get_by_test_id("nav-profile")
        expect(nav_link).to_be_hidden()
        toggle = page.get_by_test_id("menu-toggle")
        expect(toggle).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        # Nothing sticks out sideways on a 360 px screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        shot(page, "mobile-home")

        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(nav_link).to_be_visible()
        shot(page, "mobile-menu")
        page.mouse.click(350, 400)  # the dimmed page beside the menu
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(nav_link).to_be_hidden()
        toggle.click()
        nav_link.click()
        expect(page).to_have_url(re.compile(r"/profile$"))
        expect(page.get_by_test_id("profile")).to_be_visible()
        expect(nav_link).to_be_hidden()
    finally:
        page.context.close()


def test_the_language_switches_to_english_in_the_profile(browser: Any, server: LiveServer) -> None:
    page = new_page(browser, server)
    try:
        page.goto("/profile")
        sign_in(page, server, "+79000000012")
        page.get_by_test_id("profile-language").select_option("en")
        page.get_by_test_id("profile-save").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Profile")
        expect(page.get_by_test_id("nav-home")).to_have_text("Home")
        assert page.evaluate("document.documentElement.lang") == "en"
        page.reload()
        expect(page.get_by_test_id("nav-home")).to_have_text("Home")
        page.get_by_test_id("profile-language").select_option("ru")
        page.get_by_test_id("profile-save").click()
        expect(page.get_by_test_id("nav-home")).to_have_text("Главная")
    finally:
        page.context.close()


def test_ending_the_other_sessions_signs_the_other_device_out(
    browser: Any, server: LiveServer
) -> None:
    phone = "+79000000013"  # Ваня Иванов, a pupil of 1А
    laptop = new_page(browser, server)
    tablet = new_page(browser, server)
    try:
        for device in (laptop, tablet):
            device.goto("/profile")
            sign_in(device, server, phone)
            expect(device.get_by_test_id("profile")).to_be_visible()
        laptop.reload()
        expect(laptop.get_by_test_id("session-row")).to_have_count(2)
        expect(
            laptop.get_by_test_id("session-row").filter(has_text="Это устройство")
        ).to_have_count(1)
        shot(laptop, "sessions")
        laptop.get_by_test_id("end-other-sessions").click()
        laptop.get_by_test_id("confirm-ok").click()
        expect(laptop.get_by_test_id("session-row")).to_have_count(1)

        # The tablet may already have been told live (session.ended) and gone to sign-in;
        # either way, whatever it opens next asks it to sign in again.
        tablet.goto("/support")
        expect(tablet).to_have_url(re.compile(r"/signin\?next="))
        laptop.get_by_test_id("nav-support").click()
        expect(laptop.get_by_test_id("support")).to_be_visible()

        laptop.get_by_test_id("sign-out").click()
        expect(laptop).to_have_url(re.compile(r"/signin"))
        laptop.goto("/profile")
        expect(laptop).to_have_url(re.compile(r"/signin\?next=%2Fprofile"))
    finally:
        laptop.context.close()
        tablet.context.close()


def test_a_primary_school_pupil_gets_the_code_by_the_parents_e_mail(
    browser: Any, server: LiveServer
) -> None:
    page = new_page(browser, server)
    try:
        page.goto("/")
        page.get_by_test_id("phone-input").fill("+79000000013")  # Ваня Иванов, 1А
        page.get_by_test_id("parent-email-checkbox").check()
        page.get_by_test_id("get-code").click()
        expect(page.get_by_test_id("code-sent-to")).to_contain_text("почту родителя")
        page.get_by_test_id("code-input").fill(server.code_for("elena.ivanova@example.com"))
        page.get_by_test_id("verify-code").click()
        expect(page.get_by_test_id("home-greeting")).to_contain_text("Ваня")
    finally:
        page.context.close()


def test_no_letter_from_the_school_the_pupil_gets_the_code_by_sms_instead(
    browser: Any, server: LiveServer
) -> None:
    """The same answer comes for every phone, so a pupil whose parent has no e-mail at school
    sees no letter: the code step offers SMS to the same number without starting over."""
    page = new_page(browser, server)
    try:
        page.goto("/")
        page.get_by_test_id("phone-input").fill("+79000000012")  # Петя Соколов, 5А
        page.get_by_test_id("parent-email-checkbox").check()
        page.get_by_test_id("get-code").click()
        expect(page.get_by_test_id("code-sent-to")).to_contain_text("почту родителя")
        page.get_by_test_id("resend-sms").click()  # shown once the resend wait is over
        expect(page.get_by_test_id("code-sent-to")).to_contain_text("SMS")
        expect(page.get_by_test_id("resend-sms")).to_have_count(0)
        page.get_by_test_id("code-input").fill(server.code_for("+79000000012"))
        page.get_by_test_id("verify-code").click()
        expect(page.get_by_test_id("home-greeting")).to_contain_text("Петя")
    finally:
        page.context.close()
