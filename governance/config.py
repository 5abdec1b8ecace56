"""config.toml -> settings: where the database, rules, workflows and mail are."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from governance.errors import BadInput

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
"""


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
class Settings:
    path: Path
    database_url: str
    rules_dir: Path
    workflows_dir: Path
    templates_dir: Path
    mail: MailSettings
    rehearsal: bool = False
    max_file_bytes: int = 20 * 1024 * 1024


def config_text(rehearsal: bool) -> str:
    """The shipped config.toml, marked live or rehearsal."""
    return DEFAULT_CONFIG.replace("rehearsal = false", f"rehearsal = {'true' if rehearsal else 'false'}", 1)


def config_path(option: str | None) -> Path:
    return Path(option or os.environ.get("GOV_CONFIG") or "config.toml")


def load_settings(path: Path) -> Settings:
    if not path.is_file():
        raise BadInput(f"no instance at {path}: there is no such config file (create one with `gov init`, or pass --config)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: the config file is not valid TOML ({exc})") from None
    base = path.resolve().parent
    database = _table(data, "database", path)
    instance = _table(data, "instance", path)
    mail = _table(data, "mail", path)
    url = _str(database, "url", "sqlite:///governance.db", path, "database")
    return Settings(
        path=path,
        database_url=_resolve_sqlite(url, base),
        rules_dir=base / _str(instance, "rules", "rules", path, "instance"),
        workflows_dir=base / _str(instance, "workflows", "workflows", path, "instance"),
        templates_dir=base / _str(instance, "templates", "templates", path, "instance"),
        mail=MailSettings(
            backend=_choice(mail, "backend", "maildir", ("maildir", "smtp"), path),
            sender=_str(mail, "sender", "secretariat@example.org", path, "mail"),
            maildir=base / _str(mail, "maildir", "mail", path, "mail"),
            smtp_host=_str(mail, "smtp_host", "127.0.0.1", path, "mail"),
            smtp_port=_int(mail, "smtp_port", 25, path),
            smtp_starttls=bool(mail.get("smtp_starttls", False)),
            smtp_username=_str(mail, "smtp_username", "", path, "mail"),
            smtp_password_env=_str(mail, "smtp_password_env", "GOV_SMTP_PASSWORD", path, "mail"),
            max_attempts=_int(mail, "max_attempts", 6, path),
            retry_base_seconds=_int(mail, "retry_base_seconds", 60, path),
            digest=bool(mail.get("digest", True)),
            retry_max_seconds=_int(mail, "retry_max_seconds", 3600, path),
            retry_hours=_int(mail, "retry_hours", 72, path),
        ),
        rehearsal=instance.get("rehearsal", False) is True,
        max_file_bytes=_int(instance, "max_file_mb", 20, path) * 1024 * 1024,
    )


def _resolve_sqlite(url: str, base: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
        return prefix + str(base / url[len(prefix):])
    return url


def _table(data: dict, name: str, path: Path) -> dict:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise BadInput(f"{path}: [{name}] must be a table")
    return value


def _str(table: dict, key: str, default: str, path: Path, where: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise BadInput(f"{path}: {where}.{key} must be text")
    return value


def _int(table: dict, key: str, default: int, path: Path) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadInput(f"{path}: mail.{key} must be a whole number")
    return value


def _choice(table: dict, key: str, default: str, choices: tuple[str, ...], path: Path) -> str:
    value = table.get(key, default)
    if value not in choices:
        raise BadInput(f"{path}: mail.{key} must be one of {', '.join(choices)}, not {value!r}")
    return str(value)


def shipped_defaults() -> Path:
    """The folder holding the shipped rules/ and workflows/ (inside the package, or the source checkout)."""
    packaged = Path(__file__).parent / "defaults"
    if (packaged / "rules").is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent
