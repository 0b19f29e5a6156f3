"""The installable app in Chromium: a valid manifest, the service worker at the root scope,
the app shell offline, the notification settings in the profile, and a push shown by the
worker (delivered through the browser's own DevTools protocol: there is no push service to
reach offline; the server's side is tested against one on loopback in tests/api/test_push.py).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import STUDENT, new_page, shot
from tests.live import LiveServer

pytestmark = pytest.mark.e2e

WAIT_CONTROLLED = """async () => {
  const reg = await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) {
    await new Promise((done) => navigator.serviceWorker.addEventListener('controllerchange', done, { once: true }));
  }
  return reg.scope;
}"""


def test_the_manifest_is_valid_and_its_icons_are_there(page: Any, server: LiveServer) -> None:
    page.goto("/signin")
    assert page.locator('link[rel="manifest"]').get_attribute("href") == "/manifest.webmanifest"
    cdp = page.context.new_cdp_session(page)
    found = cdp.send("Page.getAppManifest")
    assert found["url"].endswith("/manifest.webmanifest") and found["errors"] == [], found["errors"]
    manifest = json.loads(found["data"])
    assert manifest["name"] == "Парта" and manifest["display"] == "standalone"
    assert manifest["start_url"] == "/chats" and manifest["theme_color"] == "#0f766e"
    answer = page.request.get("/manifest.webmanifest")
    assert answer.headers["content-type"].startswith("application/manifest+json")
    for icon in manifest["icons"]:
        got = page.request.get(icon["src"])
        assert got.ok, icon
        if icon["type"] == "image/png":
            width, height = Image.open(io.BytesIO(got.body())).size
            assert f"{width}x{height}" == icon["sizes"], icon
    assert {"any", "maskable"} <= {i["purpose"] for i in manifest["icons"]}


def test_the_service_worker_serves_the_shell_offline(browser: Any, server: LiveServer,
                                                     states: Callable[[str], str]) -> None:
    page = new_page(browser, server, storage_state=states(STUDENT),
                    viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        sw = page.request.get("/sw.js")
        assert sw.headers["cache-control"] == "no-cache" and sw.headers["service-worker-allowed"] == "/"
        version = re.search(r"const VERSION = '([0-9a-f]+)'", sw.text()).group(1)  # type: ignore[union-attr]
        assert f"/static/v/{version}/js/app.js" in sw.text()
        page.goto("/chats")
        page.get_by_test_id("chat-list").wait_for()
        assert page.evaluate(WAIT_CONTROLLED) == f"{server.base_url}/"
        caches = page.evaluate("""async () => {
          const names = await caches.keys();
          const cache = await caches.open(names[0]);
          return { names, urls: (await cache.keys()).map((r) => new URL(r.url).pathname) };
        }""")
        assert len(caches["names"]) == 1 and caches["names"][0].startswith("parta-shell-")
        assert "/" in caches["urls"] and f"/static/v/{version}/js/app.js" in caches["urls"]
        assert not [u for u in caches["urls"] if u.startswith("/api/")]  # no personal data
        page.context.set_offline(True)
        page.reload()
        # The shell starts from the cache and says the network is gone.
        expect(page.get_by_test_id("offline-banner")).to_be_visible()
        expect(page.get_by_test_id("offline-banner")).to_contain_text("Нет связи")
        assert page.title() == "Парта"
        shot(page, "pwa-offline-390")
        page.context.set_offline(False)
        page.reload()
        page.get_by_test_id("chat-list").wait_for()
        expect(page.get_by_test_id("offline-banner")).to_be_hidden()
        # A page loaded later, answered by the worker, shares the shell's modules: its form is
        # filled from the signed-in session, and every script came by this version's URL (a
        # script under another URL would be a second copy of a module, with empty state).
        page.goto("/profile")
        expect(page.get_by_test_id("profile-name")).not_to_have_value("")
        scripts = page.evaluate("""() => performance.getEntriesByType('resource')
          .map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.js'))""")
        assert any("/js/views/profile.js" in u for u in scripts), scripts
        assert all(u.startswith(f"/static/v/{version}/") for u in scripts if u != "/sw.js"), scripts
    finally:
        page.context.close()


def test_notification_settings_and_a_push_shown_by_the_worker(browser: Any, server: LiveServer,
                                                               states: Callable[[str], str]) -> None:
    page = new_page(browser, server, storage_state=states(STUDENT),
                    viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        page.context.grant_permissions(["notifications"], origin=server.base_url)
        page.goto("/profile")
        card = page.get_by_test_id("notification-settings")
        card.wait_for()
        # The way to subscribe is there (Chromium here has no push service to reach).
        enable = page.get_by_test_id("push-enable")
        expect(enable).to_be_visible()
        assert page.evaluate("'PushManager' in window && 'showNotification' in ServiceWorkerRegistration.prototype")
        key = page.evaluate("fetch('/api/v1/push/key').then((r) => r.json())")["public_key"]
        assert len(key) == 87  # a P-256 point, base64url
        # Quiet hours and previews are saved, and every control is at least 44 px to tap.
        for testid in ("push-enable", "quiet-enabled", "push-previews", "quiet-start", "quiet-end",
                       "time-zone", "notification-settings-save"):
            box = page.get_by_test_id(testid).bounding_box()
            target = page.get_by_test_id(testid).locator("xpath=ancestor::label[1]")
            if target.count():
                box = target.bounding_box()
            assert box and box["height"] >= 44, (testid, box)
        page.get_by_test_id("quiet-start").fill("22:00")
        page.get_by_test_id("time-zone").select_option("Asia/Yekaterinburg")
        page.get_by_test_id("push-previews").check()
        page.get_by_test_id("notification-settings-save").click()
        expect(page.get_by_text("Настройки уведомлений сохранены")).to_be_visible()
        saved = page.evaluate("fetch('/api/v1/notifications/settings').then((r) => r.json())")
        assert (saved["quiet_start"], saved["time_zone"], saved["previews"]) == ("22:00", "Asia/Yekaterinburg", True)
        card.scroll_into_view_if_needed()
        shot(page, "profile-notifications-390")
        page.screenshot(path="/tmp/parta-profile-notifications-390.png")

        # A push while the app is in sight shows nothing; with no window of the app, the
        # worker shows it, and a tap leads to the chat.
        page.evaluate(WAIT_CONTROLLED)
        cdp = page.context.new_cdp_session(page)
        registrations: list[dict[str, Any]] = []
        cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
        cdp.send("ServiceWorker.enable")
        page.wait_for_timeout(300)
        reg_id = next(r["registrationId"] for r in registrations if r["scopeURL"] == f"{server.base_url}/")
        body = json.dumps({"title": "5А — класс", "body": "Новое сообщение в чате 5А — класс",
                           "tag": "chat7", "url": "/chats/7", "count": 1, "kind": "message"})
        shown = """async () => (await (await navigator.serviceWorker.ready).getNotifications())
                     .map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data.url }))"""
        cdp.send("ServiceWorker.deliverPushMessage",
                 {"origin": server.base_url, "registrationId": reg_id, "data": body})
        page.wait_for_timeout(500)
        assert page.evaluate(shown) == []
        page.goto("about:blank")
        cdp.send("ServiceWorker.deliverPushMessage",
                 {"origin": server.base_url, "registrationId": reg_id, "data": body})
        page.wait_for_timeout(500)
        page.goto("/static/icons/icon.svg")
        assert page.evaluate(shown) == [{"title": "5А — класс", "body": "Новое сообщение в чате 5А — класс",
                                          "tag": "chat7", "url": "/chats/7"}]
    finally:
        page.context.close()


def test_a_member_mutes_a_chat_on_its_page(browser: Any, server: LiveServer,
                                            states: Callable[[str], str]) -> None:
    page = new_page(browser, server, storage_state=states(STUDENT),
                    viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        page.goto("/chats")
        page.get_by_test_id("chat-list").wait_for()
        chats = page.evaluate("fetch('/api/v1/chats').then((r) => r.json())")["chats"]
        channel = next(c for c in chats if c["kind"] == "school_channel")
        page.goto(f"/chats/{channel['id']}/members")
        mute = page.get_by_test_id("chat-mute")
        expect(mute).to_be_enabled()
        expect(mute).not_to_be_checked()
        label = mute.locator("xpath=ancestor::label[1]").bounding_box()
        assert label and label["height"] >= 44
        mute.check()
        expect(page.get_by_text("Уведомления из чата выключены")).to_be_visible()
        state = page.evaluate(f"fetch('/api/v1/chats/{channel['id']}/mute').then((r) => r.json())")
        assert state == {"chat_id": channel["id"], "muted": True}
        page.reload()
        expect(page.get_by_test_id("chat-mute")).to_be_checked()
        page.get_by_test_id("chat-mute").uncheck()
        expect(page.get_by_text("Уведомления из чата включены")).to_be_visible()
    finally:
        page.context.close()

