"""The e-mail digest (issue 14): a parent who has not opened the app hears by e-mail of what
matters — once, at a decent hour, never of a muted chat, never of what they already read.

A real SMTP server (``aiosmtpd``) listens on loopback; the letters are read back from it. The
digest's clock is a parameter: each pass is run at a moment the test chooses (the messages are
written at the real time, so the moments are «now and so many minutes»).
"""

from __future__ import annotations

import asyncio
import email
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from parta.actions.digest import run_digests
from parta.db import utcnow
from parta.models import AuthSession, EmailDigest, User
from parta.realtime.gateway import Connection
from parta.services.mail import SmtpMail
from tests.api.test_chats import joined, make_class_chat
from tests.conftest import World, error_code
from tests.helpers import API, groups_of

ELENA = "elena@example.com"
RULES = "Пишем по делу, вежливо."


@dataclass
class MailServer:
    """What the SMTP server on loopback was given."""

    received: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope)
        return "250 OK"

    def letters(self, to: str = ELENA, digests: bool = False) -> list[EmailMessage]:
        found = []
        for env in self.received:
            if to in env.rcpt_tos:
                msg = email.message_from_bytes(env.content, policy=default_policy)
                assert isinstance(msg, EmailMessage)
                if not digests or msg["Auto-Submitted"]:
                    found.append(msg)
        return found

    def digests(self, to: str = ELENA) -> list[EmailMessage]:
        return self.letters(to, digests=True)


@pytest_asyncio.fixture
async def smtp(world: World) -> AsyncIterator[MailServer]:
    server = MailServer()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    settings = world.services.settings
    settings.smtp_host, settings.smtp_port = "127.0.0.1", port
    world.services.mail = SmtpMail(settings)
    world.services.mail.server = server  # type: ignore[attr-defined]  # for confirm_email
    yield server
    controller.stop()


def minutes(n: float) -> datetime:
    return utcnow() + timedelta(minutes=n)


async def digests(world: World, at: datetime) -> int:
    return await run_digests(world.services, now=at, live=world.app.state.hub.live)


async def confirm_email(world: World, client: httpx.AsyncClient, address: str) -> None:
    """The person types their address and enters back the code the mail server got."""
    r = await client.patch(f"{API}/me", json={"email": address})
    assert r.status_code == 200 and r.json()["email_confirmed"] is False
    r = await client.post(f"{API}/me/email/code")
    assert r.status_code == 202, r.text
    server: MailServer = world.services.mail.server  # type: ignore[attr-defined]
    code = re.search(r"\b(\d{6})\b", str(parts(server.letters(address)[-1])[0]))
    assert code is not None
    r = await client.post(f"{API}/me/email/confirm", json={"code": code.group(1)})
    assert r.status_code == 200 and r.json()["email_confirmed"] is True, r.text


async def away(world: World, key: str) -> None:
    """The person closed the app an hour ago and has not been back since."""
    uid = await world.user_id(key)
    async with world.services.sessionmaker() as db:
        await db.execute(update(AuthSession).where(AuthSession.user_id == uid).values(
            last_seen_at=utcnow() - timedelta(hours=1)))
        await db.commit()


async def parents_chat(world: World) -> tuple[httpx.AsyncClient, int]:
    anna = await world.as_("teacher")
    groups = await groups_of(anna, world.org_id)
    r = await anna.post(f"{API}/orgs/{world.org_id}/chats", json={
        "kind": "parents", "title": "5А — родители", "rules": RULES,
        "group_id": groups["5А"]["id"], "invite_group": True})
    assert r.status_code == 201, r.text
    return anna, int(r.json()["id"])


async def elena_ready(world: World, **settings: Any) -> httpx.AsyncClient:
    """Елена Иванова, with a confirmed e-mail, no quiet hours unless the test says."""
    elena = await world.as_("parent")
    await confirm_email(world, elena, ELENA)
    r = await elena.put(f"{API}/notifications/settings", json={"quiet_enabled": False, **settings})
    assert r.status_code == 200, r.text
    return elena


async def direct_to_elena(world: World, anna: httpx.AsyncClient) -> int:
    r = await anna.post(f"{API}/orgs/{world.org_id}/direct",
                        json={"user_id": await world.user_id("parent")})
    assert r.status_code == 200, r.text
    return int(r.json()["id"])


async def say(client: httpx.AsyncClient, chat_id: int, body: str, **extra: Any) -> dict[str, Any]:
    r = await client.post(f"{API}/chats/{chat_id}/messages", json={"body": body, **extra})
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def parts(letter: EmailMessage) -> tuple[str, str]:
    """The plain text and the HTML (empty for a letter of plain text only)."""
    plain = letter.get_body(("plain",))
    rich = letter.get_body(("html",))
    assert plain is not None
    return str(plain.get_content()), str(rich.get_content()) if rich is not None else ""


async def test_a_parent_away_from_the_app_gets_one_letter_of_what_matters(
        world: World, smtp: MailServer) -> None:
    anna, parents = await parents_chat(world)
    elena = await elena_ready(world)
    assert (await elena.post(f"{API}/chats/{parents}/join",
                             json={"accept_rules": True})).status_code == 200
    question = await say(elena, parents, "Когда собрание?")
    irina = await world.as_("admin")
    school = next(c["id"] for c in (await irina.get(f"{API}/chats")).json()["chats"]
                  if c["kind"] == "school_channel")
    direct = await direct_to_elena(world, anna)
    await away(world, "parent")
    elena_id = await world.user_id("parent")
    await say(anna, parents, "Всем добрый вечер")  # to everyone: not mailed
    await say(anna, parents, f"@[Елена Иванова](u:{elena_id}), принесите справку")
    await say(anna, parents, "В четверг в 18:00", reply_to_id=question["id"])
    await say(anna, direct, "Зайдите, пожалуйста, <b>завтра</b> & не опаздывайте")
    await say(irina, school, "Завтра занятия отменены: карантин")

    assert await digests(world, minutes(10)) == 0  # not yet: half an hour unread first
    assert await digests(world, minutes(31)) == 1
    [letter] = smtp.digests()
    assert letter["To"] == ELENA and letter["Subject"] == "Парта: 4 непрочитанных сообщения"
    plain, rich = parts(letter)
    assert "Здравствуйте, Елена Иванова!" in plain
    assert ("5А — родители — 2 сообщения\n"
            "  • Вас упомянули — Анна Сергеевна Волкова: @Елена Иванова, принесите справку\n"
            "  • Ответ на ваше сообщение — Анна Сергеевна Волкова: В четверг в 18:00\n"
            f"  Открыть чат: http://parta.test/chats/{parents}\n") in plain
    assert ("Анна Сергеевна Волкова — 1 сообщение\n  • Личное сообщение — Анна Сергеевна Волкова: "
            "Зайдите, пожалуйста, <b>завтра</b> & не опаздывайте\n") in plain
    # The school channel has children in it: its notice is named, its text is not shown.
    assert ("Общешкольный канал — 1 сообщение\n  • Важное объявление школы\n  В чате есть дети"
            in plain and "карантин" not in plain + rich)
    assert f"http://parta.test/chats/{school}" in plain and f"/chats/{direct}" in plain
    assert "Всем добрый вечер" not in plain + rich
    assert "http://parta.test/profile#notifications" in plain
    # The HTML part says the same, every value escaped; nothing is fetched when it is opened.
    assert "&lt;b&gt;завтра&lt;/b&gt; &amp; не опаздывайте" in rich and "<b>завтра" not in rich
    assert f'<a href="http://parta.test/chats/{parents}">5А — родители</a>' in rich
    assert "<img" not in rich and "src=" not in rich
    assert letter["Auto-Submitted"] == "auto-generated"

    # Never twice for the same messages, however often the server looks.
    for later in (32, 90, 600):
        assert await digests(world, minutes(later)) == 0
    assert len(smtp.digests()) == 1
    # A new message is mailed on its own, after its own delay (and half an hour since the
    # last letter).
    world.services.settings.flood_burst_messages = 100
    await say(anna, direct, "Справку можно завтра")
    assert await digests(world, minutes(20)) == 0
    assert await digests(world, minutes(35)) == 0  # the first letter went 4 minutes ago
    assert await digests(world, minutes(62)) == 1
    second = smtp.digests()[1]
    assert second["Subject"] == "Парта: 1 непрочитанное сообщение"
    plain, _ = parts(second)
    assert "Справку можно завтра" in plain and "справку\n" not in plain and "карантин" not in plain


async def test_the_letter_waits_for_the_end_of_the_quiet_hours(
        world: World, smtp: MailServer) -> None:
    anna = await world.as_("teacher")
    at = minutes(31)
    local = at.astimezone(ZoneInfo("Asia/Yekaterinburg"))
    start, end = local - timedelta(hours=1), local + timedelta(hours=1)
    await elena_ready(world, quiet_enabled=True, quiet_start=start.strftime("%H:%M"),
                      quiet_end=end.strftime("%H:%M"), time_zone="Asia/Yekaterinburg")
    direct = await direct_to_elena(world, anna)
    await away(world, "parent")
    await say(anna, direct, "Позвоните, когда сможете")
    assert await digests(world, at) == 0
    assert await digests(world, at + timedelta(minutes=55)) == 0  # still quiet there
    assert smtp.digests() == []
    assert await digests(world, at + timedelta(minutes=61)) == 1  # the quiet hours are over
    [letter] = smtp.digests()
    assert "Позвоните, когда сможете" in parts(letter)[0]


async def test_a_muted_chat_is_not_mailed_but_a_mention_in_it_is(
        world: World, smtp: MailServer) -> None:
    anna, parents = await parents_chat(world)
    elena = await elena_ready(world)
    assert (await elena.post(f"{API}/chats/{parents}/join",
                             json={"accept_rules": True})).status_code == 200
    direct = await direct_to_elena(world, anna)
    for chat in (direct, parents):
        assert (await elena.put(f"{API}/chats/{chat}/mute")).json()["muted"] is True
    await away(world, "parent")
    await say(anna, direct, "Это можно не читать сразу")
    assert await digests(world, minutes(31)) == 0
    assert smtp.digests() == []
    elena_id = await world.user_id("parent")
    await say(anna, parents, f"@[Елена Иванова](u:{elena_id}), ответьте, пожалуйста")
    assert await digests(world, minutes(62)) == 1
    plain, _ = parts(smtp.digests()[0])
    assert "ответьте, пожалуйста" in plain and "Это можно не читать" not in plain


async def test_nothing_is_mailed_of_what_was_read_or_after_the_person_came_back(
        world: World, smtp: MailServer) -> None:
    anna = await world.as_("teacher")
    elena = await elena_ready(world)
    direct = await direct_to_elena(world, anna)
    await away(world, "parent")
    last = await say(anna, direct, "Собрание переносится")
    # She read it on another device (the read mark moved), and is away again.
    r = await elena.post(f"{API}/chats/{direct}/read", json={"message_id": last["id"]})
    assert r.status_code == 200
    await away(world, "parent")
    assert await digests(world, minutes(31)) == 0
    # A new one, and she opens the app (her chat list shows it unread): seen, not mailed.
    await say(anna, direct, "На пятницу")
    await asyncio.sleep(0.01)
    assert (await elena.get(f"{API}/chats")).status_code == 200
    assert await digests(world, minutes(31)) == 0
    assert smtp.digests() == []


async def test_a_child_chats_text_is_not_in_the_letter_without_previews(
        world: World, smtp: MailServer) -> None:
    """Anna is mentioned in 5А's class chat: the letter names the chat, not what was said."""
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    await confirm_email(world, anna, "anna@example.com")
    assert (await anna.put(f"{API}/notifications/settings",
                           json={"quiet_enabled": False})).status_code == 200
    await away(world, "teacher")
    anna_id = await world.user_id("teacher")
    await say(masha, chat["id"], f"@[Анна Сергеевна Волкова](u:{anna_id}), я заболела")
    assert await digests(world, minutes(31)) == 1
    [letter] = smtp.digests("anna@example.com")
    plain, rich = parts(letter)
    assert "заболела" not in plain + rich and "Маша" not in plain + rich
    assert "5А — класс — 1 сообщение\n  • Вас упомянули\n  В чате есть дети" in plain


async def test_no_letter_without_a_confirmed_address_or_with_the_digest_off(
        world: World, smtp: MailServer) -> None:
    anna = await world.as_("teacher")
    elena = await elena_ready(world, email_digest=False)
    direct = await direct_to_elena(world, anna)
    await away(world, "parent")
    await say(anna, direct, "Добрый день")
    assert await digests(world, minutes(31)) == 0
    # On again, but the address is not confirmed (she typed a new one).
    r = await elena.put(f"{API}/notifications/settings",
                        json={"quiet_enabled": False, "email_digest": True})
    assert r.json()["email_digest"] is True
    r = await elena.patch(f"{API}/me", json={"email": "elena.new@example.com"})
    assert r.json()["email_confirmed"] is False
    await away(world, "parent")
    assert await digests(world, minutes(31)) == 0
    assert smtp.digests() == [] and smtp.digests("elena.new@example.com") == []


async def test_an_open_socket_means_she_is_in_the_app(world: World, smtp: MailServer) -> None:
    anna = await world.as_("teacher")
    await elena_ready(world)
    direct = await direct_to_elena(world, anna)
    await away(world, "parent")

    async def send_text(text: str) -> None:
        pass

    conn = Connection(await world.user_id("parent"), send_text)
    world.app.state.hub.register(conn)
    await conn.go_live(0)
    await say(anna, direct, "Вы на связи?")
    assert await digests(world, minutes(31)) == 0
    world.app.state.hub.unregister(conn)
    assert await digests(world, minutes(31)) == 1


async def test_her_own_delay(world: World, smtp: MailServer) -> None:
    anna = await world.as_("teacher")
    await elena_ready(world, digest_delay_minutes=120)
    direct = await direct_to_elena(world, anna)
    await away(world, "parent")
    await say(anna, direct, "Не срочно")
    assert await digests(world, minutes(61)) == 0
    assert await digests(world, minutes(121)) == 1


async def test_two_passes_at_once_send_one_letter(world: World, smtp: MailServer) -> None:
    anna = await world.as_("teacher")
    await elena_ready(world)
    direct = await direct_to_elena(world, anna)
    await away(world, "parent")
    last = await say(anna, direct, "Одно письмо, не два")
    at = minutes(31)
    sent = await asyncio.gather(*(digests(world, at) for _ in range(4)))
    assert sum(sent) == 1 and len(smtp.digests()) == 1
    async with world.services.sessionmaker() as db:
        mark = (await db.execute(select(EmailDigest).where(
            EmailDigest.user_id == await world.user_id("parent")))).scalar_one()
    assert mark.through_message_id == last["id"] and mark.sent_at == at


async def test_a_refused_letter_is_tried_again_later(world: World, smtp: MailServer) -> None:
    anna = await world.as_("teacher")
    await elena_ready(world)
    direct = await direct_to_elena(world, anna)
    await away(world, "parent")
    await say(anna, direct, "Попробуем ещё раз")
    port = world.services.settings.smtp_port
    world.services.settings.smtp_port = 1  # nothing listens there
    assert await digests(world, minutes(31)) == 0
    world.services.settings.smtp_port = port
    assert await digests(world, minutes(32)) == 1
    assert "Попробуем ещё раз" in parts(smtp.digests()[0])[0]


async def test_the_digest_settings_and_their_refusals(world: World) -> None:
    elena = await world.as_("parent")
    r = await elena.get(f"{API}/notifications/settings")
    got = r.json()
    assert (got["email_digest"], got["digest_delay_minutes"], got["digest_default_minutes"],
            got["email_confirmed"]) == (True, None, 30, False)
    for bad in ({"digest_delay_minutes": 2}, {"digest_delay_minutes": 1441},
                {"digest_delay_minutes": "soon"}, {"email_digest": "maybe"},
                {"email_digest": True, "digest_every": 5}):
        r = await elena.put(f"{API}/notifications/settings", json=bad)
        assert (r.status_code, error_code(r)) == (422, "validation_failed"), bad
    assert (await elena.get(f"{API}/notifications/settings")).json() == got  # nothing changed
    r = await elena.put(f"{API}/notifications/settings",
                        json={"email_digest": False, "digest_delay_minutes": 60})
    assert r.status_code == 200
    got = r.json()
    assert (got["email_digest"], got["digest_delay_minutes"], got["email_confirmed"]) == (
        False, 60, False)
    # A client that does not know the digest (the push settings alone) leaves it as it was.
    r = await elena.put(f"{API}/notifications/settings", json={"previews": True})
    assert (r.json()["email_digest"], r.json()["digest_delay_minutes"]) == (False, 60)
    r = await elena.put(f"{API}/notifications/settings", json={"digest_delay_minutes": None})
    assert (r.json()["email_digest"], r.json()["digest_delay_minutes"]) == (False, None)


async def test_an_address_is_confirmed_by_a_code_sent_to_it(world: World, smtp: MailServer) -> None:
    elena = await world.as_("parent")
    r = await elena.post(f"{API}/me/email/code")
    assert (r.status_code, error_code(r)) == (409, "email_missing")
    await elena.patch(f"{API}/me", json={"email": ELENA})
    r = await elena.post(f"{API}/me/email/code")
    assert r.status_code == 202 and r.json()["masked_destination"] != ELENA
    [letter] = smtp.letters()
    assert letter["Subject"] == "Подтвердите адрес для писем Парты"
    code = re.search(r"\b(\d{6})\b", parts(letter)[0])
    assert code is not None
    wrong = "000000" if code.group(1) != "000000" else "111111"
    r = await elena.post(f"{API}/me/email/confirm", json={"code": wrong})
    assert (r.status_code, error_code(r)) == (400, "code_invalid")
    for bad in ({}, {"code": ""}, {"code": "1" * 13}, {"code": 123456, "extra": 1}):
        r = await elena.post(f"{API}/me/email/confirm", json=bad)
        assert (r.status_code, error_code(r)) == (422, "validation_failed"), bad
    assert (await elena.get(f"{API}/me")).json()["email_confirmed"] is False
    # The code was for this address: typing another one first makes it worth nothing.
    await elena.patch(f"{API}/me", json={"email": "other@example.com"})
    r = await elena.post(f"{API}/me/email/confirm", json={"code": code.group(1)})
    assert (r.status_code, error_code(r)) == (400, "code_expired")
    await elena.patch(f"{API}/me", json={"email": ELENA})
    r = await elena.post(f"{API}/me/email/confirm", json={"code": code.group(1)})
    assert r.status_code == 200 and r.json()["email_confirmed"] is True
    r = await elena.post(f"{API}/me/email/code")
    assert (r.status_code, error_code(r)) == (409, "email_already_confirmed")
    # A new address is not confirmed until its own code comes back.
    await elena.patch(f"{API}/me", json={"email": "elena2@example.com"})
    assert (await elena.get(f"{API}/me")).json()["email_confirmed"] is False


async def test_the_letters_one_click_unsubscribe_turns_the_digest_off(
        world: World, smtp: MailServer) -> None:
    anna = await world.as_("teacher")
    elena = await elena_ready(world)
    direct = await direct_to_elena(world, anna)
    await away(world, "parent")
    await say(anna, direct, "Первое")
    assert await digests(world, minutes(31)) == 1
    [letter] = smtp.digests()
    assert letter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(letter["List-Unsubscribe"]).strip("<>")
    assert link.startswith("http://parta.test/api/v1/notifications/digest/unsubscribe?")
    path = link.removeprefix("http://parta.test")
    stranger = world.client()  # a mail client: nobody signed in
    forged = [path.replace("token=", "token=0"), path[:-1] + ("0" if path[-1] != "0" else "1"),
              path.replace(f"user={await world.user_id('parent')}",
                           f"user={await world.user_id('teacher')}")]
    for wrong in forged:
        r = await stranger.post(wrong, data={"List-Unsubscribe": "One-Click"})
        assert r.status_code == 404, wrong
    assert (await elena.get(f"{API}/notifications/settings")).json()["email_digest"] is True
    r = await stranger.post(path, data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200, r.text
    assert (await elena.get(f"{API}/notifications/settings")).json()["email_digest"] is False
    await away(world, "parent")
    await say(anna, direct, "Второе")
    assert await digests(world, minutes(120)) == 0
    assert len(smtp.digests()) == 1


async def test_deleting_her_data_leaves_no_address_and_no_digest_behind(
        world: World, smtp: MailServer) -> None:
    from parta.actions.privacy import run_deletions
    from parta.models import EmailConfirmation, NotificationSettings
    from tests.api.test_privacy import LATER, code_for

    anna = await world.as_("teacher")
    elena = await elena_ready(world)
    direct = await direct_to_elena(world, anna)
    await away(world, "parent")
    await say(anna, direct, "До свидания")
    assert await digests(world, minutes(31)) == 1
    uid = await world.user_id("parent")
    r = await elena.post(f"{API}/me/deletion", json={"code": await code_for(world, elena, "parent")})
    assert r.status_code == 201, r.text
    assert await run_deletions(world.services, utcnow() + LATER) == 1
    async with world.services.sessionmaker() as db:
        for table in (EmailConfirmation, EmailDigest, NotificationSettings):
            left = (await db.execute(select(table).where(table.user_id == uid))).first()
            assert left is None, table
        user = await db.get(User, uid)
        assert user is not None and user.email == "" and user.email_confirmed_at is None
    await say(anna, direct, "Вы здесь?")
    assert await digests(world, minutes(120)) == 0


async def test_someone_waiting_for_the_morning_starves_nobody(
        world: World, smtp: MailServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The candidates come a page at a time (here: one person a page). Anna, first by id, must
    wait for the end of her quiet hours; Elena, after her, gets her letter all the same."""
    from parta.actions import digest as digest_module

    monkeypatch.setattr(digest_module, "PEOPLE_PER_PASS", 1)
    at = minutes(31)
    local = at.astimezone(ZoneInfo("Europe/Moscow"))
    anna = await world.as_("teacher")
    await confirm_email(world, anna, "anna@example.com")
    await anna.put(f"{API}/notifications/settings", json={
        "quiet_enabled": True, "quiet_start": (local - timedelta(hours=1)).strftime("%H:%M"),
        "quiet_end": (local + timedelta(hours=1)).strftime("%H:%M"), "time_zone": "Europe/Moscow"})
    await elena_ready(world)
    assert await world.user_id("teacher") < await world.user_id("parent")
    direct = await direct_to_elena(world, anna)
    await away(world, "parent")
    await say(anna, direct, "Вам письмо")
    oleg = await world.as_("math_teacher")
    r = await oleg.post(f"{API}/orgs/{world.org_id}/direct",
                        json={"user_id": await world.user_id("teacher")})
    await say(oleg, int(r.json()["id"]), "И вам")
    await away(world, "teacher")
    await away(world, "parent")
    assert await digests(world, at) == 1
    assert len(smtp.digests()) == 1 and smtp.digests("anna@example.com") == []
