"""Sending e-mail: to the console, or over SMTP (a real server; ``aiosmtpd`` in tests)."""

from __future__ import annotations

import asyncio
import smtplib
import sys
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from parta.config import Settings

__all__ = ["ConsoleMail", "MailFailed", "Mailer", "SmtpMail", "make_mailer"]


class MailFailed(RuntimeError):
    pass


class Mailer(Protocol):
    async def send(self, to: str, subject: str, body: str, *, html: str = "",
                   headers: Mapping[str, str] | None = None) -> None:
        """``body`` is the plain text; ``html``, when given, the same as an alternative part."""
        ...


class ConsoleMail:
    async def send(self, to: str, subject: str, body: str, *, html: str = "",
                   headers: Mapping[str, str] | None = None) -> None:
        print(f"[mail] {to}: {subject}\n{body}", file=sys.stdout, flush=True)


class SmtpMail:
    def __init__(self, settings: Settings) -> None:
        self.s = settings

    def _send_sync(self, msg: EmailMessage) -> None:
        with smtplib.SMTP(self.s.smtp_host, self.s.smtp_port, timeout=15) as smtp:
            if self.s.smtp_starttls:
                smtp.starttls()
            if self.s.smtp_user:
                smtp.login(self.s.smtp_user, self.s.smtp_password)
            smtp.send_message(msg)

    async def send(self, to: str, subject: str, body: str, *, html: str = "",
                   headers: Mapping[str, str] | None = None) -> None:
        msg = EmailMessage()
        msg["From"] = self.s.mail_from
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=self.s.mail_from.partition("@")[2] or None)
        for name, value in (headers or {}).items():
            msg[name] = value
        msg.set_content(body)
        if html:
            msg.add_alternative(html, subtype="html")
        try:
            await asyncio.to_thread(self._send_sync, msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailFailed(str(exc)) from exc


def make_mailer(settings: Settings) -> Mailer:
    return SmtpMail(settings) if settings.mail_backend == "smtp" else ConsoleMail()
