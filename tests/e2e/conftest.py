"""The real server in a subprocess with the demo school, and Chromium to click through it.

The server runs in demo mode: its console SMS backend prints every sign-in code, and
`LiveServer.code_for(phone)` reads the newest one from the server's output.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
SMS_LINE = re.compile(r"\[sms\]\s+(\+\d{6,15})\b.*?\b(\d{6})\b")
MAIL_LINE = re.compile(r"^\[mail\]\s+(\S+@[^\s:]+)")
CODE = re.compile(r"\b(\d{6})\b")

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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """`python -m parta serve` on a free loopback port with a fresh SQLite database."""

    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PARTA_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'e2e.db'}",
            "PARTA_MODE": "demo",
            "PARTA_BASE_URL": self.base_url,
            "PARTA_PORT": str(self.port),
            "PARTA_LOG_JSON": "false",
            # Every test signs in from the same address; the limits are tested elsewhere.
            "PARTA_OTP_PER_PHONE_PER_HOUR": "1000",
            "PARTA_OTP_PER_IP_PER_HOUR": "1000",
            "PARTA_OTP_RESEND_SECONDS": "1",
        }
        self.output: list[str] = []
        self._codes: list[tuple[int, str, str]] = []  # (sequence, phone or e-mail, code)
        self._mail_to = ""  # the recipient of the console e-mail being printed
        self._taken: dict[str, int] = {}
        self._lock = threading.Condition()
        self.process: subprocess.Popen[str] | None = None

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "parta", *args],
            check=False,
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"parta {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        self._run("migrate")
        self._run("demo")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "parta", "serve"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the server stopped:\n" + "".join(self.output[-50:]))
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not answer /healthz:\n" + "".join(self.output[-50:]))

    def _read(self) -> None:
        assert self.process and self.process.stdout
        for line in self.process.stdout:
            with self._lock:
                self.output.append(line)
                found = SMS_LINE.search(line)
                mail = MAIL_LINE.search(line)
                if found:
                    self._codes.append((len(self._codes), found.group(1), found.group(2)))
                elif mail:
                    self._mail_to = mail.group(1)
                elif self._mail_to and CODE.search(line):
                    code = CODE.search(line)
                    assert code
                    self._codes.append((len(self._codes), self._mail_to, code.group(1)))
                    self._mail_to = ""
                self._lock.notify_all()

    def code_for(self, phone: str, timeout: float = 15) -> str:
        """The newest code sent to `phone` (or e-mailed to an address) not returned before."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                fresh = [
                    c for c in self._codes if c[1] == phone and c[0] > self._taken.get(phone, -1)
                ]
                if fresh:
                    seq, _, code = fresh[-1]
                    self._taken[phone] = seq
                    return code
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no sign-in code for {phone} in the server's output")
                self._lock.wait(left)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


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


def shot(page: Any, name: str) -> None:
    """Keep a screenshot in /tmp when PARTA_E2E_SCREENSHOTS is set (for looking at the design)."""
    if os.environ.get("PARTA_E2E_SCREENSHOTS"):
        page.wait_for_timeout(300)  # let transitions (the phone menu) settle
        page.screenshot(path=f"/tmp/parta-{name}.png", full_page=True)
