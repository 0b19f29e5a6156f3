"""Sending SMS: to the console (demo, development) or through an HTTP gateway."""

from __future__ import annotations

import logging
import sys
from typing import Protocol
from urllib.parse import quote

import httpx

from parta.config import Settings

__all__ = ["ConsoleSms", "HttpSms", "SmsFailed", "SmsSender", "make_sms"]

log = logging.getLogger("parta.sms")


class SmsFailed(RuntimeError):
    pass


class SmsSender(Protocol):
    async def send(self, phone: str, text: str) -> None: ...


class ConsoleSms:
    """Prints each message on its own line so a person (or a test) can read the code."""

    async def send(self, phone: str, text: str) -> None:
        print(f"[sms] {phone}: {text}", file=sys.stdout, flush=True)


class HttpSms:
    """A generic gateway: ``{phone}`` and ``{text}`` in the URL template are filled in, URL-quoted.

    With POST the same values are also sent as a JSON body, for gateways that read one.
    """

    def __init__(self, url_template: str, method: str = "POST", token: str = "",
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        if "{phone}" not in url_template and method == "GET":
            raise ValueError("PARTA_SMS_HTTP_URL must contain {phone} for GET gateways")
        self.url_template = url_template
        self.method = method
        self.token = token
        self.transport = transport

    async def send(self, phone: str, text: str) -> None:
        url = self.url_template.format(phone=quote(phone), text=quote(text))
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        body = {"phone": phone, "text": text} if self.method == "POST" else None
        try:
            async with httpx.AsyncClient(timeout=10, transport=self.transport) as client:
                resp = await client.request(self.method, url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("sms gateway unreachable: %s", exc)
            raise SmsFailed(str(exc)) from exc
        if resp.status_code >= 300:
            log.warning("sms gateway answered %s", resp.status_code)
            raise SmsFailed(f"gateway status {resp.status_code}")


def make_sms(settings: Settings) -> SmsSender:
    if settings.sms_backend == "http":
        return HttpSms(settings.sms_http_url, settings.sms_http_method, settings.sms_http_token)
    return ConsoleSms()
