"""Signing in by phone and one-time code (R10), sessions and sign-out (R18)."""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from sqlalchemy import func, select, update

from parta.db import utcnow
from parta.models import AuthSession, LoginCode, User
from parta.services.sms import HttpSms, SmsFailed
from tests.conftest import PHONES, World, error_code

NEW_PHONE = "+79001234567"


async def _count(world: World, model: Any) -> int:
    async with world.services.sessionmaker() as db:
        return (await db.execute(select(func.count()).select_from(model))).scalar_one()


async def test_a_new_person_signs_up_with_their_phone(world: World) -> None:
    c = world.client()
    r = await c.post("/api/v1/auth/code", json={"phone": "8 (900) 123-45-67"})
    assert r.status_code == 200
    assert r.json()["channel"] == "sms"
    assert r.json()["masked_destination"] == "+7 ••• ••• 45 67"
    code = world.sms.last_code(NEW_PHONE)
    r = await c.post("/api/v1/auth/verify", json={"phone": NEW_PHONE, "code": code, "client": "api"})
    assert r.status_code == 200
    body = r.json()
    assert body["user"]["needs_name"] is True and body["user"]["memberships"] == []
    c.headers["Authorization"] = f"Bearer {body['token']}"
    r = await c.patch("/api/v1/me", json={"name": "Новый Учитель", "language": "en"})
    assert r.json()["name"] == "Новый Учитель" and r.json()["needs_name"] is False


async def test_codes_are_stored_only_as_hashes(world: World) -> None:
    await world.client().post("/api/v1/auth/code", json={"phone": PHONES["teacher"]})
    code = world.sms.last_code(PHONES["teacher"])
    async with world.services.sessionmaker() as db:
        row = (await db.execute(select(LoginCode))).scalar_one()
    assert code not in row.code_hash and len(row.code_hash) == 64


async def test_a_wrong_code_counts_tries_then_burns_the_code(world: World) -> None:
    c = world.client()
    phone = PHONES["teacher"]
    await c.post("/api/v1/auth/code", json={"phone": phone})
    right = world.sms.last_code(phone)
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        r = await c.post("/api/v1/auth/verify", json={"phone": phone, "code": wrong})
        assert r.status_code == 400 and error_code(r) == "code_invalid"
        assert r.json()["error"]["params"]["attempts_left"] == left
        assert str(left) in r.json()["error"]["message"]
    r = await c.post("/api/v1/auth/verify", json={"phone": phone, "code": wrong})
    assert error_code(r) == "code_attempts"
    r = await c.post("/api/v1/auth/verify", json={"phone": phone, "code": right, "client": "api"})
    assert error_code(r) == "code_expired"  # the burned code is gone even when right
    assert await _count(world, AuthSession) == 0


async def test_three_burned_codes_cool_the_phone_down(world: World) -> None:
    c = world.client()
    phone = PHONES["student"]
    for _ in range(3):
        await c.post("/api/v1/auth/code", json={"phone": phone})
        for _ in range(5):
            await c.post("/api/v1/auth/verify", json={"phone": phone, "code": "999999"})
    r = await c.post("/api/v1/auth/code", json={"phone": phone})
    assert r.status_code == 429 and error_code(r) == "cooldown"
    assert 0 < int(r.headers["Retry-After"]) <= 900


async def test_an_expired_code_is_refused(world: World) -> None:
    c = world.client()
    phone = PHONES["parent"]
    await c.post("/api/v1/auth/code", json={"phone": phone})
    async with world.services.sessionmaker() as db:
        await db.execute(update(LoginCode).values(expires_at=utcnow() - timedelta(seconds=1)))
        await db.commit()
    r = await c.post("/api/v1/auth/verify", json={"phone": phone, "code": world.sms.last_code(phone)})
    assert r.status_code == 400 and error_code(r) == "code_expired"


async def test_resending_too_soon_is_rate_limited(world: World) -> None:
    world.services.settings.otp_resend_seconds = 60
    c = world.client()
    assert (await c.post("/api/v1/auth/code", json={"phone": NEW_PHONE})).status_code == 200
    r = await c.post("/api/v1/auth/code", json={"phone": NEW_PHONE})
    assert r.status_code == 429 and error_code(r) == "rate_limited"
    assert 50 <= int(r.headers["Retry-After"]) <= 61
    assert len(world.sms.sent) == 1 and await _count(world, LoginCode) == 1


async def test_codes_per_phone_and_per_address_are_limited(world: World) -> None:
    c = world.client()
    for _ in range(5):
        assert (await c.post("/api/v1/auth/code", json={"phone": NEW_PHONE})).status_code == 200
    r = await c.post("/api/v1/auth/code", json={"phone": NEW_PHONE})
    assert error_code(r) == "rate_limited"
    world.services.settings.otp_per_ip_per_hour = 7
    await c.post("/api/v1/auth/code", json={"phone": "+79001234568"})
    await c.post("/api/v1/auth/code", json={"phone": "+79001234569"})
    r = await c.post("/api/v1/auth/code", json={"phone": "+79001234570"})
    assert r.status_code == 429 and error_code(r) == "rate_limited"


@pytest.mark.parametrize("phone", ["12345", "+7 495 123-45-67", "", "телефон", "+7" + "9" * 30])
async def test_a_bad_phone_gets_a_clear_error_and_nothing_is_stored(world: World, phone: str) -> None:
    r = await world.client().post("/api/v1/auth/code", json={"phone": phone})
    assert r.status_code == 422
    assert error_code(r) in ("invalid_phone", "validation_failed")
    assert "phone" in r.json()["error"]["fields"]
    assert await _count(world, LoginCode) == 0 and world.sms.sent == []


async def test_malformed_bodies_are_refused(world: World) -> None:
    c = world.client()
    r = await c.post("/api/v1/auth/code", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    r = await c.post("/api/v1/auth/code", json={"phone": NEW_PHONE, "extra": 1})
    assert r.status_code == 422 and "extra" in r.json()["error"]["fields"]
    r = await c.post("/api/v1/auth/verify", json={"phone": NEW_PHONE, "code": "12ab56"})
    assert r.status_code == 422
    r = await c.post("/api/v1/auth/code", content=b"x" * (2 * 1024 * 1024),
                     headers={"content-type": "application/json"})
    assert r.status_code == 413 and error_code(r) == "too_large"


async def test_errors_speak_the_callers_language(world: World) -> None:
    r = await world.client().post("/api/v1/auth/code", json={"phone": "1"},
                                  headers={"Accept-Language": "en-US,en;q=0.9"})
    assert r.json()["error"]["message"].startswith("Enter a mobile phone number")
    r = await world.client().post("/api/v1/auth/code", json={"phone": "1"})
    assert r.json()["error"]["message"].startswith("Введите номер")


async def test_the_web_session_is_a_cookie_guarded_against_csrf(world: World) -> None:
    c = world.client()
    phone = PHONES["teacher"]
    await c.post("/api/v1/auth/code", json={"phone": phone})
    r = await c.post("/api/v1/auth/verify",
                     json={"phone": phone, "code": world.sms.last_code(phone), "client": "web"})
    assert r.json()["token"] is None
    cookies = r.headers.get_list("set-cookie")
    session_cookie = next(h for h in cookies if h.startswith("parta_session="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    assert (await c.get("/api/v1/me")).status_code == 200
    r = await c.patch("/api/v1/me", json={"name": "Взлом"})
    assert r.status_code == 403 and error_code(r) == "csrf_failed"
    r = await c.patch("/api/v1/me", json={"name": "Взлом"}, headers={"X-CSRF-Token": "nope"})
    assert r.status_code == 403
    assert (await c.get("/api/v1/me")).json()["name"] == "Анна Сергеевна Волкова"
    r = await c.patch("/api/v1/me", json={"name": "Анна Волкова"},
                      headers={"X-CSRF-Token": c.cookies["parta_csrf"]})
    assert r.status_code == 200 and r.json()["name"] == "Анна Волкова"


async def test_a_person_sees_and_ends_their_sessions(world: World) -> None:
    phone = PHONES["parent"]
    phone_app = await world.sign_in(phone)
    laptop = await world.sign_in(phone)
    tablet = await world.sign_in(phone)
    sessions = (await laptop.get("/api/v1/me/sessions")).json()["sessions"]
    assert len(sessions) == 3 and sum(s["current"] for s in sessions) == 1
    current = next(s["id"] for s in sessions if s["current"])
    other = next(s["id"] for s in sessions if not s["current"])
    assert (await laptop.delete(f"/api/v1/me/sessions/{other}")).status_code == 200
    assert (await laptop.delete(f"/api/v1/me/sessions/{other}")).status_code == 404
    r = await laptop.post("/api/v1/me/sessions/end-others")
    assert r.json()["ended"] == 1
    alive = [(await c.get("/api/v1/me")).status_code for c in (phone_app, tablet)]
    assert alive == [401, 401]
    assert (await laptop.get("/api/v1/me")).status_code == 200
    assert [s["id"] for s in (await laptop.get("/api/v1/me/sessions")).json()["sessions"]] == [current]
    assert len(world.events_of("session.ended")) == 2


async def test_someone_elses_session_cannot_be_ended(world: World) -> None:
    teacher = await world.as_("teacher")
    parent = await world.as_("parent")
    theirs = (await parent.get("/api/v1/me/sessions")).json()["sessions"][0]["id"]
    r = await teacher.delete(f"/api/v1/me/sessions/{theirs}")
    assert r.status_code == 404
    assert (await parent.get("/api/v1/me")).status_code == 200


async def test_sign_out_ends_the_session(world: World) -> None:
    c = await world.as_("student")
    assert (await c.post("/api/v1/auth/logout")).status_code == 200
    r = await c.get("/api/v1/me")
    assert r.status_code == 401 and error_code(r) == "not_authenticated"


async def test_a_bearer_token_cannot_be_used_as_a_cookie(world: World) -> None:
    c = await world.as_("student")
    token = c.headers["Authorization"].split()[1]
    other = world.client()
    other.cookies.set("parta_session", token)
    assert (await other.get("/api/v1/me")).status_code == 401


async def test_a_primary_school_student_gets_the_code_by_a_parents_email(world: World) -> None:
    """Over a real SMTP server on loopback (R10)."""
    from aiosmtpd.controller import Controller

    from parta.services.mail import SmtpMail

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = world.services.settings
        settings.smtp_host, settings.smtp_port = "127.0.0.1", port
        world.services.mail = SmtpMail(settings)
        c = world.client()
        r = await c.post("/api/v1/auth/code", json={"phone": PHONES["little"], "channel": "parent_email"})
        assert r.status_code == 200, r.text
        assert r.json()["channel"] == "email" and "@" not in r.json()["masked_destination"]
        assert world.sms.sent == []
        for _ in range(200):  # the letter goes out after the answer
            if received:
                break
            await asyncio.sleep(0.02)
        assert len(received) == 1 and received[0].rcpt_tos == ["elena.ivanova@example.com"]
        import email
        import re

        msg = email.message_from_bytes(received[0].content)
        code = re.search(r"\b(\d{6})\b", msg.get_payload(decode=True).decode()).group(1)  # type: ignore[union-attr]
        r = await c.post("/api/v1/auth/verify",
                         json={"phone": PHONES["little"], "code": code, "client": "api"})
        assert r.status_code == 200 and r.json()["user"]["name"] == "Ваня Иванов"
    finally:
        controller.stop()


async def _parent_email_answer(world: World, phone: str) -> tuple[int, dict[str, Any]]:
    r = await world.client().post("/api/v1/auth/code",
                                  json={"phone": phone, "channel": "parent_email"})
    return r.status_code, r.json()


async def _mail_settles() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_asking_for_a_parents_email_code_tells_nothing_about_the_phone(
        world: World) -> None:
    """Whoever types a phone learns nothing of whose it is: a young pupil's with a parent's
    e-mail, an older student's, a parent's, or nobody's get one and the same answer."""
    pupil = await _parent_email_answer(world, PHONES["little"])
    await _mail_settles()
    assert [to for to, _, _ in world.mail.sent] == ["elena.ivanova@example.com"]
    for phone in (PHONES["student"], PHONES["parent"], NEW_PHONE):
        assert await _parent_email_answer(world, phone) == pupil, phone
    await _mail_settles()
    assert len(world.mail.sent) == 1  # the letter went only where it applies
    assert pupil[0] == 200 and pupil[1]["channel"] == "email"
    assert "@" not in pupil[1]["masked_destination"] and "example" not in str(pupil[1])
    assert world.sms.sent == []
    assert await _count(world, LoginCode) == 4  # each counts towards the limits alike


async def test_the_parent_email_answers_bytes_and_headers_are_alike_for_every_phone(
        world: World) -> None:
    """Not only the JSON: the status, the body's bytes and every header but the clock's and
    the request's own id are the same for a young pupil's phone and anyone else's."""
    varying = {"date", "x-request-id"}

    async def answer(phone: str) -> tuple[int, bytes, dict[str, str]]:
        r = await world.client().post("/api/v1/auth/code",
                                      json={"phone": phone, "channel": "parent_email"})
        return r.status_code, r.content, {k: v for k, v in r.headers.items() if k not in varying}

    pupil = await answer(PHONES["little"])
    for phone in (PHONES["student"], PHONES["parent"], NEW_PHONE):
        assert await answer(phone) == pupil, phone
    await _mail_settles()


async def test_an_older_students_parent_email_code_cannot_be_guessed_into_a_sign_in(
        world: World) -> None:
    c = world.client()
    await c.post("/api/v1/auth/code", json={"phone": PHONES["student"], "channel": "parent_email"})
    r = await c.post("/api/v1/auth/verify",
                     json={"phone": PHONES["student"], "code": "000000", "client": "api"})
    assert r.status_code == 400 and error_code(r) == "code_invalid"


async def test_an_unreachable_mail_server_is_logged_not_answered(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    """A failing mail server would otherwise tell that there was a parent to write to."""
    from parta.services.mail import SmtpMail

    settings = world.services.settings
    settings.smtp_host, settings.smtp_port = "127.0.0.1", 1  # nothing listens there
    world.services.mail = SmtpMail(settings)
    status, body = await _parent_email_answer(world, PHONES["little"])
    assert (status, body) == await _parent_email_answer(world, NEW_PHONE)
    assert status == 200
    for _ in range(200):
        if "delivery failed" in caplog.text:
            break
        await asyncio.sleep(0.02)
    assert "parent e-mail code delivery failed" in caplog.text


class _Gateway(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Gateway.received.append({"path": self.path, "json": json.loads(body),
                                  "auth": self.headers.get("Authorization")})
        self.send_response(_Gateway.status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


async def test_the_http_sms_gateway_gets_the_message() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        sms = HttpSms(f"http://127.0.0.1:{port}/send?to={{phone}}", "POST", token="s3cret")
        await sms.send("+79001234567", "Код: 123456")
        got = _Gateway.received[-1]
        assert got["path"] == "/send?to=%2B79001234567"
        assert got["json"] == {"phone": "+79001234567", "text": "Код: 123456"}
        assert got["auth"] == "Bearer s3cret"
        _Gateway.status = 500
        with pytest.raises(SmsFailed):
            await sms.send("+79001234567", "x")
    finally:
        _Gateway.status = 200
        server.shutdown()


async def test_a_user_is_activated_on_first_sign_in(world: World) -> None:
    await world.as_("math_teacher")
    async with world.services.sessionmaker() as db:
        user = (await db.execute(select(User).where(User.phone == PHONES["math_teacher"]))).scalar_one()
    assert user.activated_at is not None
