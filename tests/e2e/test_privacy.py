"""Personal data (152-ФЗ) in the browser: Елена Иванова is asked on her home page for consent
for her children and gives it; she withdraws chats for Маша in her profile; the administrator
sees Маша's gap and records the paper form that closes it; Маша downloads her data.

The live server is shared by every browser test, so the story ends with Маша's consent given
again: she keeps posting in the other tests."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    ADMIN,
    PARENT,
    STUDENT,
    STUDENT_NAME,
    LiveServer,
    new_page,
    shot,
    sign_in,
)

pytestmark = pytest.mark.e2e


def tall_enough(locator: Any) -> None:
    box = locator.bounding_box()
    assert box is not None and box["height"] >= 44, box


def test_consent_is_asked_given_withdrawn_and_recorded_on_paper(
    browser: Any, server: LiveServer, admin_page: Any, states: Callable[[str], str]
) -> None:
    elena = new_page(browser, server, storage_state=states(PARENT))
    try:
        elena.goto("/")
        prompt = elena.get_by_test_id("consent-prompt")
        expect(prompt).to_be_visible()
        masha = prompt.get_by_test_id("consent-child").filter(has_text=STUDENT_NAME)
        expect(masha).to_be_visible()
        prompt.locator("summary").click()
        expect(prompt.get_by_test_id("consent-document-text")).to_contain_text("152-ФЗ")
        tall_enough(prompt.locator("summary"))
        give_all = masha.get_by_role("button", name="Дать согласие на всё")
        tall_enough(give_all)
        shot(elena, "consent-prompt")
        give_all.click()
        expect(prompt.get_by_test_id("consent-child").filter(has_text=STUDENT_NAME)).to_have_count(0)

        elena.goto("/profile")
        card = elena.get_by_test_id("consents-card")
        row = card.get_by_test_id("consent-child").filter(has_text=STUDENT_NAME)
        chats = row.locator("[data-testid$='-chats']")
        expect(chats).to_contain_text("Дано")
        withdraw = chats.get_by_role("button", name="Отозвать")
        tall_enough(withdraw)
        withdraw.click()
        elena.get_by_test_id("confirm-ok").click()
        expect(chats).to_contain_text("Отозвано")
        expect(chats.get_by_role("button", name="Дать согласие")).to_be_visible()
    finally:
        elena.context.close()

    admin_page.goto("/admin/consents")
    row = admin_page.get_by_test_id("consents-admin").locator(
        "[data-testid^='consent-gap-']").filter(has_text=STUDENT_NAME)
    expect(row).to_contain_text("Не может писать в чатах")
    expect(row).to_contain_text("Отозвано")
    shot(admin_page, "consent-gaps")
    paper = row.get_by_role("button", name="Записать бумажное согласие")
    tall_enough(paper)
    paper.click()
    dialog = admin_page.get_by_test_id("paper-consent-dialog")
    dialog.get_by_test_id("paper-parent-name").fill("Елена Иванова")
    for purpose in ("processing", "photos", "calls"):
        dialog.get_by_test_id(f"paper-purpose-{purpose}").uncheck()
    dialog.get_by_test_id("paper-purpose-chats").check()
    tall_enough(dialog.locator(".check").first)
    dialog.get_by_test_id("paper-note").fill("заявление № 17")
    dialog.get_by_test_id("paper-record").click()
    expect(dialog).to_have_count(0)
    expect(admin_page.get_by_test_id("consents-admin").locator(
        "[data-testid^='consent-gap-']").filter(has_text=STUDENT_NAME)).to_have_count(0)


def test_masha_downloads_her_data(browser: Any, server: LiveServer,
                                  states: Callable[[str], str]) -> None:
    masha = new_page(browser, server, storage_state=states(STUDENT))
    try:
        masha.goto("/profile")
        expect(masha.get_by_test_id("deletion-student")).to_contain_text("родитель")
        expect(masha.get_by_test_id("deletion-ask")).to_have_count(0)
        start = masha.get_by_test_id("export-start")
        tall_enough(start)
        start.click()
        download_link = masha.get_by_test_id("export-download")
        for _ in range(20):  # the server builds it in the background and says so live
            if download_link.count():
                break
            if masha.get_by_test_id("export-refresh").count():
                masha.get_by_test_id("export-refresh").click()
            masha.wait_for_timeout(500)
        expect(download_link).to_be_visible()
        expect(masha.get_by_test_id("export-state")).to_have_attribute("data-state", "done")
        shot(masha, "my-data")
        with masha.expect_download() as info:
            download_link.click()
        path = info.value.path()
        with open(path, "rb") as f:
            archive = zipfile.ZipFile(io.BytesIO(f.read()))
        data = json.loads(archive.read("data.json"))
        assert data["profile"]["name"] == STUDENT_NAME
        assert any(m["roles"] == ["student"] for m in data["memberships"])
    finally:
        masha.context.close()


def test_someone_asks_to_delete_their_data_and_changes_their_mind(
        browser: Any, server: LiveServer) -> None:
    phone = "+79000009901"
    page = new_page(browser, server)
    try:
        page.goto("/profile")
        sign_in(page, server, phone)
        page.get_by_test_id("name-input").fill("Гость Проверочный")
        page.get_by_test_id("save-name").click()
        ask = page.get_by_test_id("deletion-ask")
        expect(ask).to_be_visible()
        tall_enough(ask)
        page.wait_for_timeout(1200)  # a new code for the same phone waits a second here
        ask.click()
        expect(page.get_by_test_id("confirm-dialog")).to_contain_text("удалённый пользователь")
        page.get_by_test_id("confirm-ok").click()
        code = page.get_by_test_id("deletion-code")
        expect(code).to_be_visible()
        code.fill(server.code_for(phone))
        page.get_by_test_id("deletion-confirm").click()
        state = page.get_by_test_id("deletion-state")
        expect(state).to_contain_text("будут удалены")
        shot(page, "deletion-pending")
        page.get_by_test_id("deletion-cancel").click()
        expect(page.get_by_test_id("deletion-ask")).to_be_visible()
        expect(state).to_have_count(0)
    finally:
        page.context.close()


def test_a_parent_asking_to_delete_a_childs_data_reads_it_as_the_childs_and_can_step_back(
        browser: Any, server: LiveServer) -> None:
    page = new_page(browser, server, viewport={"width": 390, "height": 844})
    try:
        page.goto("/profile")
        sign_in(page, server, PARENT)
        block = page.get_by_test_id("consent-child").filter(has_text="Маша Иванова")
        block.locator("summary").click()
        page.wait_for_timeout(1200)  # a new code for the same phone waits a second here
        block.get_by_test_id("deletion-ask").click()
        dialog = page.get_by_test_id("confirm-dialog")
        expect(dialog).to_contain_text("ребёнка")
        expect(dialog).not_to_contain_text("ваши файлы")
        page.get_by_test_id("confirm-ok").click()
        # The code step names the child: «Удалить мои данные» would read as the parent's own.
        expect(block.get_by_test_id("deletion-confirm")).to_contain_text("Маша Иванова")
        server.code_for(PARENT)  # sent and left unused: later tests must not take it for theirs
        block.get_by_test_id("deletion-back").click()
        expect(block.get_by_test_id("deletion-ask")).to_be_visible()
        expect(block.get_by_test_id("deletion-code")).to_have_count(0)
    finally:
        page.context.close()


def test_the_school_asks_to_delete_a_students_data_and_cancels(
        browser: Any, server: LiveServer, admin_state: str) -> None:
    """Ирина Петровна, on a parent's written request, asks from the people list to delete Петя
    Соколов's data — on a phone, 390 px wide — confirms with the code sent to her own phone,
    sees when it will happen, and cancels it."""
    page = new_page(browser, server, storage_state=admin_state, viewport={"width": 390, "height": 844})
    try:
        page.goto("/admin/members?role=student")
        row = page.get_by_test_id("member-row").filter(has_text="Петя Соколов")
        expect(row).to_be_visible()
        student_id = row.get_attribute("data-user-id")
        opener = row.get_by_test_id(f"student-deletion-open-{student_id}")
        expect(opener).to_have_text("Удалить данные ученика")
        tall_enough(opener)
        opener.click()
        ask = row.get_by_test_id("deletion-ask")
        expect(ask).to_be_visible()
        tall_enough(ask)
        page.wait_for_timeout(1200)  # a new code for the same phone waits a second here
        ask.click()
        expect(page.get_by_test_id("confirm-dialog")).to_contain_text("заявлению родителя")
        page.get_by_test_id("confirm-ok").click()
        code = row.get_by_test_id("deletion-code")
        expect(code).to_be_visible()
        code.fill(server.code_for(ADMIN))
        confirm = row.get_by_test_id("deletion-confirm")
        expect(confirm).to_have_text("Удалить данные ученика")
        tall_enough(confirm)
        confirm.click()
        state = row.get_by_test_id("deletion-state")
        expect(state).to_contain_text("Данные ученика будут удалены")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        fits = "[...document.querySelectorAll('.table-wrap')].every(e => e.scrollWidth <= e.clientWidth)"
        assert page.evaluate(fits), "the people list scrolls sideways on a phone"
        shot(page, "student-deletion-pending")
        cancel = row.get_by_test_id("deletion-cancel")
        tall_enough(cancel)
        cancel.click()
        expect(row.get_by_test_id("deletion-ask")).to_be_visible()
        expect(state).to_have_count(0)
    finally:
        page.context.close()


def test_a_parents_deletion_request_is_shown_to_the_school_without_its_cancel(
        browser: Any, server: LiveServer, admin_state: str, people: Callable[[str], Any]) -> None:
    """Елена asked to delete Ваня's data herself: the school sees when it will happen, but only
    she can cancel it (whoever asked, cancels)."""
    elena = people(PARENT)
    vanya = next(c for c in elena.get("/me/consents")["children"] if c["child"]["name"] == "Ваня Иванов")
    path = f"/me/children/{vanya['child']['id']}/deletion"
    for _ in range(3):  # a new code for the same phone waits a second here
        if elena.http.post("/auth/code", json={"phone": PARENT}).status_code < 300:
            break
        time.sleep(1.2)
    elena.post(path, {"code": server.code_for(PARENT)})
    page = new_page(browser, server, storage_state=admin_state)
    try:
        page.goto("/admin/members?role=student")
        row = page.get_by_test_id("member-row").filter(has_text="Ваня Иванов")
        row.get_by_test_id(f"student-deletion-open-{vanya['child']['id']}").click()
        expect(row.get_by_test_id("deletion-state")).to_contain_text("Удаление запросил родитель")
        expect(row.get_by_test_id("deletion-cancel")).to_have_count(0)
        expect(row.get_by_test_id("deletion-ask")).to_have_count(0)
    finally:
        page.context.close()
        assert elena.http.delete(path).status_code == 200
