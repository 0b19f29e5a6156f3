"""The chat page's shape in the browser (issue 11, web client): a resync reaches the chat list
and the open chat once, through the one dispatcher; what the page offers is what the server's
`capabilities` say, not a guess from the person's role; and on a phone every control of the top
bar, the chat header and the message menu is big enough to tap (44 × 44 px)."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CLASS_TEACHER, PARENT, LiveServer, new_page, sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 800}
CLASS_CHAT = "5А — класс"
MIN_TAP = 44
PETYA = "+79000000012"  # Петя Соколов, 5А


def open_as(browser: Any, server: LiveServer, phone: str, **options: Any) -> Any:
    page = new_page(browser, server, **options)
    page.goto("/chats")
    sign_in(page, server, phone)
    page.get_by_test_id("chat-list").wait_for()
    return page


def open_chat(page: Any, title: str) -> int:
    named = page.get_by_test_id("chat-title").get_by_text(title, exact=True)
    page.get_by_test_id("chat-item").filter(has=named).first.click()
    expect(page.get_by_test_id("chat-heading")).to_have_text(title)
    expect(page.get_by_test_id("message").first).to_be_visible()
    return int(page.get_by_test_id("chat").get_attribute("data-chat-id"))


def small_targets(page: Any, selector: str) -> list[str]:
    """The visible controls under `selector` smaller than MIN_TAP on a side, described."""
    return list(page.evaluate("""([selector, min]) => {
      const out = [];
      for (const root of document.querySelectorAll(selector)) {
        for (const el of root.querySelectorAll('a[href], button, [role=menuitem], [role=menuitemcheckbox]')) {
          // An inline link inside a line of text (the members count under the title) is exempt;
          // the members button beside it is the control.
          if (el.closest('.chat__sub')) continue;
          const box = el.getBoundingClientRect();
          const style = getComputedStyle(el);
          if (!box.width || !box.height || style.visibility === 'hidden') continue;
          if (box.width < min - 0.5 || box.height < min - 0.5) {
            out.push(`${el.dataset.testid || el.className || el.tagName}: ${Math.round(box.width)}×${Math.round(box.height)}`);
          }
        }
      }
      return out;
    }""", [selector, MIN_TAP]))


def shot(page: Any, name: str) -> None:
    if os.environ.get("PARTA_E2E_SCREENSHOTS"):
        page.wait_for_timeout(300)
        page.screenshot(path=f"/tmp/parta-{name}.png")


def test_on_a_phone_the_top_bar_the_chat_header_and_the_message_menu_are_big_enough_to_tap(
        browser: Any, server: LiveServer) -> None:
    page = open_as(browser, server, CLASS_TEACHER, viewport=PHONE, has_touch=True)
    open_chat(page, CLASS_CHAT)
    shot(page, "chat-390")
    assert small_targets(page, ".topbar") == []
    assert small_targets(page, ".chat__header") == []
    toggle = page.get_by_test_id("message").last.get_by_test_id("message-more")
    box = toggle.bounding_box()
    assert box["width"] >= MIN_TAP - 0.5 and box["height"] >= MIN_TAP - 0.5, box
    toggle.click()
    expect(page.get_by_test_id("message-menu")).to_be_visible()
    assert small_targets(page, "[data-testid=message-menu]") == []
    shot(page, "chat-390-menu")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("message-menu")).to_have_count(0)

    # A finger held on a message opens the same menu (as in other messengers).
    text = page.get_by_test_id("message").last.get_by_test_id("message-body")
    box = text.bounding_box()
    touch = {"pointerType": "touch", "isPrimary": True, "pointerId": 7, "bubbles": True,
             "clientX": box["x"] + 5, "clientY": box["y"] + 5}
    text.dispatch_event("pointerdown", touch)
    expect(page.get_by_test_id("message-menu")).to_be_visible()
    text.dispatch_event("pointerup", touch)
    expect(page.get_by_test_id("message-reply")).to_be_visible()
    page.keyboard.press("Escape")
    page.context.close()


def test_the_chat_looks_right_on_a_laptop(browser: Any, server: LiveServer) -> None:
    page = open_as(browser, server, CLASS_TEACHER, viewport=DESKTOP)
    open_chat(page, CLASS_CHAT)
    expect(page.get_by_test_id("composer-input")).to_be_visible()
    expect(page.get_by_test_id("chat-settings")).to_be_visible()  # the owner manages the chat
    shot(page, "chat-1366")
    page.context.close()


def test_a_resync_refetches_the_list_and_the_open_chat_once(browser: Any, server: LiveServer) -> None:
    """The server cannot fill a gap (here: a socket told so by a stand-in for the server): the
    dispatcher tells every store once, and the list and the open chat are each fetched once."""
    page = new_page(browser, server, viewport=DESKTOP)
    sockets: list[Any] = []
    last_id = {"value": 0}

    def relay(ws: Any) -> None:
        upstream = ws.connect_to_server()

        def from_server(message: Any) -> None:
            try:
                event = json.loads(message)
            except (TypeError, ValueError):
                event = {}
            for key in ("id", "last_id"):
                if isinstance(event.get(key), int):
                    last_id["value"] = max(last_id["value"], event[key])
            ws.send(message)

        upstream.on_message(from_server)
        ws.on_message(lambda message: upstream.send(message))
        sockets.append(ws)

    page.route_web_socket(re.compile(r".*/api/v1/events.*"), relay)
    page.goto("/chats")
    sign_in(page, server, CLASS_TEACHER)
    page.get_by_test_id("chat-list").wait_for()
    chat_id = open_chat(page, CLASS_CHAT)
    expect(page.get_by_test_id("connection-status")).to_be_hidden()
    page.wait_for_timeout(1500)  # the first connection's own catch-up is over
    assert sockets, "the page never opened the event stream"

    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url.split("/api/v1", 1)[-1])
            if "/api/v1/" in r.url and r.method == "GET" else None)
    sockets[-1].send(json.dumps({"type": "resync_required", "reason": "gap",
                                 "last_id": last_id["value"]}))
    page.wait_for_timeout(2500)  # the list reloads after a short pause that merges bursts
    listed = [u for u in asked if re.fullmatch(r"/chats(\?org_id=\d+)?", u)]
    detail = [u for u in asked if u == f"/chats/{chat_id}"]
    caught_up = [u for u in asked if u.startswith(f"/chats/{chat_id}/messages?after_id=")]
    assert len(listed) == 1, asked
    assert len(detail) == 1, asked
    assert len(caught_up) == 1, asked
    # The page still works live afterwards.
    box = page.get_by_test_id("composer-input")
    box.fill("После пропуска")
    box.press("Enter")
    expect(page.get_by_test_id("message").filter(has_text="После пропуска")).to_have_count(1)
    page.context.close()


def test_a_parent_sees_no_composer_because_the_server_says_so(browser: Any, server: LiveServer) -> None:
    """The school channel is read-only for a parent. The page follows `capabilities.can_post`
    alone: told the parent owned the channel but may not post, it shows no composer; told they
    may post, it shows one (the server would still refuse — the flag is the server's to give)."""
    page = open_as(browser, server, PARENT, viewport=PHONE)
    channel = next(c for c in page.evaluate(
        "async () => (await (await fetch('/api/v1/chats')).json()).chats")
        if c["kind"] == "school_channel")
    assert channel["capabilities"]["can_post"] is False

    def answer_with(change: dict[str, Any]) -> Any:
        def handle(route: Any) -> None:
            response = route.fetch()
            body = response.json()
            body.update({k: v for k, v in change.items() if k != "capabilities"})
            body["capabilities"] = {**body["capabilities"], **change.get("capabilities", {})}
            route.fulfill(response=response, json=body)
        return handle

    detail = f"**/api/v1/chats/{channel['id']}"
    page.route(detail, answer_with({"my_role": "owner"}))
    page.goto(f"/chats/{channel['id']}")
    expect(page.get_by_test_id("chat-readonly")).to_be_visible()
    expect(page.get_by_test_id("composer-input")).to_have_count(0)
    expect(page.get_by_test_id("chat-settings")).to_have_count(0)
    page.unroute(detail)

    page.route(detail, answer_with({"capabilities": {"can_post": True}}))
    page.goto(f"/chats/{channel['id']}")
    expect(page.get_by_test_id("composer-input")).to_be_visible()
    expect(page.get_by_test_id("chat-readonly")).to_have_count(0)
    page.unroute(detail)

    page.goto(f"/chats/{channel['id']}")  # as the server really says
    expect(page.get_by_test_id("chat-readonly")).to_be_visible()
    expect(page.get_by_test_id("composer-input")).to_have_count(0)
    page.context.close()


def test_a_student_sees_the_pinned_message_and_no_unpin_button(
        browser: Any, server: LiveServer, people: Any) -> None:
    """The pinned bar as a member who may not unpin sees it: the message's text, nothing else
    (it once showed a literal «null» where the moderator's unpin button goes)."""
    teacher = people(CLASS_TEACHER)
    chat_id = next(c["id"] for c in teacher.get("/chats")["chats"] if c["title"] == CLASS_CHAT)
    posted = teacher.post(f"/chats/{chat_id}/messages", {"body": "Контрольная по математике переносится на среду"})
    teacher.post(f"/chats/{chat_id}/pins", {"message_id": posted["id"]})
    # Петя, not Маша: opening the chat reads it, and later tests count on Маша's unread badge.
    page = open_as(browser, server, PETYA, viewport=PHONE, has_touch=True)
    try:
        open_chat(page, CLASS_CHAT)
        bar = page.get_by_test_id("pinned-bar")
        expect(page.get_by_test_id("pinned-text")).to_have_text("Контрольная по математике переносится на среду")
        expect(page.get_by_test_id("pinned-unpin")).to_have_count(0)
        assert "null" not in bar.inner_text()
    finally:
        teacher.http.delete(f"/chats/{chat_id}/pins/{posted['id']}")  # the next tests' chat as it was
        page.context.close()


def test_the_keyboard_focus_is_plainly_visible(browser: Any, server: LiveServer) -> None:
    """The focus ring is a solid 3 px line of at least 3:1 contrast with the page (WCAG 1.4.11);
    it was 35 % opaque (issue 14)."""
    page = open_as(browser, server, CLASS_TEACHER, viewport=DESKTOP)
    try:
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        ring = page.evaluate("""() => {
          const el = document.activeElement, style = getComputedStyle(el);
          let bg = 'rgba(0, 0, 0, 0)';
          for (let n = el.parentElement; n && /rgba\\(.*, 0\\)|transparent/.test(bg); n = n.parentElement) {
            bg = getComputedStyle(n).backgroundColor;
          }
          return {tag: el.tagName, style: style.outlineStyle, width: style.outlineWidth,
                  color: style.outlineColor, bg};
        }""")
        assert ring["tag"] != "BODY" and ring["style"] == "solid" and ring["width"] == "3px", ring

        def rgb(text: str) -> tuple[float, ...]:
            parts = [float(x) for x in re.findall(r"[\d.]+", text)]
            assert len(parts) == 3 or parts[3] == 1, text  # opaque
            return tuple(parts[:3])

        def luminance(c: tuple[float, ...]) -> float:
            def lin(v: float) -> float:
                v /= 255
                return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
            r, g, b = (lin(v) for v in c)
            return 0.2126 * r + 0.7152 * g + 0.0722 * b

        fg, bg = luminance(rgb(ring["color"])), luminance(rgb(ring["bg"]))
        assert (max(fg, bg) + 0.05) / (min(fg, bg) + 0.05) >= 3, ring
    finally:
        page.context.close()
