"""Files, search, typing, forwarding and channel views in the browser.

The class teacher sends a photo, a document, a voice note and pictures pasted and dropped to a
new class chat, and Маша sees them arrive live, opens the photo full size and forwards it; a
file the server refuses says why on its chip. A search for a word form finds the demo conversation and opens the chat at the message,
also one far back in a long chat. Маша sees the teacher typing. A channel post counts its views.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, CLASS_TEACHER, STUDENT, LiveServer, shot
from tests.e2e.test_chats import api_token, open_as, open_chat, send

FLASHING = re.compile(r"\bmsg--flash\b")

pytestmark = pytest.mark.e2e


def small_jpeg(path: Path, size: tuple[int, int] = (96, 64)) -> Path:
    """A real little photo, made here, so the server has something to decode and re-encode."""
    from PIL import Image

    image = Image.new("RGB", size, (30, 120, 200))
    for x in range(size[0] // 2):
        for y in range(size[1]):
            image.putpixel((x, y), (240, 200, 40))
    image.save(path, "JPEG", quality=90)
    return path


def short_wav(path: Path) -> Path:
    """A fifth of a second of silence, as a voice note would be recorded."""
    import wave

    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes(3200))
    return path


# What a browser does when a picture is pasted from the clipboard or files are dropped.
PASTE = """(box, bytes) => {
  const data = new DataTransfer();
  data.items.add(new File([new Uint8Array(bytes)], 'image.jpg', { type: 'image/jpeg' }));
  box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
}"""
DROP = """(area, bytes) => {
  const data = new DataTransfer();
  data.items.add(new File([new Uint8Array(bytes)], 'доска-2.jpg', { type: 'image/jpeg' }));
  for (const type of ['dragenter', 'dragover', 'drop']) {
    area.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
  }
}"""


def api(live: LiveServer, token: str) -> httpx.Client:
    return httpx.Client(base_url=f"{live.base_url}/api/v1", timeout=15,
                        headers={"Authorization": f"Bearer {token}"})


def make_class_chat(anna: Any, masha: Any, title: str) -> None:
    """Анна opens a class chat for 5А; Маша accepts its rules and the invitation; both are in it."""
    anna.get_by_test_id("new-chat").click()
    anna.get_by_test_id("new-chat-kind").select_option("class")
    anna.get_by_test_id("new-chat-group").select_option(label="5А")
    anna.get_by_test_id("chat-title-input").fill(title)
    anna.get_by_test_id("new-chat-create").click()
    expect(anna.get_by_test_id("chat-heading")).to_have_text(title)
    invitation = masha.get_by_test_id("invitation").filter(has_text=title)
    invitation.get_by_test_id("invitation-open").click()
    expect(masha.get_by_test_id("join-chat-title")).to_have_text(title)
    masha.get_by_test_id("accept-rules").check()  # the form starts with the school's usual rules
    masha.get_by_test_id("join-chat").click()
    expect(masha.get_by_test_id("chat-heading")).to_have_text(title)


def test_a_photo_and_a_document_arrive_live_and_a_refused_file_says_why(
    browser: Any, server: LiveServer, tmp_path: Path
) -> None:
    anna = open_as(browser, server, CLASS_TEACHER)
    masha = open_as(browser, server, STUDENT)
    make_class_chat(anna, masha, "5А — фотоальбом")

    # Анна attaches a photo: it uploads at once and shows as a chip with its size.
    anna.get_by_test_id("composer-file").set_input_files(str(small_jpeg(tmp_path / "субботник.jpg")))
    chip = anna.get_by_test_id("attachment-chip")
    expect(chip).to_have_attribute("data-state", "ready")
    expect(chip).to_contain_text("субботник.jpg")
    expect(chip).to_contain_text("Б")
    shot(anna, "files-chip")
    send(anna, "Фото с субботника")
    expect(anna.get_by_test_id("attachment-chip")).to_have_count(0)  # sent: the tray is empty

    # Маша sees the thumbnail appear without a reload, and opens the full photo.
    photo_msg = masha.get_by_test_id("message").filter(has_text="Фото с субботника")
    thumb = photo_msg.get_by_test_id("attachment-photo")
    expect(thumb).to_have_count(1)
    expect(thumb.locator("img")).to_have_attribute("src", re.compile(r"/api/v1/attachments/\d+/thumb$"))
    masha.wait_for_function("() => document.querySelector('[data-testid=attachment-photo] img').naturalWidth > 0")
    shot(masha, "files-photo-message")
    thumb.click()
    viewer = masha.get_by_test_id("photo-viewer")
    expect(viewer).to_be_visible()
    expect(viewer).to_contain_text("субботник.jpg")
    masha.wait_for_function("() => document.querySelector('[data-testid=viewer-image]').naturalWidth === 96")
    shot(masha, "files-viewer")
    masha.keyboard.press("Escape")
    expect(viewer).to_have_count(0)

    # A document and a voice note, no text: a row to download and a player.
    plan = tmp_path / "план-поездки.txt"
    plan.write_text("Сбор в 9:00 у школы.\nВзять воду и тетрадь.\n", encoding="utf-8")
    anna.get_by_test_id("composer-file").set_input_files([str(plan), str(short_wav(tmp_path / "голосовое.wav"))])
    for chip in anna.get_by_test_id("attachment-chip").all():
        expect(chip).to_have_attribute("data-state", "ready")
    anna.get_by_test_id("composer-send").click()
    row = masha.get_by_test_id("attachment-file")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("план-поездки.txt")
    expect(row).to_have_attribute("download", "план-поездки.txt")
    expect(masha.get_by_test_id("attachment-audio")).to_have_attribute("controls", "")

    # A picture pasted into the text box and one dropped onto the chat go together, no text.
    picture = list(small_jpeg(tmp_path / "доска.jpg", (80, 80)).read_bytes())
    anna.get_by_test_id("composer-input").evaluate(PASTE, picture)
    anna.get_by_test_id("chat").evaluate(DROP, picture)
    expect(anna.get_by_test_id("attachment-chip")).to_have_count(2)
    for chip in anna.get_by_test_id("attachment-chip").all():
        expect(chip).to_have_attribute("data-state", "ready")
    anna.get_by_test_id("composer-input").press("Enter")
    pair = masha.get_by_test_id("message").filter(has=masha.get_by_test_id("attachment-photo").nth(1))
    expect(pair.get_by_test_id("attachment-photo")).to_have_count(2)
    expect(pair.get_by_test_id("message-body")).to_have_count(0)

    # A program is refused: the chip keeps the server's reason until it is removed.
    virus = tmp_path / "игра.exe"
    virus.write_bytes(b"MZ" + bytes(4096))
    anna.get_by_test_id("composer-file").set_input_files(str(virus))
    refused = anna.get_by_test_id("attachment-chip").filter(has_text="игра.exe")
    expect(refused).to_have_attribute("data-state", "failed")
    expect(refused.get_by_test_id("attachment-error")).to_contain_text("Такой тип файла нельзя отправить")
    shot(anna, "files-refused")
    refused.get_by_test_id("attachment-remove").click()
    expect(anna.get_by_test_id("attachment-chip")).to_have_count(0)

    # Маша forwards the photo to the class chat: it arrives there marked «Переслано».
    photo_msg.hover()
    photo_msg.get_by_test_id("message-more").click()
    masha.get_by_test_id("message-forward").click()
    masha.get_by_test_id("forward-chat").and_(masha.get_by_role("button", name="5А — класс", exact=True)).click()
    expect(masha.get_by_test_id("toast").filter(has_text="Переслано в «5А — класс»")).to_be_visible()
    open_chat(masha, "5А — класс")
    forwarded = masha.get_by_test_id("message").filter(has=masha.get_by_test_id("message-forwarded"))
    expect(forwarded.last).to_contain_text("Переслано")
    expect(forwarded.last.get_by_test_id("attachment-photo")).to_have_count(1)
    anna.context.close()
    masha.context.close()


def test_search_finds_a_word_form_and_opens_the_chat_at_the_message(
    browser: Any, server: LiveServer
) -> None:
    masha = open_as(browser, server, STUDENT)
    try:
        masha.get_by_test_id("search-input").fill("экскурсию")
        hit = masha.get_by_test_id("search-result").filter(  # exactly this chat: other tests make «5А — классный час»
            has=masha.get_by_test_id("search-result-chat").get_by_text("5А — класс", exact=True))
        expect(hit).to_have_count(1)
        expect(hit.locator("mark")).to_have_text("экскурсия")
        expect(masha.get_by_test_id("chat-list")).to_be_hidden()  # the results take the list's place
        shot(masha, "search-results")
        hit.click()
        expect(masha.get_by_test_id("chat-heading")).to_have_text("5А — класс")
        found = masha.get_by_test_id("message").filter(has_text="Завтра экскурсия в музей")
        expect(found).to_have_class(FLASHING)
        expect(found).to_be_in_viewport()
    finally:  # an open page keeps her socket live: later tests push to her «closed» app
        masha.context.close()


def test_search_in_a_long_chat_jumps_back_and_the_arrow_returns_to_the_newest(
    browser: Any, server: LiveServer
) -> None:
    token = api_token(server, CLASS_TEACHER)
    with api(server, token) as http:
        org_id = http.get("/me").json()["memberships"][0]["org"]["id"]
        chat = http.post(f"/orgs/{org_id}/chats", json={"kind": "custom", "title": "Поход 5А"}).json()
        path = f"/chats/{chat['id']}/messages"
        http.post(path, json={"body": "Маршрут: через планетарий и парк."}).raise_for_status()
        for n in range(1, 81):
            http.post(path, json={"body": f"Список вещей, пункт {n}."}).raise_for_status()
    anna = open_as(browser, server, CLASS_TEACHER)
    open_chat(anna, "Поход 5А")
    expect(anna.get_by_test_id("message").filter(has_text="пункт 80.")).to_be_visible()
    expect(anna.get_by_test_id("message").filter(has_text="планетарий")).to_have_count(0)  # not loaded

    anna.get_by_test_id("chat-search-open").click()
    anna.get_by_test_id("chat-search-input").fill("планетария")
    hit = anna.get_by_test_id("search-result")
    expect(hit).to_have_count(1)
    expect(hit.locator("mark")).to_have_text("планетарий")
    shot(anna, "search-in-chat")
    hit.click()
    found = anna.get_by_test_id("message").filter(has_text="через планетарий")
    expect(found).to_be_in_viewport()
    expect(found).to_have_class(FLASHING)
    expect(anna.get_by_test_id("message").filter(has_text="пункт 80.")).to_have_count(0)  # around it only
    anna.get_by_test_id("jump-down").click()
    expect(anna.get_by_test_id("message").filter(has_text="пункт 80.")).to_be_in_viewport()
    expect(anna.get_by_test_id("jump-down")).to_be_hidden()
    anna.context.close()


def test_the_other_person_sees_who_is_typing(browser: Any, server: LiveServer) -> None:
    anna = open_as(browser, server, CLASS_TEACHER)
    masha = open_as(browser, server, STUDENT)
    open_chat(anna, "5А — класс")
    open_chat(masha, "5А — класс")
    anna.get_by_test_id("composer-input").press_sequentially("Напоминаю про", delay=30)
    typing = masha.get_by_test_id("typing")
    expect(typing).to_have_text("Анна Сергеевна Волкова печатает…")
    shot(masha, "typing")
    expect(anna.get_by_test_id("typing")).to_be_hidden()  # not to oneself
    expect(typing).to_be_hidden(timeout=10_000)  # she stopped: the line goes after a few seconds
    anna.context.close()
    masha.context.close()


def test_a_channel_post_counts_who_saw_it(browser: Any, server: LiveServer) -> None:
    token = api_token(server, ADMIN)
    with api(server, token) as http:
        chats = http.get("/chats").json()["chats"]
        channel = next(c for c in chats if c["kind"] == "school_channel")
        http.post(f"/chats/{channel['id']}/messages",
                  json={"body": "В пятницу — день открытых дверей."}).raise_for_status()
    masha = open_as(browser, server, STUDENT)
    open_chat(masha, "Общешкольный канал")
    post = masha.get_by_test_id("message").filter(has_text="день открытых дверей")
    # The channel opens at her first unread post; other tests' posts may stand above this one, so
    # she scrolls to it, as she would: a post counts once it is in sight, not once it is loaded.
    post.scroll_into_view_if_needed()
    expect(post.get_by_test_id("message-views")).to_contain_text("1")  # Маша's own view, counted
    masha.reload()
    post.scroll_into_view_if_needed()
    expect(post.get_by_test_id("message-views")).to_contain_text("Просмотров: 1")
    shot(masha, "channel-views")
    masha.context.close()


def test_a_new_post_counts_her_view_beside_posts_she_saw_before(browser: Any, server: LiveServer) -> None:
    """Her page reports an older post she saw on an earlier visit with the new one; the server
    counts only the new view, and the page still shows it without a reload."""
    token = api_token(server, ADMIN)
    for text in ("Субботник переносится на воскресенье.", "Концерт к Новому году — 26 декабря."):
        with api(server, token) as http:
            chats = http.get("/chats").json()["chats"]
            channel = next(c for c in chats if c["kind"] == "school_channel")
            http.post(f"/chats/{channel['id']}/messages", json={"body": text}).raise_for_status()
        masha = open_as(browser, server, STUDENT)
        open_chat(masha, "Общешкольный канал")
        post = masha.get_by_test_id("message").filter(has_text=text)
        post.scroll_into_view_if_needed()  # unread posts of other tests may stand above it
        expect(post.get_by_test_id("message-views")).to_contain_text("1")
        masha.context.close()
