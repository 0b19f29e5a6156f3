"""The director's «Статистика» at a desktop and on a phone: activation against the targets drawn
as SVG, the weeks and the classes in tables reachable by keyboard, an XLSX download. The operator
appoints a municipal administrator in the web client, who then sees the municipality's schools
ranked — and no pupil's name anywhere on the page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import OPERATOR, STUDENT_NAME, new_page, shot, sign_in
from tests.live import LiveServer

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
MUNI_PHONE = "+79005557701"


def check_dashboard(page: Any) -> None:
    expect(page.get_by_test_id("stats-page")).to_be_visible()
    chart = page.get_by_test_id("stats-activation-chart")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("role", "img")
    expect(page.get_by_test_id("stats-activation-staff")).to_contain_text("Сотрудники")
    expect(page.get_by_test_id("stats-messages-chart")).to_be_visible()
    assert page.get_by_test_id("chart-bar").count() >= 1
    five_a = page.get_by_test_id("stats-class-row").filter(has_text="5А")
    expect(five_a).to_have_count(1)
    expect(page.get_by_test_id("stats-acknowledgements")).to_be_visible()
    # The tables scroll sideways inside a region the keyboard reaches (the weeks' one folded).
    page.get_by_test_id("stats-weeks-toggle").locator("summary").click()
    region = page.locator(".table-wrap", has=page.get_by_test_id("stats-weeks-table"))
    expect(region).to_have_attribute("tabindex", "0")
    region.focus()
    expect(region).to_be_focused()
    for testid in ("stats-show", "stats-download-xlsx", "stats-download-csv"):
        box = page.get_by_test_id(testid).bounding_box()
        assert box is not None and box["height"] >= 44, testid
    body = page.locator("body").inner_text()
    assert "{" not in body and "stats." not in body  # no raw codes, no JSON


def test_the_director_reads_the_figures_and_takes_them_away(browser: Any, server: LiveServer,
                                                            admin_state: str) -> None:
    page = new_page(browser, server, storage_state=admin_state, viewport=DESKTOP)
    try:
        page.goto("/")
        page.get_by_test_id("nav-admin-stats").click()
        check_dashboard(page)
        shot(page, "stats-desktop")
        with page.expect_download() as download:
            page.get_by_test_id("stats-download-xlsx").click()
        assert download.value.suggested_filename.startswith("stats-")
        assert download.value.suggested_filename.endswith(".xlsx")
        # Another period: the week of 1 September only.
        page.get_by_test_id("stats-from").fill("2026-09-01")
        page.get_by_test_id("stats-to").fill("2026-09-01")
        page.get_by_test_id("stats-show").click()
        expect(page.get_by_test_id("stats-weeks-toggle").get_by_test_id("stats-week-row")).to_have_count(1)
    finally:
        page.context.close()


def test_the_dashboard_fits_a_phone(browser: Any, server: LiveServer, admin_state: str) -> None:
    page = new_page(browser, server, storage_state=admin_state, viewport=PHONE,
                    has_touch=True, is_mobile=True)
    try:
        page.goto("/admin/stats")
        check_dashboard(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, width  # nothing pushes the page sideways
        shot(page, "stats-phone")
    finally:
        page.context.close()


def test_the_operator_appoints_a_municipal_administrator_who_sees_schools_not_pupils(
        browser: Any, server: LiveServer) -> None:
    operator = new_page(browser, server, viewport=DESKTOP)
    muni = new_page(browser, server, viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        operator.goto("/operator/orgs")
        sign_in(operator, server, OPERATOR)
        operator.goto("/operator/orgs")
        form = operator.get_by_test_id("municipal-admin-form")
        form.get_by_test_id("municipal-admin-municipality").select_option(label="Городской округ Демо (Демонстрационная область)")
        form.get_by_test_id("municipal-admin-name").fill("Ольга Николаевна Руденко")
        form.get_by_test_id("municipal-admin-phone").fill(MUNI_PHONE)
        form.get_by_test_id("municipal-admin-appoint").click()
        expect(operator.get_by_text("Ольга Николаевна Руденко назначен(а)")).to_be_visible()

        muni.goto("/municipality")
        sign_in(muni, server, MUNI_PHONE)
        muni.goto("/municipality")
        expect(muni.get_by_test_id("municipal-page")).to_be_visible()
        # The demo school by its exact (short) name: other tests register «Школа № 12 (сеть)».
        row = muni.get_by_test_id("stats-school-row").filter(has=muni.get_by_text("Школа № 1", exact=True))
        expect(row).to_have_count(1)
        expect(muni.get_by_test_id("stats-activation-chart")).to_be_visible()
        shot(muni, "stats-municipal-phone")
        text = muni.locator("body").inner_text()
        for name in (STUDENT_NAME, "Петя Соколов", "Ваня Иванов", "Елена Иванова"):
            assert name not in text
    finally:
        operator.context.close()
        muni.context.close()
