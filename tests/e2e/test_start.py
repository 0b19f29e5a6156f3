"""A parent's cold start on a phone (issue 14): the chat list is fetched once — the event
socket's hello finds it already at the stream's head (its `event_id`) — and beside the
organization's answer, not after it; the shell's files come by versioned, immutable URLs."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PARENT, new_page
from tests.live import LiveServer

pytestmark = pytest.mark.e2e


def test_a_fresh_start_fetches_the_chat_list_once_beside_the_organization(
        browser: Any, server: LiveServer, states: Callable[[str], str]) -> None:
    page = new_page(browser, server, storage_state=states(PARENT),
                    viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        log: list[tuple[str, str]] = []  # (what happened, path)
        frames: list[str] = []
        page.on("request", lambda r: log.append(("asked", r.url.removeprefix(server.base_url))))
        page.on("requestfinished", lambda r: log.append(("got", r.url.removeprefix(server.base_url))))
        page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
        with page.expect_websocket(lambda ws: "/api/v1/events" in ws.url) as opened:
            page.goto("/chats")
        expect(page.get_by_test_id("chat-item").first).to_be_visible()
        if not any('"type":"hello"' in f for f in frames):
            opened.value.wait_for_event("framereceived", lambda f: '"type":"hello"' in str(f))
        # Whatever the hello made the page fetch has been asked for once the network is idle
        # (a store's refetch waits 300 ms; idle is 500 ms without a request).
        page.wait_for_load_state("networkidle")
        asked = [p for what, p in log if what == "asked"]
        chats = [p for p in asked if re.fullmatch(r"/api/v1/chats(\?.*)?", p)]
        assert len(chats) == 1, asked
        # The list was asked for before the organization's answer came.
        org = next(p for p in asked if re.fullmatch(r"/api/v1/orgs/\d+", p))
        assert log.index(("asked", chats[0])) < log.index(("got", org)), log
        # The shell's files by this version's URLs.
        scripts = [p for p in asked if p.endswith(".js") and p != "/sw.js"]
        assert scripts and all(p.startswith("/static/v/") for p in scripts), scripts
    finally:
        page.context.close()
