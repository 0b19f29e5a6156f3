"""Issue 14's «done means», walked once end to end as a parent on a phone (390×844, touch).

The class teacher's link → the parent opens it signed out and sees what it is for → signs in,
names herself and her child → the administrator confirms the child (the administrator's own
page) → the parent gives the consents for the child → accepts the rules of 5А's parents' chat
and lands in it → the app is installed (manifest, service worker in control) → quiet hours off,
this browser subscribed to pushes → the tab is closed → the teacher posts an announcement that
asks for an acknowledgement → the server's push reaches a push service on loopback (VAPID
checked, payload decrypted with this browser's keys) → handed to the browser as a push, the
service worker shows the notification → the parent opens it, reads and acknowledges → the
teacher's count says so.

Everything is its own: a new pupil of 5А who joins by her own link, a new parent, a new invite,
new texts; the teacher and the administrator act through the API and the administrator's page.
Chromium has no push service of its own here, so the subscription is the push service's
(tests/push_service.py), registered from the parent's page with her cookies.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
from typing import Any, Self

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, CLASS_TEACHER, Api, new_page, shot, sign_in
from tests.live import LiveServer
from tests.push_service import PushService

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}

CONTROLLED = """async () => {
  const reg = await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) {
    await new Promise((done) => navigator.serviceWorker.addEventListener('controllerchange', done, { once: true }));
  }
  return reg.scope;
}"""

SUBSCRIBE = """async (sub) => {
  const csrf = (document.cookie.match(/(?:^|; )parta_csrf=([^;]*)/) || [])[1] || '';
  const r = await fetch('/api/v1/push/subscriptions', {
    method: 'POST', body: JSON.stringify(sub),
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': decodeURIComponent(csrf) } });
  return r.status;
}"""

# Waits (in the service worker, up to 15 s) until the worker shows a notification with the tag.
SHOWN = """async (tag) => {
  const until = Date.now() + 15000;
  while (Date.now() < until) {
    const found = (await self.registration.getNotifications()).filter((n) => n.tag === tag);
    if (found.length) return { title: found[0].title, body: found[0].body, url: found[0].data && found[0].data.url };
    await new Promise((next) => setTimeout(next, 50));
  }
  return null;
}"""


class LoopbackPush:
    """tests/push_service.PushService on its own event loop in a thread (the browser tests are
    synchronous)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.service = PushService()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.service.start(), self.loop).result(15)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self.service.stop(), self.loop).result(15)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(15)

    def wait_for(self, path: str, text: str, timeout: float = 30) -> dict[str, Any]:
        """The first decrypted payload pushed to ``path`` whose body holds ``text``."""
        async def poll() -> dict[str, Any]:
            while True:
                for got in self.service.received:
                    if got.path == path and text in json.dumps(got.payload, ensure_ascii=False):
                        return got.payload
                await asyncio.sleep(0.05)  # polls a condition on the service's own loop
        return asyncio.run_coroutine_threadsafe(
            asyncio.wait_for(poll(), timeout), self.loop).result(timeout + 5)


def fresh_phone() -> str:
    return "+7955" + "".join(random.choice("0123456789") for _ in range(7))


def test_a_parent_invited_by_the_class_teacher_is_told_of_the_next_announcement_with_the_tab_closed(
    browser: Any, server: LiveServer, admin_page: Any
) -> None:
    tag = f"{random.randrange(10**6):06d}"
    child_name = f"Тимур Журавлёв {tag[:3]}"
    parent_name = f"Ольга Журавлёва {tag[3:]}"
    admin = Api(server, ADMIN)
    teacher = Api(server, CLASS_TEACHER)
    org = admin.org_id
    g5a = next(g for g in admin.get(f"/orgs/{org}/groups")["groups"] if g["name"] == "5А")

    # A new pupil of 5А, joined by her own link (so confirming her parent touches no demo family).
    token = admin.post(f"/orgs/{org}/invites", {"role": "student", "group_id": g5a["id"]})["url"].rstrip("/").rsplit("/", 1)[1]
    pupil = Api(server, fresh_phone())
    pupil.http.patch("/me", json={"name": child_name}).raise_for_status()
    assert pupil.post(f"/invites/{token}/join", {})["status"] == "joined"

    # The class teacher's link for the parents of 5А.
    url = teacher.post(f"/orgs/{org}/invites", {"role": "parent", "group_id": g5a["id"]})["url"]

    with LoopbackPush() as push:
        page = new_page(browser, server, **PHONE)
        context = page.context
        try:
            # Signed out, the link says what it is for before asking for the phone.
            page.goto(url)
            expect(page.get_by_test_id("join-group")).to_have_text("5А")
            expect(page.get_by_test_id("join-role")).to_have_text("Родитель")
            sign_in(page, server, fresh_phone())
            page.get_by_test_id("name-input").fill(parent_name)
            page.get_by_test_id("save-name").click()
            expect(page.get_by_test_id("join-role")).to_have_text("Родитель")
            page.get_by_test_id("child-name-input").fill(child_name)
            page.get_by_test_id("join-submit").click()
            expect(page.get_by_test_id("join-next")).to_be_visible()
            shot(page, "journey-joined-390")

            # The administrator confirms the child on her own page.
            admin_page.goto("/admin/parent-links")
            row = admin_page.get_by_test_id("parent-link-row").filter(has_text=parent_name)
            row.locator("select").select_option(label=child_name)
            row.get_by_role("button", name="Подтвердить").click()
            expect(admin_page.get_by_test_id("parent-link-row").filter(has_text=parent_name)).to_have_count(0)

            # Home: the child's consents first.
            page.get_by_test_id("join-go-home").click()
            prompt = page.get_by_test_id("consent-prompt")
            expect(prompt).to_contain_text(child_name)
            child = prompt.get_by_test_id("consent-child").filter(has_text=child_name)
            child.locator('[data-testid$="-give-all"]').click()
            expect(child).to_have_count(0)

            # The invitation to 5А's parents' chat: its rules accepted, she lands in it.
            page.goto("/chats")
            invitation = page.get_by_test_id("invitation").filter(has_text="5А — родители")
            invitation.first.get_by_test_id("invitation-open").click()
            expect(page.get_by_test_id("join-chat-title")).to_have_text("5А — родители")
            join = page.get_by_test_id("join-chat")
            expect(join).to_be_disabled()  # the rules first
            page.locator("label[for=accept-rules]").click()
            join.click()
            expect(page).to_have_url(re.compile(r"/chats/\d+$"))
            chat_id = int(page.url.rsplit("/", 1)[1])
            expect(page.get_by_test_id("composer-input")).to_be_visible()
            shot(page, "journey-in-parents-chat-390")

            # Installed: a manifest, the service worker in control of the page.
            expect(page.locator('link[rel="manifest"]')).to_have_attribute("href", "/manifest.webmanifest")
            assert page.evaluate(CONTROLLED) == f"{server.base_url}/"

            # No quiet hours for her (the test runs at any hour); notifications allowed and this
            # browser subscribed.
            context.grant_permissions(["notifications"], origin=server.base_url)
            page.goto("/profile")
            quiet = page.get_by_test_id("quiet-enabled")
            if quiet.is_checked():
                quiet.locator("xpath=ancestor::label[1]").click()
            expect(quiet).not_to_be_checked()
            page.get_by_test_id("notification-settings-save").click()
            expect(page.get_by_text("Настройки уведомлений сохранены")).to_be_visible()
            browser_keys = push.service.browser(f"journey{tag}")
            push.service.public_key = page.evaluate(
                "fetch('/api/v1/push/key').then((r) => r.json())")["public_key"]
            assert page.evaluate(SUBSCRIBE, browser_keys.subscription()) == 201

            # The tab closes, her event socket with it (the server forgets the socket when its
            # close arrives, before the teacher's request below is read: both come in order
            # over loopback).
            page.close()
            blank = context.new_page()

            # The teacher's announcement, to be acknowledged.
            text = f"Завтра родительское собрание в 18:00, кабинет 12 ({tag})"
            posted = teacher.post(f"/chats/{chat_id}/messages", {"body": text})
            teacher.post(f"/messages/{posted['id']}/ack", {})
            payload = push.wait_for(f"/push/journey{tag}", tag)
            assert payload["title"] == "5А — родители" and payload["url"] == f"/chats/{chat_id}", payload

            # The browser gets it as a push: the worker shows it (no window of the app is open).
            cdp = context.new_cdp_session(blank)
            registrations: list[dict[str, Any]] = []
            cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
            cdp.send("ServiceWorker.enable")
            scope = f"{server.base_url}/"
            for _ in range(300):
                if any(r["scopeURL"] == scope for r in registrations):
                    break
                blank.evaluate("() => new Promise((ok) => requestAnimationFrame(() => ok(true)))")  # a frame: events come in
            reg_id = next(r["registrationId"] for r in registrations if r["scopeURL"] == scope)
            cdp.send("ServiceWorker.deliverPushMessage",
                     {"origin": server.base_url, "registrationId": reg_id, "data": json.dumps(payload)})
            worker = next((w for w in context.service_workers if w.url.endswith("/sw.js")), None) \
                or context.wait_for_event("serviceworker", lambda w: w.url.endswith("/sw.js"))
            shown = worker.evaluate(SHOWN, payload["tag"])
            assert shown and shown["title"] == "5А — родители" and tag in shown["body"], shown
            assert shown["url"] == f"/chats/{chat_id}"

            # She opens it, reads the announcement and acknowledges it.
            blank.goto(shown["url"])
            message = blank.get_by_test_id("message").filter(has_text=text)
            expect(message).to_be_visible()
            message.get_by_test_id("ack-confirm").click()
            expect(message.get_by_test_id("ack-done")).to_be_visible()
            shot(blank, "journey-acknowledged-390")
            acks = teacher.get(f"/chats/{chat_id}/acks")
            mine = next(a for a in acks["acks"] if a["message_id"] == posted["id"])
            assert mine["confirmed"] >= 1, mine
        finally:
            context.close()
            for api in (admin, teacher, pupil):
                api.http.close()
