"""The real server in a subprocess with the demo school (tests/live.py), and Chromium.

The server runs in demo mode: its console SMS backend prints every sign-in code, and
`LiveServer.code_for(phone)` reads the newest one from the server's output.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.live import LiveServer

# A live update on a busy two-core machine (server, browser and tests share it) may take more
# than Playwright's default five seconds; waiting longer costs nothing when it comes sooner.
expect.set_options(timeout=15_000)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PARTA_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The demo people (see `python -m parta demo`).
OPERATOR = "+79000000000"
ADMIN = "+79000000001"
ADMIN_NAME = "Ирина Петровна Смирнова"
CLASS_TEACHER = "+79000000002"
CLASS_TEACHER_NAME = "Анна Сергеевна Волкова"
TEACHER = "+79000000003"
STUDENT = "+79000000011"
STUDENT_NAME = "Маша Иванова"
PARENT = "+79000000021"


@pytest.fixture(scope="session")
def server() -> Iterator[LiveServer]:
    with tempfile.TemporaryDirectory(prefix="parta-e2e-") as tmp:
        live = LiveServer(Path(tmp))
        try:
            live.start()
            yield live
        finally:
            live.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def new_page(browser: Any, server: LiveServer, **options: Any) -> Any:
    """A fresh browser context (its own cookies) and a page in it."""
    options.setdefault("viewport", {"width": 1280, "height": 860})
    options.setdefault("locale", "ru-RU")
    context = browser.new_context(base_url=server.base_url, **options)
    context.set_default_timeout(15_000)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base_url)
    return context.new_page()


@pytest.fixture
def page(browser: Any, server: LiveServer) -> Iterator[Any]:
    p = new_page(browser, server)
    yield p
    p.context.close()


def sign_in(page: Any, server: LiveServer, phone: str) -> None:
    """Sign in through the real form: phone, the code from the server's console, done.

    The page has already been sent to a path that needs signing in (or to /signin).
    """
    if page.url == "about:blank":
        page.goto("/signin")
    # An invite link opened signed out shows where it leads first, with a button to sign in.
    ready = page.get_by_test_id("phone-input").or_(page.get_by_test_id("join-sign-in"))
    ready.first.wait_for()
    if page.get_by_test_id("join-sign-in").count():
        page.get_by_test_id("join-sign-in").click()
    page.get_by_test_id("phone-input").fill(phone)
    for _ in range(3):
        page.get_by_test_id("get-code").click()
        sent = page.get_by_test_id("code-input").or_(page.get_by_test_id("phone-form-error"))
        sent.first.wait_for()
        if page.get_by_test_id("code-input").count():
            break
        page.wait_for_timeout(1200)  # a new code for the same phone waits PARTA_OTP_RESEND_SECONDS
    page.get_by_test_id("code-input").fill(server.code_for(phone))
    page.get_by_test_id("verify-code").click()
    page.get_by_test_id("signin").wait_for(state="detached")


@pytest.fixture(scope="session")
def admin_state(browser: Any, server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The organization administrator signed in once; tests open pages with this state."""
    page = new_page(browser, server)
    page.goto("/")
    sign_in(page, server, ADMIN)
    page.get_by_test_id("home").wait_for()
    path = str(tmp_path_factory.mktemp("state") / "admin.json")
    page.context.storage_state(path=path)
    page.context.close()
    return path


@pytest.fixture
def admin_page(browser: Any, server: LiveServer, admin_state: str) -> Iterator[Any]:
    p = new_page(browser, server, storage_state=admin_state)
    yield p
    p.context.close()


_WAITS = iter(range(1, 1 << 30))


def wait_for_async(page: Any, predicate: str, arg: Any = None, *, timeout: float = 30_000,
                   polling: int = 250) -> None:
    """Wait until ``predicate`` (a page function of ``arg`` that returns a Promise, such as a
    getStats() figure) resolves truthy. ``page.wait_for_function`` does not wait on a Promise:
    the Promise itself is truthy, so it returns at once and checks nothing. Here the page runs
    the predicate every ``polling`` ms (one at a time) and the wait reads its last answer."""
    key = f"__partaWait{next(_WAITS)}"
    page.evaluate(f"""(arg) => {{
      const check = {predicate};
      let busy = false;
      window.{key} = false;
      window.{key}Timer = setInterval(() => {{
        if (busy || window.{key}) return;
        busy = true;
        Promise.resolve().then(() => check(arg)).then((ok) => {{ if (ok) window.{key} = true; }},
          () => {{}}).finally(() => {{ busy = false; }});
      }}, {polling});
    }}""", arg)
    try:
        page.wait_for_function(f"() => window.{key} === true", timeout=timeout)
    finally:
        page.evaluate(f"() => clearInterval(window.{key}Timer)")


def shot(page: Any, name: str) -> None:
    """Keep a screenshot in /tmp when PARTA_E2E_SCREENSHOTS is set (for looking at the design)."""
    if os.environ.get("PARTA_E2E_SCREENSHOTS"):
        page.wait_for_timeout(300)  # let transitions (the phone menu) settle
        page.screenshot(path=f"/tmp/parta-{name}.png", full_page=True)


class Api:
    """One person over the HTTP API, for setting a scene quickly."""

    def __init__(self, live: LiveServer, phone: str) -> None:
        self.http = httpx.Client(base_url=f"{live.base_url}/api/v1", timeout=15)
        for _ in range(3):  # a new code for the same phone waits PARTA_OTP_RESEND_SECONDS
            if self.http.post("/auth/code", json={"phone": phone}).status_code < 300:
                break
            time.sleep(1.2)
        answer = self.http.post("/auth/verify", json={
            "phone": phone, "code": live.code_for(phone), "client": "api", "device": "e2e"})
        assert answer.status_code == 200, answer.text
        self.http.headers["Authorization"] = f"Bearer {answer.json()['token']}"
        self.me = self.get("/me")

    @property
    def org_id(self) -> int:
        return int(self.me["memberships"][0]["org"]["id"])

    def get(self, path: str) -> Any:
        r = self.http.get(path)
        assert r.status_code < 300, r.text
        return r.json()

    def post(self, path: str, body: dict[str, Any] | None = None, files: Any = None) -> Any:
        r = self.http.post(path, files=files) if files else self.http.post(path, json=body or {})
        assert r.status_code < 300, r.text
        return r.json()

    def put(self, path: str, body: dict[str, Any]) -> Any:
        r = self.http.put(path, json=body)
        assert r.status_code < 300, r.text
        return r.json()


@pytest.fixture(scope="module")
def people(server: LiveServer) -> Iterator[Callable[[str], Api]]:
    known: dict[str, Api] = {}

    def person(phone: str) -> Api:
        if phone not in known:
            known[phone] = Api(server, phone)
        return known[phone]

    yield person
    for api in known.values():
        api.http.close()


@pytest.fixture(scope="module")
def states(browser: Any, server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], str]:
    """Each person signs in through the form once; their pages open from the saved state."""
    saved: dict[str, str] = {}

    def state(phone: str) -> str:
        if phone not in saved:
            page = new_page(browser, server)
            page.goto("/chats")
            sign_in(page, server, phone)
            page.get_by_test_id("chat-list").wait_for()
            path = str(tmp_path_factory.mktemp("states") / f"{phone[1:]}.json")
            page.context.storage_state(path=path)
            page.context.close()
            saved[phone] = path
        return saved[phone]

    return state


PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 800}
SCHOOL_ZONE = "Europe/Moscow"  # the demo school's time zone


@pytest.fixture
def open_page(browser: Any, server: LiveServer, states: Callable[[str], str]) -> Iterator[Callable[..., Any]]:
    """``open_page(phone, path, viewport=PHONE, **options)``: a page signed in as ``phone`` at
    ``path``, its clock in the school's zone; a phone-sized one has touch and is mobile. Every
    page is closed after the test."""
    pages: list[Any] = []

    def open_(phone: str, path: str, viewport: dict[str, int] = PHONE, **options: Any) -> Any:
        mobile = viewport["width"] < 600
        options = {"timezone_id": SCHOOL_ZONE, "has_touch": mobile, "is_mobile": mobile, **options}
        page = new_page(browser, server, storage_state=states(phone), viewport=viewport, **options)
        pages.append(page)
        page.goto(path)
        return page

    yield open_
    for page in pages:
        page.context.close()


def parents_chat(people: Callable[[str], Api], title: str) -> int:
    """A parents' chat of 5А of Анна's, which Елена joined."""
    anna = people(CLASS_TEACHER)
    group = next(g for g in anna.get(f"/orgs/{anna.org_id}/groups")["groups"] if g["name"] == "5А")
    chat = anna.post(f"/orgs/{anna.org_id}/chats", {
        "kind": "parents", "title": title, "group_id": group["id"], "invite_group": True})
    people(PARENT).post(f"/chats/{chat['id']}/join", {"accept_rules": True})
    return int(chat["id"])
