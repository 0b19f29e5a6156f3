"""Sending e-mail: to the console, or over SMTP (a real server; ``aiosmtpd`` in tests)."""

from __future__ import annotations

import asyncio
import smtplib
import sys
from email.message import EmailMessage
from typing import Protocol

from parta.config import Settings

__all__ = ["ConsoleMail", "MailFailed", "Mailer", "SmtpMail", "make_mailer"]


class MailFailed(RuntimeError):
    pass


class Mailer(Protocol):
    async def send(self, to: str, subject: str, body: str) -> None: ...


class ConsoleMail:
    async def send(self, to: str, subject: str, body: str) -> None:
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

    async def send(self, to: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["From"] = self.s.mail_from
        msg["To"] = to
        msg["Subject"] = subject
        msg.set_content(body)
        try:
            await asyncio.to_thread(self._send_sync, msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailFailed(str(exc)) from exc


def make_mailer(settings: Settings) -> Mailer:
    return SmtpMail(settings) if settings.mail_backend == "smtp" else ConsoleMail()
