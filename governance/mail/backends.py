"""Mail backends: where a letter goes. One contract, two implementations, one shared test suite."""

from __future__ import annotations

import contextlib
import copy
import email.generator
import io
import os
import re
import smtplib
import socket
from abc import ABC, abstractmethod
from dataclasses import dataclass
from email.errors import MessageError
from email.message import Message
from email.policy import Compat32, compat32
from email.utils import getaddresses
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

# Called by a backend at the last moment a letter can still be taken back: the whole letter is with the receiving end
# but for the step that makes it delivered (SMTP's final dot, the Maildir rename). Whatever the caller records there
# (this letter is going) is on disk before the letter can have arrived.
HandingOver = Callable[[], None]


# A letter's file name comes from its Message-ID; nothing in it may name another folder.
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._@+=-]")


class DeliveryError(Exception):
    """A letter could not be delivered this time; it will be retried."""


class BackendDown(DeliveryError):
    """The backend cannot take any letter now (server unreachable, connection lost, folder unwritable).

    The batch stops there: every letter in it waits, and a run that meets this is the start of an outage.
    """


class LetterRefused(DeliveryError):
    """This letter will never go as it stands (its content or its address was refused for good); it is not retried."""


class Backend(ABC):
    """Delivers letters. Used as a context manager around one batch.

    `open()` prepares the batch (one SMTP connection for all of it), or raises BackendDown;
    `deliver(message)` hands one letter over, or raises DeliveryError (this letter waits and
    the batch goes on), BackendDown (nothing more can go in this batch) or LetterRefused (this
    letter never will: its content or address is refused). It never lets any other error out
    for a letter it cannot serialise: that is LetterRefused too. It must be safe to call again
    with the same letter (a retry after a crash): the letter's Message-ID is what lets the
    receiving end recognise it;
    `handing_over`, when given, is called once just before the step that delivers the letter (after which it may
    have arrived whatever happens next); an error from it stops the letter undelivered;
    `meanwhile`, when given, may be called once the letter is wholly handed over, while the receiving end works on it
    and before its answer is awaited (the next letter is made ready then); it raises nothing;
    `prepare(message)` makes a letter ready ahead of its turn (SMTP: written out as it will be sent), what `deliver`
    then takes in its place; a letter it cannot make ready is refused by `deliver`, as the letter itself would be;
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
    def deliver(self, message: Message, handing_over: HandingOver | None = None, meanwhile: Callable[[], None] | None = None) -> None:
        """Hand one letter over (as built, or as `prepare` made it ready), or raise DeliveryError."""

    def prepare(self, message: Message) -> Any:
        """The letter made ready for `deliver` ahead of its turn; by default, the letter itself."""
        return message

    @abstractmethod
    def close(self) -> None:
        """End the batch."""


class MaildirBackend(Backend):
    """A real Maildir (`tmp/`, `new/`, `cur/`): each letter written in tmp/, then renamed into new/ as `<Message-ID>.eml`.

    Mail readers open the folder as it stands (`mutt -f mail/`). The file's name comes from the letter's Message-ID,
    so a retry of the same letter replaces its file rather than adding a second one. Letters hold what members wrote
    and the links that act for them, so every folder is made 0700 and each file 0600; and nothing planted in the
    folder (a symlink at a letter's name) can make a write land elsewhere.
    """

    name = "maildir"
    SUBFOLDERS = ("tmp", "new", "cur")

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def open(self) -> None:
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            for sub in self.SUBFOLDERS:
                (self.folder / sub).mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            raise BackendDown(f"cannot create {self.folder}: {exc.strerror or exc}") from None

    def deliver(self, message: Message, handing_over: HandingOver | None = None, meanwhile: Callable[[], None] | None = None) -> None:
        # No colon in the name: in new/ a Maildir name carries no flags, and a reader that files the letter in cur/
        # appends its own `:2,` suffix.
        stem = _SAFE_NAME.sub("_", str(message["Message-ID"] or "").strip().strip("<>")).lstrip(".") or "letter"
        temporary = self.folder / "tmp" / f"{stem}.eml"
        target = self.folder / "new" / f"{stem}.eml"
        try:
            data = message.as_bytes()
        except (ValueError, MessageError) as exc:
            raise LetterRefused(f"the letter cannot be written out ({_reason(exc)})") from None
        try:
            # A temporary left by a crash (or planted) goes first. unlink never follows a symlink: it removes
            # the link, never what it points at; and O_EXCL | O_NOFOLLOW refuse anything that appears meanwhile.
            try:
                os.unlink(temporary)
            except FileNotFoundError:
                pass
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            try:
                with os.fdopen(descriptor, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())  # the letter is recorded as sent next: it must be on disk by then
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
            if handing_over is not None:
                try:
                    handing_over()
                except BaseException:
                    with contextlib.suppress(OSError):
                        os.unlink(temporary)
                    raise
            # rename replaces whatever stands at the target's name (a symlink included) without following it;
            # a reader sees the letter whole in new/ or not at all.
            os.replace(temporary, target)
        except OSError as exc:
            raise BackendDown(f"cannot write {target}: {exc.strerror or exc}") from None

    def close(self) -> None:
        return None


class SmtpBackend(Backend):
    """smtplib over one connection per batch; STARTTLS and login when configured."""

    name = "smtp"

    def __init__(self, host: str, port: int, starttls: bool, username: str, password_env: str, timeout: float = 30) -> None:
        self.host, self.port, self.starttls = host, port, starttls
        self.username, self.password_env, self.timeout = username, password_env, timeout
        self.connection: _Connection | None = None

    def open(self) -> None:
        try:
            self.connection = _Connection(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                self.connection.starttls()
            if self.username:
                password = os.environ.get(self.password_env)
                if password is None:
                    raise BackendDown(f"mail.smtp_username is set but the environment variable {self.password_env} is not")
                self.connection.login(self.username, password)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise BackendDown(f"cannot reach the SMTP server {self.host}:{self.port} ({_reason(exc)})") from None
        except BackendDown:
            self.close()
            raise

    def prepare(self, message: Message) -> Any:
        """The letter written out as smtplib's send_message writes it, with the envelope it reads from its headers:
        done while the server works on the letter before, it is not waited for. A letter send_message would treat
        otherwise (resent, an address that is not ASCII, headers it cannot read) is left as it is, for send_message."""
        if self.connection is None or message.policy is not compat32:
            return message
        try:
            envelope = _envelope(message)
            if envelope is None:
                return message
            letter = _remembering(message)
            del letter["Bcc"]
            del letter["Resent-Bcc"]
            with io.BytesIO() as written:
                email.generator.BytesGenerator(written).flatten(letter, linesep="\r\n")
                return _Ready(*envelope, written.getvalue())
        except (ValueError, MessageError) as exc:  # as send_message would have failed on it
            return _Unwritable(exc)
        except Exception:  # noqa: BLE001 - whatever else: send_message meets it at the letter's turn, and says it then
            return message

    def deliver(self, message: Any, handing_over: HandingOver | None = None, meanwhile: Callable[[], None] | None = None) -> None:
        if self.connection is None:
            raise BackendDown("no SMTP connection")
        self.connection.handing_over, self.connection.meanwhile = handing_over, meanwhile
        try:
            if isinstance(message, _Unwritable):
                raise message.error
            if isinstance(message, _Ready):
                self.connection.sendmail(message.sender, message.recipients, message.data)
            else:
                self.connection.send_message(_remembering(message))
        except (OSError, ValueError, MessageError) as exc:  # smtplib's own errors are OSErrors too
            raise self._classify(exc) from None
        except BaseException:
            # The caller's hook failed between DATA and the letter: the server holds half a transaction; drop the line
            # (a QUIT now would be read as the letter's text) and let the error go up, the letter undelivered.
            self.close(abrupt=True)
            raise
        finally:
            if self.connection is not None:
                self.connection.handing_over = self.connection.meanwhile = None

    def _classify(self, exc: BaseException) -> DeliveryError:
        """What a failure means for this letter and for the batch: wait, give this letter up, or stop the batch."""
        if isinstance(exc, (ValueError, MessageError)):  # a header or a body that cannot be serialised
            return LetterRefused(f"the letter cannot be written out ({_reason(exc)})")
        connection = self.connection
        if not isinstance(exc, smtplib.SMTPException) or isinstance(exc, smtplib.SMTPServerDisconnected) \
                or connection is None or connection.sock is None:
            # The connection is gone (smtplib closes it on a 421) or in an unknown state (a timeout mid-letter).
            self.close()
            return BackendDown(f"the connection to the SMTP server {self.host}:{self.port} was lost ({_reason(exc)})")
        if isinstance(exc, smtplib.SMTPSenderRefused):
            # The sender is the same for every letter: no letter can go, and none is at fault.
            return BackendDown(f"the SMTP server refuses the sender address ({_reason(exc)})")
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                return LetterRefused(f"the SMTP server refused the recipient for good ({_reason(exc)})")
            return DeliveryError(f"the SMTP server refused the recipient for now ({_reason(exc)})")
        if isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500:
            return LetterRefused(f"the SMTP server refused the letter for good ({_reason(exc)})")
        if isinstance(exc, smtplib.SMTPNotSupportedError):  # e.g. an address that needs SMTPUTF8, which the server lacks
            return LetterRefused(f"the SMTP server cannot take this letter ({_reason(exc)})")
        return DeliveryError(f"the SMTP server refused the letter for now ({_reason(exc)})")

    def close(self, abrupt: bool = False) -> None:
        if self.connection is not None:
            try:
                if abrupt:
                    self.connection.close()
                else:
                    self.connection.quit()
            except (OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None


class _Connection(smtplib.SMTP):
    """smtplib's client, with one hook: once the server holds the whole letter but for its final dot.

    The server delivers a letter only once it has the final dot, so whatever the hook records is on disk before the
    letter can have arrived; what happens between the hook and the server's answer is the only window a crash can
    leave unaccounted for. The letter itself is sent before the hook runs, so that the server takes it in while the
    hook's transaction commits.
    """

    handing_over: HandingOver | None = None
    meanwhile: Callable[[], None] | None = None

    def connect(self, host: str = "localhost", port: int = 0, source_address: Any = None) -> tuple[int, bytes]:
        reply = super().connect(host, port, source_address)
        # The letter and its final dot go in two writes with the hook between: without this, the dot would wait for
        # the server to acknowledge the letter (Nagle's algorithm meeting a delayed acknowledgement).
        with contextlib.suppress(OSError, AttributeError):
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reply

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        if isinstance(msg, str):
            msg = re.sub(r"(?:\r\n|\n|\r(?!\n))", "\r\n", msg).encode("ascii")
        content = re.sub(rb"(?m)^\.", b"..", msg)  # a line that starts with a dot is doubled (RFC 5321 4.5.2)
        if content[-2:] != b"\r\n":
            content += b"\r\n"
        self.send(content)  # all of the letter but its final dot: the server delivers nothing before that
        if self.handing_over is not None:
            self.handing_over()
        self.send(b".\r\n")
        if self.meanwhile is not None:
            self.meanwhile()  # while the server works on the letter: its answer waits in the socket meanwhile
        return self.getreply()


class _Remembered(Compat32):
    """compat32, the policy letters are built with, remembering how it folded a header value it met before.

    smtplib writes each header through a Header object, and most of a letter's headers are those of the letters before
    it (its parts' types and encodings, the sender, the recipients of a batch, the day it was written): folding them
    cost more than writing the rest of the letter. What it writes is compat32's own folding, byte for byte.
    """

    def fold_binary(self, name: str, value: Any) -> bytes:
        if value.__class__ is not str:  # a Header object (a subject that is not ASCII): folded as compat32 does
            return super().fold_binary(name, value)
        return _folded(name, value, self.linesep, self.max_line_length, self.cte_type)


@lru_cache(maxsize=2048)
def _folded(name: str, value: str, linesep: str, max_line_length: int | None, cte_type: str) -> bytes:
    return compat32.clone(linesep=linesep, max_line_length=max_line_length, cte_type=cte_type).fold_binary(name, value)


_REMEMBERED = _Remembered()


@dataclass(frozen=True)
class _Ready:
    """A letter written out for SMTP ahead of its turn: its envelope and its bytes, as send_message would send them."""

    sender: str
    recipients: list[str]
    data: bytes


@dataclass(frozen=True)
class _Unwritable:
    """A letter that could not be written out: `deliver` refuses it, as it would have refused the letter itself."""

    error: Exception


def _envelope(message: Message) -> tuple[str, list[str]] | None:
    """The sender and recipients send_message reads from a letter's headers; None for a letter it would send with a
    Resent- block or in SMTPUTF8 (those go through send_message itself)."""
    if message.get_all("Resent-Date") is not None:
        return None
    sender = getaddresses([message["Sender"] if "Sender" in message else message["From"]])[0][1]
    recipients = [a[1] for a in getaddresses([f for f in (message["To"], message["Bcc"], message["Cc"]) if f is not None])]
    if not "".join([sender, *recipients]).isascii():
        return None
    return sender, recipients


def _remembering(message: Message) -> Message:
    """The letter as smtplib will write it, with its headers folded through _Remembered (a copy: the caller's letter
    keeps its policy). A letter built with any other policy than compat32 is written as it stands."""
    if message.policy is not compat32:
        return message
    letter = copy.copy(message)
    letter.policy = _REMEMBERED
    return letter


def _reason(exc: BaseException) -> str:
    # Never echo credentials: smtplib's messages carry server replies, not the password.
    return type(exc).__name__ + (f": {exc}" if str(exc) else "")


def backend_for(settings: Any) -> Backend:
    mail = settings.mail
    if mail.backend == "smtp":
        return SmtpBackend(mail.smtp_host, mail.smtp_port, mail.smtp_starttls, mail.smtp_username, mail.smtp_password_env)
    return MaildirBackend(mail.maildir)
