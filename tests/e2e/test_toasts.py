"""Toasts never lie over a control (issue 14): «Скопировано» on the invites page does not cover
the copy button, and a toast shown in a chat does not cover the composer or its send button —
on a phone (390×844) and a computer (1366×800)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, CLASS_TEACHER, LiveServer, new_page, shot, sign_in

pytestmark = pytest.mark.e2e

SIZES = [{"width": 390, "height": 844}, {"width": 1366, "height": 800}]


def apart(a: dict[str, float] | None, b: dict[str, float] | None) -> bool:
    assert a and b
    return (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
            or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def toast_box(page: Any) -> dict[str, float] | None:
    toast = page.get_by_test_id("toast").last
    expect(toast).to_be_visible()
    return toast.bounding_box()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s['width']}")
def test_the_copied_toast_leaves_the_copy_button_and_the_composer_free(
        browser: Any, server: LiveServer, size: dict[str, int]) -> None:
    touch = size["width"] < 600
    admin = new_page(browser, server, viewport=size, has_touch=touch)
    admin.goto("/admin/invites")
    sign_in(admin, server, ADMIN)
    admin.get_by_test_id("invite-role").select_option("teacher")
    admin.get_by_test_id("invite-label").fill(f"Для коллеги {size['width']}")
    admin.get_by_test_id("invite-create").click()
    copy = admin.get_by_test_id("new-invite-url-copy")
    copy.scroll_into_view_if_needed()
    copy.click()
    assert apart(toast_box(admin), copy.bounding_box())
    shot(admin, f"toast-invite-{size['width']}")
    admin.context.close()

    teacher = new_page(browser, server, viewport=size, has_touch=touch)
    teacher.goto("/chats")
    sign_in(teacher, server, CLASS_TEACHER)
    named = teacher.get_by_test_id("chat-title").get_by_text("5А — класс", exact=True)
    teacher.get_by_test_id("chat-item").filter(has=named).click()
    send = teacher.get_by_test_id("composer-send")
    expect(send).to_be_visible()
    # The app's own toast function (the same module the views use), as after any action.
    teacher.evaluate("""async () => (await import(new URL('ui.js', [...document.scripts].find((s) => s.type === 'module').src).href)).toast('Ссылка скопирована')""")
    box = toast_box(teacher)
    assert apart(box, send.bounding_box())
    assert apart(box, teacher.get_by_test_id("composer-input").bounding_box())
    assert apart(box, teacher.get_by_test_id("composer-attach").bounding_box())
    shot(teacher, f"toast-chat-{size['width']}")
    teacher.context.close()
