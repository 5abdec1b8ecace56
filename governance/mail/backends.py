"""Mail backends: where a letter goes. One contract, two implementations, one shared test suite."""

from __future__ import annotations

import os
import smtplib
from abc import ABC, abstractmethod
from email.message import Message
from pathlib import Path
from typing import Any


class DeliveryError(Exception):
    """A letter could not be delivered this time; it will be retried."""


class Backend(ABC):
    """Delivers letters. Used as a context manager around one batch.

    `open()` prepares the batch (one SMTP connection for all of it);
    `deliver(message)` hands one letter over or raises DeliveryError, and must be
    safe to call again with the same letter (a retry after a crash): the letter's
    Message-ID is what lets the receiving end recognise it;
    `close()` releases what `open()` took, even after a failure.
    """

    name = ""

    def __enter__(self) -> "Backend":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def open(self) -> None:
        """Get ready to deliver a batch."""

    @abstractmethod
    def deliver(self, message: Message) -> None:
        """Hand one letter over, or raise DeliveryError."""

    @abstractmethod
    def close(self) -> None:
        """End the batch."""


class MaildirBackend(Backend):
    """One `.eml` file per letter in a folder, written atomically; a retry rewrites the same file."""

    name = "maildir"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def open(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeliveryError(f"cannot create {self.folder}: {exc.strerror or exc}") from None

    def deliver(self, message: Message) -> None:
        name = message["Message-ID"].strip("<>").replace("/", "_")
        target = self.folder / f"{name}.eml"
        temporary = self.folder / f".{name}.tmp"
        try:
            temporary.write_bytes(message.as_bytes())
            os.replace(temporary, target)
        except OSError as exc:
            raise DeliveryError(f"cannot write {target}: {exc.strerror or exc}") from None

    def close(self) -> None:
        return None


class SmtpBackend(Backend):
    """smtplib over one connection per batch; STARTTLS and login when configured."""

    name = "smtp"

    def __init__(self, host: str, port: int, starttls: bool, username: str, password_env: str, timeout: float = 30) -> None:
        self.host, self.port, self.starttls = host, port, starttls
        self.username, self.password_env, self.timeout = username, password_env, timeout
        self.connection: smtplib.SMTP | None = None

    def open(self) -> None:
        try:
            self.connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                self.connection.starttls()
            if self.username:
                password = os.environ.get(self.password_env)
                if password is None:
                    raise DeliveryError(f"mail.smtp_username is set but the environment variable {self.password_env} is not")
                self.connection.login(self.username, password)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise DeliveryError(f"cannot reach the SMTP server {self.host}:{self.port} ({_reason(exc)})") from None

    def deliver(self, message: Message) -> None:
        if self.connection is None:
            raise DeliveryError("no SMTP connection")
        try:
            self.connection.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"the SMTP server refused the letter ({_reason(exc)})") from None

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.connection = None


def _reason(exc: BaseException) -> str:
    # Never echo credentials: smtplib's messages carry server replies, not the password.
    return type(exc).__name__ + (f": {exc}" if str(exc) else "")


def backend_for(settings: Any) -> Backend:
    mail = settings.mail
    if mail.backend == "smtp":
        return SmtpBackend(mail.smtp_host, mail.smtp_port, mail.smtp_starttls, mail.smtp_username, mail.smtp_password_env)
    return MaildirBackend(mail.maildir)
