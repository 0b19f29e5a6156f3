"""A school hires someone by phone: the person is invited, not enrolled, and accepts in the
app after signing in; the administrator's movement record follows the invitation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, Api, LiveServer, new_page, shot, sign_in

pytestmark = pytest.mark.e2e

NEWCOMER = "+79000007001"


def test_a_person_hired_by_phone_accepts_the_schools_invitation(
    browser: Any, server: LiveServer, admin_page: Any, people: Callable[[str], Api]
) -> None:
    admin = people(ADMIN)
    admin.post(f"/orgs/{admin.org_id}/movements", {"kind": "hire", "person": {
        "last_name": "Гусева", "first_name": "Вера", "phone": NEWCOMER,
        "position": "учитель музыки"}})
    admin_page.goto("/movement")
    row = admin_page.get_by_test_id("movement-row").filter(has_text="Вера Гусева")
    expect(row.get_by_test_id("movement-invitation")).to_have_text("Приглашение отправлено")

    page = new_page(browser, server)
    try:
        page.goto("/")
        sign_in(page, server, NEWCOMER)
        offer = page.get_by_test_id("offer")
        expect(offer).to_have_count(1)
        expect(offer.get_by_test_id("offer-org")).to_contain_text("Школа № 1")
        expect(offer).to_contain_text("учитель музыки")
        shot(page, "offer")
        offer.get_by_test_id("offer-accept").click()
        expect(page.get_by_test_id("home-greeting")).to_contain_text("Вера")
        expect(page.get_by_test_id("offers")).to_have_count(0)
    finally:
        page.context.close()

    admin_page.reload()
    row = admin_page.get_by_test_id("movement-row").filter(has_text="Вера Гусева")
    expect(row.get_by_test_id("movement-invitation")).to_have_text("Приглашение принято")
