"""The real server as a subprocess (`python -m parta serve`) with the demo school.

The server runs in demo mode: its console SMS backend prints every sign-in code, and
`LiveServer.code_for(phone)` reads the newest one from the server's output.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMS_LINE = re.compile(r"\[sms\]\s+(\+\d{6,15})\b.*?\b(\d{6})\b")
MAIL_LINE = re.compile(r"^\[mail\]\s+(\S+@[^\s:]+)")
CODE = re.compile(r"\b(\d{6})\b")

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """`python -m parta serve` on a free loopback port with a fresh SQLite database."""

    def __init__(self, workdir: Path, database_url: str | None = None, redis_url: str = "",
                 seed: bool = True) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.seed = seed
        self.env = {
            **os.environ,
            "PARTA_DATABASE_URL": database_url or f"sqlite+aiosqlite:///{workdir / 'e2e.db'}",
            "PARTA_REDIS_URL": redis_url,
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
        if self.seed:
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
        deadline = time.monotonic() + 300  # a ceiling, not a stopwatch: a loaded machine starts slowly
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


