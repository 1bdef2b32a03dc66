"""Sending e-mail through the configured SMTP server (Python's smtplib)."""

from __future__ import annotations

import contextlib
import smtplib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any


class MailError(Exception):
    """The SMTP server could not be reached or refused the message."""


@dataclass(frozen=True)
class Connection:
    """An open SMTP session: several messages go over it."""

    smtp: smtplib.SMTP
    sender: str

    def send(self, to: str, subject: str, text: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(text)
        try:
            self.smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(str(exc)) from exc


@dataclass(frozen=True)
class Mailer:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        """One SMTP session, logged in when a user is set; closed at the end."""
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(str(exc)) from exc
        try:
            yield Connection(smtp, self.sender)
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()

    def send(self, to: str, subject: str, text: str) -> None:
        """Send one message over a connection of its own."""
        with self.connect() as connection:
            connection.send(to, subject, text)


def mailer_from(config: Mapping[str, Any]) -> Mailer | None:
    """The configured mailer, or None when no SMTP server is set (no e-mail is sent then)."""
    if not config.get("MATCHMAKER_SMTP_HOST"):
        return None
    return Mailer(
        host=config["MATCHMAKER_SMTP_HOST"],
        port=config["MATCHMAKER_SMTP_PORT"],
        sender=config["MATCHMAKER_MAIL_FROM"],
        user=config["MATCHMAKER_SMTP_USER"],
        password=config["MATCHMAKER_SMTP_PASSWORD"],
        starttls=config["MATCHMAKER_SMTP_STARTTLS"],
    )
