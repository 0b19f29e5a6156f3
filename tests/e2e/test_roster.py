"""The school's records in the browser (issue 4): the administrator of «Лицей № 7» downloads the
template and imports the lyceum's OneRoster bundle — a preview with a row error, applied for
its valid rows only (R8, R9); the class teacher proposes a departure from her phone and the
administrator confirms it live (R7); the reconciliation lists and the reminder to reconcile
(R8); the new school year: «5А → 6А», a new class teacher, and last year's class chat left as a
read-only archive.

The lyceum is a school of its own, registered by the operator for this module, so the demo
school the other tests use stays as it was. Its people come from tests/roster/fixtures.py:
Ирина Петровна Смирнова (administrator, +79105550001) and Анна Сергеевна Волкова (class teacher
of 5А, +79105550002) sign in with the phones the roster gives them."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import OPERATOR, Api, LiveServer, new_page, shot, sign_in
from tests.roster.fixtures import oneroster

pytestmark = pytest.mark.e2e

LYCEUM = "Лицей № 7"
LYCEUM_ADMIN = "+79105550001"
LYCEUM_ADMIN_NAME = "Ирина Петровна Смирнова"
CLASS_TEACHER = "+79105550002"
CLASS_TEACHER_NAME = "Анна Сергеевна Волкова"
PHONE = {"width": 390, "height": 844}
BAD_PHONE = "8 800"


def bundle_with_a_bad_phone() -> bytes:
    """The lyceum's bundle, where Алёна Ёлкина's phone is not a mobile number: one row error."""
    bundle = oneroster()
    header = bundle.files["users"][0]
    for row in bundle.files["users"][1:]:
        if row[0] == "stu-3":
            row[header.index("sms")] = BAD_PHONE
    return bundle.zip_bytes()


class Lyceum:
    """«Лицей № 7», registered by the operator; its administrator over the API sets a scene."""

    def __init__(self, server: LiveServer) -> None:
        operator = Api(server, OPERATOR)
        muni = operator.get("/regions")["regions"][0]["municipalities"][0]["id"]
        self.id = int(operator.post("/organizations", {
            "name": LYCEUM, "kind": "school", "municipality_id": muni,
            "admin_name": LYCEUM_ADMIN_NAME, "admin_email": "smirnova@licey7.example",
            "admin_phone": LYCEUM_ADMIN})["id"])
        self.server = server
        self._admin: Api | None = None

    @property
    def admin(self) -> Api:
        if self._admin is None:
            self._admin = Api(self.server, LYCEUM_ADMIN)
        return self._admin

    def imports(self) -> str:
        return f"/orgs/{self.id}/roster/imports"

    def ensure_imported(self) -> None:
        """The roster applied — by the browser test, or here when that test did not run."""
        if any(i["status"] == "applied" for i in self.admin.get(self.imports())["imports"]):
            return
        body = self.admin.post(self.imports(), files={
            "file": ("licey7.zip", bundle_with_a_bad_phone(), "application/zip")})
        self.admin.post(f"{self.imports()}/{body['id']}/apply", {"valid_rows_only": True})
        deadline = time.monotonic() + 30
        while self.admin.get(f"{self.imports()}/{body['id']}")["status"] == "applying":
            assert time.monotonic() < deadline, "the roster was not applied"
            time.sleep(0.1)


@pytest.fixture(scope="module")
def lyceum(server: LiveServer) -> Lyceum:
    return Lyceum(server)


class SignIns:
    """Each person signs in through the browser once in this module; later pages reuse it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.saved: dict[str, str] = {}

    def open(self, browser: Any, server: LiveServer, phone: str, path: str, **options: Any) -> Any:
        state = self.saved.get(phone)
        page = new_page(browser, server, **({"storage_state": state} if state else {}), **options)
        page.goto(path)
        if state is None:
            sign_in(page, server, phone)
            self.saved[phone] = str(self.folder / f"{phone.lstrip('+')}.json")
            page.context.storage_state(path=self.saved[phone])
        return page


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> SignIns:
    return SignIns(tmp_path_factory.mktemp("roster-sign-ins"))


def test_the_administrator_imports_the_lyceums_roster(browser: Any, server: LiveServer,
                                                       lyceum: Lyceum, people: SignIns) -> None:
    page = people.open(browser, server, LYCEUM_ADMIN, "/")
    page.get_by_test_id("nav-admin-roster").click()
    expect(page.get_by_test_id("roster-page")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_test_id("roster-template").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    page.get_by_test_id("roster-file").set_input_files(files=[{
        "name": "licey7.zip", "mimeType": "application/zip", "buffer": bundle_with_a_bad_phone()}])
    expect(page.get_by_test_id("roster-import")).to_be_visible()
    expect(page.get_by_test_id("roster-status")).to_have_text("Предпросмотр")
    expect(page.get_by_test_id("roster-count-create")).to_contain_text("14")
    expect(page.get_by_test_id("roster-count-errors")).to_contain_text("1")
    # One count of rows with errors: the tile and the tab say the same (warnings are apart).
    expect(page.get_by_test_id("roster-count-errors")).to_contain_text("строка с ошибкой")
    expect(page.get_by_test_id("roster-tab-errors")).to_have_text("Ошибки1")
    for size in ({"width": 1366, "height": 800}, PHONE):  # every tab on screen, none clipped
        page.set_viewport_size(size)
        tab_list = page.get_by_role("tablist").first.bounding_box()
        for tab in page.get_by_role("tab").all():
            box = tab.bounding_box()
            assert box and tab_list, size
            assert box["x"] >= tab_list["x"] - 1, (size, tab.inner_text())
            assert box["x"] + box["width"] <= tab_list["x"] + tab_list["width"] + 1, (size, tab.inner_text())
        shot(page, f"roster-tabs-{size['width']}")
    page.set_viewport_size({"width": 1280, "height": 860})
    created = page.get_by_test_id("roster-create")
    expect(created).to_contain_text("Мария Петровна Иванова")
    expect(created).to_contain_text("Пётр Андреевич Соколов")
    expect(created).not_to_contain_text("Ёлкина")  # her row has the error: left out
    page.get_by_test_id("roster-tab-change").click()
    expect(page.get_by_test_id("roster-change")).to_contain_text(LYCEUM_ADMIN_NAME)  # by her phone
    page.get_by_test_id("roster-tab-errors").click()
    error = page.get_by_test_id("roster-error-row")
    expect(error).to_have_count(1)
    expect(error).to_contain_text("users.csv")
    expect(error).to_contain_text(f"Это не номер мобильного телефона: «{BAD_PHONE}».")
    gaps = page.get_by_test_id("roster-consent-gaps")  # 152-ФЗ: all the file's students are new
    expect(gaps).to_contain_text("учеников из этого файла")
    expect(gaps).to_contain_text("без полного согласия родителей")
    expect(gaps.get_by_test_id("roster-consent-link")).to_have_attribute("href", "/admin/consents")
    shot(page, "roster-preview")

    apply = page.get_by_test_id("roster-apply")
    expect(apply).to_be_disabled()  # with errors, only the explicit choice applies it
    page.get_by_test_id("roster-valid-only").check()
    apply.click()
    expect(page.get_by_test_id("roster-result")).to_be_visible()
    expect(page.get_by_test_id("roster-progress")).to_have_attribute("value", "100")
    # What happened to people, not «Готово 7 из 7» (rows): the new, the changed, the same.
    expect(page.get_by_test_id("roster-outcome")).to_contain_text("добавлено 14 человек")
    expect(page.get_by_test_id("roster-outcome")).to_contain_text("обновлён 1")
    expect(page.get_by_test_id("roster-status")).to_have_text("Применён")
    expect(page.get_by_test_id("roster-consent-gaps")).to_contain_text("из этого импорта")
    shot(page, "roster-applied")

    page.get_by_test_id("roster-open-groups").click()
    expect(page.locator('[data-testid="group-row"][data-name="6А"]')).to_have_count(1)
    page.get_by_test_id("nav-admin-roster").click()
    expect(page.get_by_test_id("roster-history-row")).to_have_count(1)
    expect(page.get_by_test_id("roster-history-row")).to_contain_text("Применён")
    page.context.close()


def test_the_class_teacher_proposes_a_departure_and_the_administrator_confirms_it(
        browser: Any, server: LiveServer, lyceum: Lyceum, people: SignIns) -> None:
    lyceum.ensure_imported()
    admin = people.open(browser, server, LYCEUM_ADMIN, "/movement")
    expect(admin.get_by_test_id("movement-page")).to_be_visible()
    expect(admin.get_by_test_id("movement-proposal")).to_have_count(0)

    anna = people.open(browser, server, CLASS_TEACHER, "/", viewport=PHONE)
    anna.get_by_test_id("menu-toggle").click()
    anna.get_by_test_id("nav-movement-teacher").click()
    expect(anna.get_by_test_id("my-class")).to_have_attribute("data-name", "5А")
    petya = anna.get_by_test_id("class-student").filter(has_text="Пётр Андреевич Соколов")
    petya.get_by_test_id("propose-open").click()
    petya.get_by_label("Причина").fill("Переезд в другой город")
    petya.get_by_test_id("propose-send").click()
    mine = anna.get_by_test_id("movement-row").filter(has_text="Пётр Андреевич Соколов")
    expect(mine).to_contain_text("Ждёт решения")
    shot(anna, "movement-teacher")

    proposal = admin.get_by_test_id("movement-proposal").filter(has_text="Пётр Андреевич Соколов")
    expect(proposal).to_contain_text("Переезд в другой город")  # arrives live
    expect(proposal).to_contain_text(CLASS_TEACHER_NAME)
    proposal.get_by_test_id("movement-confirm").click()
    expect(admin.get_by_test_id("movement-proposal")).to_have_count(0)
    recorded = admin.get_by_test_id("movement-row").filter(has_text="Пётр Андреевич Соколов")
    expect(recorded).to_contain_text("Выбытие ученика")
    expect(recorded).to_contain_text("Записано")
    shot(admin, "movement-admin")

    expect(mine).to_contain_text("Записано")  # the class teacher sees the decision live
    expect(anna.get_by_test_id("class-student").filter(has_text="Пётр Андреевич Соколов")).to_have_count(0)
    anna.context.close()
    admin.context.close()


def test_the_reconciliation_lists_and_the_mark_that_it_was_done(
        browser: Any, server: LiveServer, lyceum: Lyceum, people: SignIns) -> None:
    lyceum.ensure_imported()
    page = people.open(browser, server, LYCEUM_ADMIN, "/")
    reminder = page.get_by_test_id("reconciliation-reminder")
    expect(reminder).to_contain_text("сверка ещё не проводилась")
    reminder.get_by_test_id("reconciliation-reminder-open").click()

    expect(page.get_by_test_id("reconciliation-page")).to_be_visible()
    expect(page.get_by_test_id("reconciliation-roster")).to_contain_text("licey7.zip")
    never = page.get_by_test_id("reconciliation-not-activated")
    expect(never).to_contain_text("Мария Петровна Иванова")
    expect(never).to_contain_text("ни разу не входил")
    with page.expect_download() as download:
        page.get_by_test_id("reconciliation-download-csv").click()
    assert re.fullmatch(r"reconciliation-\d+-\d{4}-\d\d-\d\d\.csv", download.value.suggested_filename)
    shot(page, "reconciliation")

    page.get_by_test_id("reconciliation-note").fill("Сверено с журналом")
    page.get_by_test_id("reconciliation-mark").click()
    expect(page.get_by_test_id("reconciliation-last")).to_contain_text(LYCEUM_ADMIN_NAME)
    expect(page.get_by_test_id("reconciliation-due")).to_have_count(0)
    page.get_by_test_id("nav-home").click()
    expect(page.get_by_test_id("home")).to_be_visible()
    expect(page.get_by_test_id("reconciliation-reminder")).to_have_count(0)
    page.context.close()


def test_the_new_school_year_moves_5a_to_6a_and_archives_its_chat(
        browser: Any, server: LiveServer, lyceum: Lyceum, people: SignIns) -> None:
    lyceum.ensure_imported()
    page = people.open(browser, server, LYCEUM_ADMIN, "/admin/year")
    page.get_by_test_id("year-preview").click()
    moves = page.get_by_test_id("year-class-move")
    expect(moves.filter(has_text="5А → 6А")).to_have_count(1)
    expect(moves.filter(has_text="6А → 7А")).to_have_count(1)
    page.get_by_test_id("year-archive-fold").locator("summary").click()  # fifteen chats: folded
    expect(page.get_by_test_id("year-archive-chat").filter(has_text="5А — класс")).to_be_visible()

    page.get_by_label("Классный руководитель класса 5Б в новом году").select_option(label=CLASS_TEACHER_NAME)
    expect(page.get_by_test_id("year-stale")).to_be_visible()
    expect(page.get_by_test_id("year-apply")).to_be_disabled()
    page.get_by_test_id("year-recalc").click()
    expect(page.get_by_test_id("year-stale")).to_be_hidden()  # the new plan is drawn
    page.get_by_test_id("year-new-fold").locator("summary").click()
    new_class_chat = page.get_by_test_id("year-new-chats").locator("tr").filter(has_text="6Б — класс")
    expect(new_class_chat).to_contain_text(CLASS_TEACHER_NAME)
    shot(page, "year-plan")

    page.get_by_test_id("year-apply").click()
    page.get_by_test_id("confirm-ok").click()
    expect(page.get_by_test_id("year-result")).to_contain_text("Новый учебный год начат")
    page.context.close()

    anna = people.open(browser, server, CLASS_TEACHER, "/chats")
    named = anna.get_by_test_id("chat-title").get_by_text("5А — класс", exact=True)
    anna.get_by_test_id("chat-item").filter(has=named).click()
    expect(anna.get_by_test_id("chat-heading")).to_have_text("5А — класс")
    expect(anna.get_by_test_id("chat-readonly")).to_have_text("Архив прошлого года — только чтение")
    expect(anna.get_by_test_id("composer")).to_have_count(0)
    shot(anna, "chat-archived")
    anna.context.close()
