"""config.toml -> settings: where the database, rules, workflows and mail are."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from governance import tomlpos
from governance.errors import BadInput, DefinitionErrors
from governance.textcheck import is_email, line_problem

DEFAULT_CONFIG = """\
# A governance instance: where its database, rules, workflows and mail live.
# Relative paths are relative to this file.

[database]
url = "sqlite:///governance.db"      # or postgresql+psycopg://user@host/dbname

[instance]
rehearsal = false                    # true: an instance for trying things (--now accepted); false: a live one
rules = "rules"                      # the rules of procedure (*.toml)
workflows = "workflows"              # the state machines (*.toml)
templates = "templates"              # letters that override the shipped ones (optional)
max_file_mb = 20                     # the largest file `doc create --file` and `doc revise --file` take

[mail]
backend = "maildir"                  # "maildir" (the embedded default) or "smtp"
sender = "secretariat@example.org"
maildir = "mail"
smtp_host = "127.0.0.1"
smtp_port = 25
smtp_starttls = false
smtp_username = ""
smtp_password_env = "GOV_SMTP_PASSWORD"   # the password itself never sits in this file
max_attempts = 6                     # tries before a letter may be given up on (and only after retry_hours)
retry_base_seconds = 60              # first retry after this, doubling each time
retry_max_seconds = 3600             # ... but never waiting longer than this between tries
retry_hours = 72                     # keep trying this long (an outage of days loses nothing), then tell the secretariat
digest = true                        # one letter a day per person for several reminders

# The web application (`gov serve`) and the links in letters; these are the defaults.
# [web]
# base_url = "http://127.0.0.1:8080"   # where the links in letters point
# secret_key_env = "GOV_SECRET_KEY"    # the signing key comes from this variable, never from this file;
#                                      # while it is unset, letters carry commands instead of links
# link_days = 14                       # a link works this long (or until the deadline it serves), once

# How `gov tick` and the scheduler fire what falls due; this is the default.
# [scheduler]
# tick_batch = 200                     # due rows fired in one transaction: fewer holds SQLite's writer lock
#                                      # for less time, more costs fewer commits
"""


TICK_BATCH = 200  # due rows a tick fires in one transaction, unless [scheduler] tick_batch says otherwise


@dataclass(frozen=True)
class MailSettings:
    backend: str
    sender: str
    maildir: Path
    smtp_host: str
    smtp_port: int
    smtp_starttls: bool
    smtp_username: str
    smtp_password_env: str
    max_attempts: int
    retry_base_seconds: int
    digest: bool
    retry_max_seconds: int = 3600
    retry_hours: int = 72


@dataclass(frozen=True)
class WebSettings:
    base_url: str = "http://127.0.0.1:8080"
    secret_key_env: str = "GOV_SECRET_KEY"
    link_days: int = 14

    @property
    def secure(self) -> bool:
        """Cookies are sent over HTTPS only when the instance is served there."""
        return self.base_url.lower().startswith("https://")

    def secret_key(self) -> bytes | None:
        """The signing key, from the environment only; None when the variable is unset or empty."""
        value = os.environ.get(self.secret_key_env, "") if self.secret_key_env else ""
        return value.encode("utf-8") if value else None


@dataclass(frozen=True)
class Settings:
    path: Path
    database_url: str
    rules_dir: Path
    workflows_dir: Path
    templates_dir: Path
    mail: MailSettings
    rehearsal: bool = False
    max_file_bytes: int = 20 * 1024 * 1024
    # The environment variable holding the database password: put into the URL when connecting, never into a file.
    database_password_env: str | None = None
    web: WebSettings = WebSettings()
    tick_batch: int = TICK_BATCH


@dataclass(frozen=True)
class _Key:
    """What one key of config.toml may hold."""

    kind: str  # text | path | url | base_url | env | email | bool | int | choice
    default: Any
    low: int = 0
    high: int = 0
    choices: tuple[str, ...] = ()
    empty_ok: bool = False


# Every table and key config.toml may hold; anything else is a misspelling to point out, not to ignore.
SCHEMA: dict[str, dict[str, _Key]] = {
    "database": {
        "url": _Key("url", "sqlite:///governance.db"),
        "password_env": _Key("env", "", empty_ok=True),
    },
    "instance": {
        "rehearsal": _Key("bool", False),
        "rules": _Key("path", "rules"),
        "workflows": _Key("path", "workflows"),
        "templates": _Key("path", "templates"),
        "max_file_mb": _Key("int", 20, 1, 1024),
    },
    "mail": {
        "backend": _Key("choice", "maildir", choices=("maildir", "smtp")),
        "sender": _Key("email", "secretariat@example.org"),
        "maildir": _Key("path", "mail"),
        "smtp_host": _Key("text", "127.0.0.1", empty_ok=True),
        "smtp_port": _Key("int", 25, 1, 65535),
        "smtp_starttls": _Key("bool", False),
        "smtp_username": _Key("text", "", empty_ok=True),
        "smtp_password_env": _Key("env", "GOV_SMTP_PASSWORD", empty_ok=True),
        "max_attempts": _Key("int", 6, 1, 100),
        "retry_base_seconds": _Key("int", 60, 1, 86_400),
        "retry_max_seconds": _Key("int", 3600, 1, 604_800),
        "retry_hours": _Key("int", 72, 0, 2160),
        "digest": _Key("bool", True),
    },
    "web": {
        "base_url": _Key("base_url", "http://127.0.0.1:8080"),
        "secret_key_env": _Key("env", "GOV_SECRET_KEY"),
        "link_days": _Key("int", 14, 1, 365),
    },
    "scheduler": {
        "tick_batch": _Key("int", TICK_BATCH, 1, 10_000),
    },
}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Links in letters start with it: a scheme, a host (and port, path), nothing a letter could not carry on one line.
_BASE_URL = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+(/[A-Za-z0-9._~\-/%]*)?")


def config_text(rehearsal: bool) -> str:
    """The shipped config.toml, marked live or rehearsal."""
    return DEFAULT_CONFIG.replace("rehearsal = false", f"rehearsal = {'true' if rehearsal else 'false'}", 1)


def config_path(option: str | None) -> Path:
    return Path(option or os.environ.get("GOV_CONFIG") or "config.toml")


# Settings already read in this process, by the file's path (as given and resolved) and contents: a process that opens
# its instance again (the web application, calls in process) validates config.toml once per version of it.
_READ: dict[tuple[str, str, bytes], Settings] = {}


def load_settings(path: Path) -> Settings:
    """Read and validate config.toml; every problem is reported as `PATH:LINE: message` (DefinitionErrors, exit 2)."""
    if not path.is_file():
        raise BadInput(f"no instance at {path}: there is no such config file (create one with `gov init`, or pass --config)")
    try:
        key = (str(path), str(path.resolve()), path.read_bytes())
    except OSError:
        key = None
    if key is not None and key in _READ:
        return _READ[key]
    settings = _read_settings(path)
    if key is not None:
        if len(_READ) >= 16:
            _READ.pop(next(iter(_READ)))
        _READ[key] = settings
    return settings


def _read_settings(path: Path) -> Settings:
    try:
        doc = tomlpos.load(path)
    except tomlpos.TomlSyntaxError as exc:
        raise DefinitionErrors([str(exc)]) from None
    problems: list[str] = []
    values = _validate(doc, problems)
    if problems:
        raise DefinitionErrors(problems)
    base = path.resolve().parent
    database, instance, mail = values["database"], values["instance"], values["mail"]
    return Settings(
        path=path,
        database_url=_resolve_sqlite(database["url"], base),
        rules_dir=base / instance["rules"],
        workflows_dir=base / instance["workflows"],
        templates_dir=base / instance["templates"],
        mail=MailSettings(
            backend=mail["backend"],
            sender=mail["sender"],
            maildir=base / mail["maildir"],
            smtp_host=mail["smtp_host"],
            smtp_port=mail["smtp_port"],
            smtp_starttls=mail["smtp_starttls"],
            smtp_username=mail["smtp_username"],
            smtp_password_env=mail["smtp_password_env"],
            max_attempts=mail["max_attempts"],
            retry_base_seconds=mail["retry_base_seconds"],
            digest=mail["digest"],
            retry_max_seconds=mail["retry_max_seconds"],
            retry_hours=mail["retry_hours"],
        ),
        rehearsal=instance["rehearsal"],
        max_file_bytes=instance["max_file_mb"] * 1024 * 1024,
        database_password_env=database["password_env"] or None,
        web=WebSettings(base_url=values["web"]["base_url"].rstrip("/"), secret_key_env=values["web"]["secret_key_env"],
                        link_days=values["web"]["link_days"]),
        tick_batch=values["scheduler"]["tick_batch"],
    )


def _validate(doc: tomlpos.Located, problems: list[str]) -> dict[str, dict[str, Any]]:
    """Every table and key checked against SCHEMA; the values (defaults filled in) by table."""
    known_tables = ", ".join(f"[{name}]" for name in SCHEMA)
    for name, value in doc.data.items():
        if name not in SCHEMA:
            what = f"unknown table [{name}]" if isinstance(value, dict) else f"unknown key {name!r} outside any table"
            problems.append(f"{doc.where((name,))}: {what} (config.toml has {known_tables})")
    values: dict[str, dict[str, Any]] = {}
    for table, keys in SCHEMA.items():
        raw = doc.data.get(table, {})
        values[table] = {name: key.default for name, key in keys.items()}
        if not isinstance(raw, dict):
            problems.append(f"{doc.where((table,))}: [{table}] must be a table")
            continue
        for name, value in raw.items():
            key = keys.get(name)
            if key is None:
                problems.append(f"{doc.where((table, name))}: unknown key {name!r} in [{table}] (known: {', '.join(keys)})")
                continue
            problem = _problem(key, value)
            if problem:
                problems.append(f"{doc.where((table, name))}: {table}.{name} {problem}")
                continue
            values[table][name] = value
    mail = values["mail"]
    if mail["backend"] == "smtp" and not mail["smtp_host"].strip():
        problems.append(f"{doc.where(('mail', 'smtp_host'))}: mail.smtp_host must name the SMTP server when mail.backend is \"smtp\"")
    return values


def _problem(key: _Key, value: Any) -> str | None:
    """Why `value` cannot be this key's, or None."""
    if key.kind == "bool":
        return None if isinstance(value, bool) else f"must be true or false, not {_kind(value)}"
    if key.kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            return f"must be a whole number, not {_kind(value)}"
        if not key.low <= value <= key.high:
            return f"must be from {key.low} to {key.high}, not {value}"
        return None
    if not isinstance(value, str):
        return f"must be text, not {_kind(value)}"
    if not value.strip():
        return None if key.empty_ok else "must not be empty"
    problem = line_problem(value)
    if problem:
        return problem
    if key.kind == "choice" and value not in key.choices:
        return f"must be one of {', '.join(repr(c) for c in key.choices)}, not {value!r}"
    if key.kind == "email" and not is_email(value):
        return f"must be one plain e-mail address such as secretariat@example.org, not {value!r}"
    if key.kind == "base_url" and not _BASE_URL.fullmatch(value):
        return f"must be the address people reach the web application at, such as https://gov.example.org, not {value!r}"
    if key.kind == "env" and not _ENV_NAME.fullmatch(value):
        return f"must name an environment variable (letters, digits and '_'), not {value!r}"
    return None


def _kind(value: Any) -> str:
    names = {str: "text", bool: "true/false", int: "a whole number", float: "a number", list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _resolve_sqlite(url: str, base: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
        return prefix + str(base / url[len(prefix):])
    return url


def shipped_defaults() -> Path:
    """The folder holding the shipped rules/ and workflows/ (inside the package, or the source checkout)."""
    packaged = Path(__file__).parent / "defaults"
    if (packaged / "rules").is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent
