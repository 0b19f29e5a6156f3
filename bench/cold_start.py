"""How long until a signed-in parent sees her chat list, in Debian's Chromium on loopback.

    .venv/bin/python bench/cold_start.py --runs 7

Starts the demo server (``tests.live.LiveServer``: a fresh SQLite file, the demo school), signs
Елена Иванова in once through the real form, then opens ``/chats`` with her cookies:

- cold: a new browser context each time — no HTTP cache, no service worker;
- warm: the same context again (its cache and service worker as a second visit has them).

For each it prints the median and worst time from the navigation to the first chat row on the
screen, and for the cold load how many script files, API calls and API calls made twice the
page needed. Issue 14's goal: ≤ 600 ms cold, ≤ 250 ms warm. Measures only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from harness import load_average
from playwright.sync_api import sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PARENT, sign_in
from tests.live import LiveServer

PHONE = {"width": 390, "height": 844}


def visit(context: Any, base: str) -> tuple[float, list[str]]:
    """Open /chats in ``context``; the milliseconds until a chat row shows, and the URLs
    fetched on the way."""
    page = context.new_page()
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url.removeprefix(base)))
    start = time.perf_counter()
    page.goto(f"{base}/chats", wait_until="commit")
    page.get_by_test_id("chat-item").first.wait_for(state="visible", timeout=30_000)
    took = (time.perf_counter() - start) * 1000
    page.close()
    return took, fetched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    server = LiveServer(Path(tempfile.mkdtemp(prefix="parta-bench-cold-")))
    server.start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            options = {"viewport": PHONE, "locale": "ru-RU", "has_touch": True, "is_mobile": True}
            first = browser.new_context(base_url=server.base_url, **options)
            page = first.new_page()
            page.goto("/signin")
            sign_in(page, server, PARENT)
            state = first.storage_state()
            first.close()

            cold: list[float] = []
            loads: list[list[str]] = []
            for _ in range(args.runs):
                context = browser.new_context(base_url=server.base_url, storage_state=state, **options)
                took, fetched = visit(context, server.base_url)
                cold.append(took)
                loads.append(fetched)
                context.close()
            warm: list[float] = []
            context = browser.new_context(base_url=server.base_url, storage_state=state, **options)
            visit(context, server.base_url)  # the first visit fills the cache
            for _ in range(args.runs):
                warm.append(visit(context, server.base_url)[0])
            context.close()
            browser.close()
    finally:
        server.stop()

    fetched = loads[-1]
    scripts = [u for u in fetched if u.endswith(".js")]
    api = [u for u in fetched if u.startswith("/api/") and "/events" not in u]
    twice = sorted(u for u, n in Counter(api).items() if n > 1)
    print(f"\nload average at the end: {load_average()}")
    print("| first chat row visible | median | worst | goal |")
    print("|---|---:|---:|---:|")
    print(f"| cold (new context) | {statistics.median(cold):.0f} ms | {max(cold):.0f} ms | ≤ 600 ms |")
    print(f"| warm (same context) | {statistics.median(warm):.0f} ms | {max(warm):.0f} ms | ≤ 250 ms |")
    print(f"\ncold load: {len(fetched)} requests, {len(scripts)} scripts, {len(api)} API calls"
          f"{'; twice: ' + ', '.join(twice) if twice else ''}")
    print("API calls in order: " + ", ".join(api))


if __name__ == "__main__":
    main()
