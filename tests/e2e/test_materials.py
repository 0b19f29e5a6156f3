"""The materials library in the browser (R36): Ирина Петровна writes a school-wide article,
previews it and marks it «Проверено» (desktop); Анна Сергеевна uploads a PDF for 5А with its
progress (phone) and posts it into a chat; Елена Иванова, a 5А mother, finds both by word
forms and opens them — the article in its sandboxed frame, the PDF in the browser's viewer;
Ольга Кузнецова, whose son is in 5Б, sees the school's article and nothing of 5А's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.api.test_media_safety import ffmpeg
from tests.e2e.conftest import ADMIN, CLASS_TEACHER, PARENT, STUDENT, Api, new_page, shot
from tests.live import LiveServer

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 800}
KOLYA, OLGA = "+79000007401", "+79000007402"
ARTICLE = "Памятка о безопасности на каникулах"
PDF_TITLE = "Дроби: задачи на каникулы"
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.fixture
def open_page(browser: Any, server: LiveServer, states: Callable[[str], str]) -> Iterator[Callable[..., Any]]:
    pages: list[Any] = []

    def open_(phone: str, path: str, phone_size: bool = True) -> Any:
        extra = {"has_touch": True, "is_mobile": True} if phone_size else {}
        page = new_page(browser, server, storage_state=states(phone),
                        viewport=PHONE if phone_size else DESKTOP, **extra)
        pages.append(page)
        page.goto(path)
        return page

    yield open_
    for page in pages:
        page.context.close()


def family_5b(people: Callable[[str], Api]) -> None:
    """Коля of 5Б joins by his class's link, his mother Ольга by the parents' link, and the
    school confirms her as his mother."""
    irina = people(ADMIN)
    org = irina.org_id
    g5b = next(g for g in irina.get(f"/orgs/{org}/groups")["groups"] if g["name"] == "5Б")["id"]
    for phone, name, role, body in ((KOLYA, "Коля Кузнецов", "student", {}),
                                    (OLGA, "Ольга Кузнецова", "parent", {"child_name": "Коля Кузнецов"})):
        who = people(phone)
        assert who.http.patch("/me", json={"name": name}).status_code == 200
        invite = irina.post(f"/orgs/{org}/invites", {"role": role, "group_id": g5b})
        who.post(f"/invites/{invite['token']}/join", body)
    olga_id = people(OLGA).me["id"]
    [link] = [x for x in irina.get(f"/orgs/{org}/parent-links?status=pending")["links"]
              if x["parent"]["id"] == olga_id]
    irina.post(f"/orgs/{org}/parent-links/{link['id']}/confirm",
               {"child_user_id": people(KOLYA).me["id"]})


def materials_chat(people: Callable[[str], Api]) -> int:
    """A chat of Анна's for 5А's materials, which Маша joined (not the demo chats)."""
    anna = people(CLASS_TEACHER)
    group = next(g for g in anna.get(f"/orgs/{anna.org_id}/groups")["groups"] if g["name"] == "5А")
    chat = anna.post(f"/orgs/{anna.org_id}/chats", {
        "kind": "class", "title": "5А — материалы", "group_id": group["id"], "invite_group": True})
    people(STUDENT).post(f"/chats/{chat['id']}/join", {"accept_rules": True})
    return int(chat["id"])


def test_a_verified_article_and_a_5a_pdf_reach_the_right_parents(
        open_page: Callable[..., Any], people: Callable[[str], Api], server: LiveServer) -> None:
    family_5b(people)
    chat_id = materials_chat(people)

    # Ирина Петровна (desktop) writes the article, previews it, publishes and verifies it.
    irina = open_page(ADMIN, "/materials", phone_size=False)
    expect(irina.get_by_test_id("material-shelf").first).to_have_text("Школа")
    irina.get_by_test_id("material-new-article").click()
    editor = irina.get_by_test_id("article-form")
    editor.get_by_test_id("article-title").fill(ARTICLE)
    editor.get_by_test_id("article-body").fill(
        "## На каникулах\n\n- не выходите на лёд\n- **звоните** родителям\n\n<script>alert(1)</script>")
    editor.get_by_test_id("article-preview-button").click()
    frame = irina.frame_locator("[data-testid=article-preview]")
    expect(frame.locator("h2")).to_have_text("На каникулах")
    expect(frame.locator("strong")).to_have_text("звоните")
    expect(frame.locator("script")).to_have_count(0)
    shot(irina, "materials-editor-desktop")
    editor.get_by_test_id("article-save").click()
    expect(irina.get_by_test_id("material-page")).to_be_visible()
    irina.get_by_test_id("material-verify").click()
    expect(irina.get_by_test_id("material-verified").first).to_be_visible()
    expect(irina.frame_locator("[data-testid=material-article]").locator("li").first).to_have_text("не выходите на лёд")
    shot(irina, "materials-article-desktop")

    # Анна Сергеевна (phone) uploads a PDF for 5А and posts it into her class's chat.
    anna = open_page(CLASS_TEACHER, "/materials")
    anna.get_by_test_id("material-shelf").filter(has_text="5А").click()
    expect(anna.get_by_test_id("material-shelf").filter(has_text="5А")).to_have_attribute("aria-current", "page")
    anna.get_by_test_id("material-upload").click()
    panel = anna.get_by_test_id("material-upload-form")
    panel.get_by_test_id("material-file").set_input_files(
        {"name": "Дроби.pdf", "mimeType": "application/pdf", "buffer": PDF})
    panel.get_by_test_id("material-title-input").fill(PDF_TITLE)
    panel.get_by_test_id("material-subject").fill("Математика")
    shot(anna, "materials-upload-phone")
    panel.get_by_test_id("material-upload-send").click()
    item = anna.get_by_test_id("material-item").filter(has_text=PDF_TITLE)
    expect(item).to_be_visible()
    expect(item).to_have_attribute("data-type", "pdf")
    shot(anna, "materials-class-shelf-phone")
    item.get_by_role("link").click()
    expect(anna.get_by_test_id("material-pdf")).to_be_visible()
    pdf_url = anna.url
    anna.get_by_test_id("material-share-open").click()
    anna.get_by_test_id("material-share-chat").select_option(str(chat_id))
    anna.get_by_test_id("material-share-send").click()
    expect(anna.get_by_test_id("material-card-title")).to_have_text(PDF_TITLE)

    # Елена (phone): the school's verified article, 5А's PDF, found by other word forms.
    elena = open_page(PARENT, "/materials")
    school = elena.get_by_test_id("material-item").filter(has_text=ARTICLE)
    expect(school.get_by_test_id("material-verified")).to_be_visible()
    elena.get_by_test_id("material-search-input").fill("каникулам")
    elena.get_by_test_id("material-search-submit").click()
    expect(elena.get_by_test_id("material-found")).to_contain_text("найдено 2 материала")
    expect(elena.get_by_test_id("material-title")).to_have_text([PDF_TITLE, ARTICLE])
    elena.get_by_test_id("material-verified-filter").check()
    expect(elena.get_by_test_id("material-title")).to_have_text([ARTICLE])
    shot(elena, "materials-search-phone")
    elena.get_by_test_id("material-verified-filter").uncheck()
    elena.get_by_test_id("material-item").filter(has_text=PDF_TITLE).get_by_role("link").click()
    viewer = elena.get_by_test_id("material-pdf")
    expect(viewer).to_be_visible()
    answer = elena.request.get(viewer.get_attribute("src"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("inline")
    shot(elena, "materials-pdf-phone")
    elena.goto("/materials")
    elena.get_by_test_id("material-item").filter(has_text=ARTICLE).get_by_role("link").click()
    expect(elena.frame_locator("[data-testid=material-article]").locator("h2")).to_have_text("На каникулах")

    # Маша sees the card in the chat and opens the PDF from it.
    masha = open_page(STUDENT, f"/chats/{chat_id}")
    masha.get_by_test_id("material-card-link").click()
    expect(masha.get_by_test_id("material-pdf")).to_be_visible()

    # Ольга (5Б): the school's article; of 5А, no shelf, no search result, no page.
    olga = open_page(OLGA, "/materials")
    expect(olga.get_by_test_id("material-item").filter(has_text=ARTICLE)).to_be_visible()
    expect(olga.get_by_test_id("material-shelf")).to_have_text(["Школа", "Класс 5Б"])
    olga.get_by_test_id("material-search-input").fill("дроби")
    olga.get_by_test_id("material-search-submit").click()
    expect(olga.get_by_test_id("material-item")).to_have_count(0)
    olga.goto(pdf_url.replace(server.base_url, ""))
    expect(olga.get_by_test_id("page-error")).to_have_text("Этот материал вам недоступен или удалён.")
    shot(olga, "materials-5b-parent-phone")


def test_a_teacher_keeps_folders_and_versions_of_her_class_shelf(
        open_page: Callable[..., Any], people: Callable[[str], Api]) -> None:
    """Анна Сергеевна (desktop) makes a folder for 5А, uploads a worksheet into it, uploads
    a corrected version and brings the first one back; moves the folder into another one and
    deletes that with everything in it after confirming twice."""
    anna = open_page(CLASS_TEACHER, "/materials", phone_size=False)
    anna.get_by_test_id("material-shelf").filter(has_text="5А").click()
    expect(anna.get_by_test_id("material-shelf").filter(has_text="5А")).to_have_attribute("aria-current", "page")

    def new_folder(name: str) -> None:
        anna.get_by_test_id("material-new-folder").click()
        anna.get_by_test_id("folder-name").fill(name)
        anna.get_by_test_id("folder-save").click()
        expect(anna.get_by_test_id("material-folder-name").filter(has_text=name)).to_be_visible()

    new_folder("Рабочие листы")
    new_folder("Архив 5А")
    anna.get_by_test_id("material-folder-name").filter(has_text="Рабочие листы").click()
    expect(anna.get_by_test_id("material-crumbs")).to_contain_text("Рабочие листы")
    anna.get_by_test_id("material-upload").click()
    panel = anna.get_by_test_id("material-upload-form")
    panel.get_by_test_id("material-file").set_input_files(
        {"name": "Лист 1.pdf", "mimeType": "application/pdf", "buffer": PDF})
    expect(panel.get_by_test_id("material-title-input")).to_have_value("Лист 1")
    panel.get_by_test_id("material-upload-send").click()
    anna.get_by_test_id("material-item").filter(has_text="Лист 1").get_by_role("link").click()

    # A corrected version, then the first one brought back: three versions, all kept.
    anna.get_by_test_id("material-new-version").click()
    anna.get_by_test_id("material-version-form").get_by_test_id("material-file").set_input_files(
        {"name": "Лист 1 (исправлен).pdf", "mimeType": "application/pdf", "buffer": PDF.replace(b"200 200", b"300 300")})
    anna.get_by_test_id("material-version-send").click()
    expect(anna.get_by_test_id("material-version")).to_have_count(2)
    anna.get_by_test_id("material-version-restore").click()
    expect(anna.get_by_test_id("material-version")).to_have_count(3)
    expect(anna.get_by_test_id("material-version").first).to_contain_text("восстановлена версия 1")
    shot(anna, "materials-versions-desktop")

    # The folder moves into «Архив 5А»; that one goes with it, once confirmed twice.
    anna.get_by_test_id("material-back").click()
    anna.get_by_test_id("material-crumbs").get_by_role("link", name="Класс 5А").click()
    anna.get_by_test_id("material-layout-grid").click()
    expect(anna.get_by_test_id("material-list")).to_have_class("mat-list mat-list--grid")
    shot(anna, "materials-grid-desktop")
    anna.get_by_test_id("material-layout-list").click()
    folder = anna.get_by_test_id("material-folder").filter(has_text="Рабочие листы")
    folder.get_by_test_id("folder-move").click()
    anna.get_by_test_id("folder-move-to").select_option(label="Архив 5А")
    anna.get_by_test_id("folder-move-save").click()
    expect(anna.get_by_test_id("material-folder").filter(has_text="Рабочие листы")).to_have_count(0)
    anna.get_by_test_id("material-folder").filter(has_text="Архив 5А").get_by_test_id("folder-delete").click()
    anna.get_by_test_id("confirm-ok").click()
    expect(anna.get_by_test_id("confirm-dialog")).to_contain_text("В папке есть материалы (1)")
    anna.get_by_test_id("confirm-ok").click()
    expect(anna.get_by_test_id("material-folder")).to_have_count(0)


def test_a_school_video_plays_on_a_parents_phone_by_ranges(
        open_page: Callable[..., Any], people: Callable[[str], Api]) -> None:
    """Ирина Петровна puts a three-second film of the school's science week on the school's
    shelf; Елена opens it on her phone and it plays: the browser asks for byte ranges, the
    server answers 206, and the picture's time moves on."""
    video = ffmpeg("-f", "lavfi", "-i", "testsrc=duration=3:size=160x120:rate=15",
                   "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
                   "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                   "-movflags", "+faststart", suffix=".mp4")
    irina = people(ADMIN)
    answer = irina.http.post(f"/orgs/{irina.org_id}/materials", data={"title": "Неделя науки: опыт с водой"},
                             files={"file": ("опыт.mp4", video, "application/octet-stream")})
    assert answer.status_code == 201, answer.text
    material = answer.json()

    elena = open_page(PARENT, f"/materials/{material['id']}")
    ranges: list[tuple[int, str]] = []
    elena.on("response", lambda r: ranges.append((r.status, r.request.headers.get("range", "")))
             if r.url.endswith(f"/materials/{material['id']}/file") else None)
    player = elena.get_by_test_id("material-video")
    expect(player).to_be_visible()
    elena.wait_for_function("() => document.querySelector('[data-testid=material-video]').readyState >= 1")
    assert player.evaluate("(v) => [v.videoWidth, v.videoHeight]") == [160, 120]
    player.evaluate("(v) => { v.muted = true; return v.play(); }")
    elena.wait_for_function(
        "() => document.querySelector('[data-testid=material-video]').currentTime > 0.5")
    assert any(status == 206 and header.startswith("bytes=") for status, header in ranges), ranges
    shot(elena, "materials-video-phone")
