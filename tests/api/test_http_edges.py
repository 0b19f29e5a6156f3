"""What every answer carries and where unknown paths end: HTTPS-only in production, the API
description without a page that loads scripts from elsewhere, 404 for whatever is not a page
of the web client, and a server failure in the request log with its traceback."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from parta.app import create_app
from parta.config import Mode
from parta.http_log import HSTS
from tests.conftest import World, error_code
from tests.helpers import API

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


async def test_production_tells_browsers_to_use_https_only(world: World) -> None:
    r = await world.client().get("/healthz")
    assert "strict-transport-security" not in r.headers  # a laptop on http://
    settings = world.services.settings.model_copy(update={
        "mode": Mode.production, "base_url": "https://parta.school.example",
        "secret_key": "s" * 40, "sms_backend": "http", "calls_enabled": False})
    world.app = create_app(settings, dataclasses.replace(world.services, settings=settings))
    for path in ("/healthz", f"{API}/nothing", "/signin"):
        r = await world.client().get(path)
        assert r.headers["strict-transport-security"] == HSTS == \
            "max-age=31536000; includeSubDomains"
        assert r.headers["x-frame-options"] == "DENY"


async def test_the_api_is_described_without_a_docs_page(world: World) -> None:
    c = world.client()
    r = await c.get(f"{API}/openapi.json")
    assert r.status_code == 200 and r.json()["info"]["title"] == "Parta"
    r = await c.get(f"{API}/docs", headers=HTML)
    assert (r.status_code, error_code(r)) == (404, "not_found")


@pytest.mark.parametrize("path", ["/", "/signin", "/chats", "/chats/12", "/chats/12/members",
                                  "/admin/roster/3", "/join/abc-DEF_123", "/profile/",
                                  "/operator/support/7"])
async def test_each_page_of_the_web_client_gets_the_shell(world: World, path: str) -> None:
    r = await world.client().get(path, headers=HTML)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("path", ["/metrics", "/wp-admin", "/wp-login.php", "/foo.php",
                                  "/.env", "/.git/config", "/chats/12/unknown", "/admin",
                                  "/index.html", "/api", "/static"])
async def test_any_other_path_is_not_found(world: World, path: str) -> None:
    r = await world.client().get(path)
    assert (r.status_code, error_code(r)) == (404, "not_found")


async def test_a_person_who_mistypes_an_address_sees_the_clients_not_found_page(
        world: World) -> None:
    r = await world.client().get("/chatz", headers=HTML)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    r = await world.client().get("/.env", headers=HTML)  # not a page name: no shell
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")


async def test_a_server_failure_is_in_the_request_log_with_its_traceback(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    @world.app.post(f"{API}/test-failure")
    async def failing() -> None:
        raise ZeroDivisionError("the bug under test")

    with caplog.at_level(logging.INFO, logger="parta.http"):
        r = await world.client().post(f"{API}/test-failure", headers={"Accept-Language": "en"})
    assert (r.status_code, error_code(r)) == (500, "internal")
    assert "the bug under test" not in r.text  # the caller learns nothing of the inside
    assert r.headers["x-content-type-options"] == "nosniff"
    lines = [rec for rec in caplog.records if rec.name == "parta.http"]
    assert len(lines) == 1
    line = lines[0]
    assert line.levelno == logging.ERROR
    assert (line.method, line.path, line.status) == (  # type: ignore[attr-defined]
        "POST", f"{API}/test-failure", 500)
    assert line.exc_info is not None and line.exc_info[0] is ZeroDivisionError
    assert line.getMessage() == f"POST {API}/test-failure 500"
    # Logged once: not again by the framework's last-resort handler.
    assert [rec for rec in caplog.records if "the bug under test" in rec.getMessage()] == []


async def test_every_answer_is_in_the_request_log(world: World,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="parta.http"):
        await world.client().get("/healthz")
    (line,) = [rec for rec in caplog.records if rec.name == "parta.http"]
    assert (line.method, line.path, line.status) == ("GET", "/healthz", 200)  # type: ignore[attr-defined]
