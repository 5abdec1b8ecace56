"""An open instance (settings, rules, workflows, database, clock) and the operation in flight."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.clock import Clock, FixedClock, SystemClock, parse_moment
from governance.config import Settings, load_settings
from governance.errors import BadInput
from governance.rules import Rules, load_rules
from governance.workflows import WorkflowSpec, load_workflows

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from governance.store.db import Database


@dataclass
class Instance:
    settings: Settings
    rules: Rules
    workflows: dict[str, WorkflowSpec]
    db: Database
    clock: Clock
    clock_given: bool = False  # --now was given: the moment is declared, not read
    wall: Clock = field(default_factory=SystemClock)  # when entries are recorded, whatever moment --now declares
    schema_checked: bool = False  # the database's schema was found current when it was opened

    def require_real_time(self) -> None:
        """A live instance's record is written at the real moment; a declared one would backdate the evidence."""
        if self.clock_given and not self.settings.rehearsal:
            from governance.errors import NotPermitted

            raise NotPermitted(
                "this is a live instance, so --now (or GOV_NOW) is refused for anything that writes: it would date the record "
                "at a moment of your choosing; try procedures on a rehearsal instance (`gov init --rehearsal DIR`)"
            )

    @cached_property
    def machines(self) -> dict[str, Any]:
        """One transitions Machine per workflow (engine.WorkflowMachine), built on first use and kept while the instance is open."""
        from governance.service.engine import build_machines

        return build_machines(self.workflows)

    @cached_property
    def renderer(self) -> Any:
        from governance.mail.render import Renderer

        return Renderer(self.rules.zone, self.rules.short_name, self.rules.working_language, self.rules.languages, self.settings.templates_dir,
                        self.rules.hijri_languages)


def letter_names(override: Path | None = None) -> set[str]:
    """Every letter a workflow may name: the shipped English set and any override (as mail.render.template_names).

    Listed here, not asked of the renderer: importing Jinja2 would cost every read command a fifth of its start-up.
    """
    import governance.mail

    names = {p.stem for p in (Path(governance.mail.__file__).parent / "templates" / "en").glob("*.txt")}
    if override and (override / "en").is_dir():
        names |= {p.stem for p in (override / "en").glob("*.txt")}
    return names


# Rules and workflows already read in this process, by the files' paths and contents: a process that opens its
# instance again and again (the web application, the scheduler, a test suite calling `gov` in process) parses and
# checks them once. What is kept is never changed after it is built.
_READ: dict[tuple[Any, ...], tuple[Rules, dict[str, WorkflowSpec]]] = {}
_READ_KEPT = 16


def load_definitions(settings: Settings) -> tuple[Rules, dict[str, WorkflowSpec]]:
    if not settings.rules_dir.is_dir():
        _missing(settings.rules_dir, "rules")
    if not settings.workflows_dir.is_dir():
        _missing(settings.workflows_dir, "workflows")
    letters = letter_names(settings.templates_dir)
    key = (_contents(settings.rules_dir), _contents(settings.workflows_dir), frozenset(letters))
    if key not in _READ:
        rules = load_rules(settings.rules_dir)
        workflows = load_workflows(settings.workflows_dir, rules, letters)
        if len(_READ) >= _READ_KEPT:
            _READ.pop(next(iter(_READ)))
        _READ[key] = (rules, workflows)
    return _READ[key]


def _contents(folder: Path) -> tuple[tuple[str, bytes], ...]:
    """Each TOML file of a folder by name and its bytes (times of change are too coarse to tell two quick edits of the
    same size apart). The bytes themselves, not a digest of them: the files are a few kilobytes, and a digest would
    cost a read its import of hashlib."""
    return tuple((str(path), path.read_bytes()) for path in sorted(folder.glob("*.toml")))


def _missing(path: Path, what: str) -> Any:
    raise BadInput(f"the {what} folder {path} does not exist (run `gov init` to create it)")


@dataclass(frozen=True)
class Files:
    """What an instance is without its database: settings, rules, workflows, and the clock `--now` gives."""

    settings: Settings
    rules: Rules
    workflows: dict[str, WorkflowSpec]
    clock: Clock
    clock_given: bool


def open_files(config: Path, now: str | None) -> Files:
    """The instance's files read (once per process and version of them) and its clock; no database is opened."""
    settings = load_settings(config)
    rules, workflows = load_definitions(settings)
    clock: Clock = FixedClock(parse_moment(now, rules.zone, "--now")) if now else SystemClock()
    return Files(settings, rules, workflows, clock, bool(now))


def open_instance(config: Path, now: str | None, require_schema: bool = True, files: Files | None = None) -> Instance:
    """The instance `config` names, its database opened; `files` when they were read already (by a plain read)."""
    from governance.store.db import Database

    files = files or open_files(config, now)
    settings, rules, workflows, clock = files.settings, files.rules, files.workflows, files.clock
    db = Database(settings.database_url, settings.database_password_env)
    if require_schema:
        db.require_current()
    return Instance(settings, rules, workflows, db, clock, clock_given=bool(now), schema_checked=require_schema)


@dataclass(frozen=True)
class Channel:
    """How a change reached the engine (cli, link, web, engine) and through whom or what (an OS user, a link's id)."""

    name: str
    via: str | None = None


ENGINE = Channel("engine")
AUDIENCES = "audiences"  # the key of Operation.memo under which a batch keeps the audiences it looked up


def operator_channel() -> Channel:
    """A change typed on this machine: the operating-system user is recorded, whoever `--as` names."""
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (a bare container)
        user = f"uid {os.getuid()}" if hasattr(os, "getuid") else None
    return Channel("cli", user[:200] if user else None)


@dataclass
class Operation:
    """One change in flight: what it writes is gathered here and written in bulk when it ends."""

    instance: Instance
    session: Session
    actor: Any  # service.actors.Actor
    now: datetime
    audit: list[dict[str, Any]] = field(default_factory=list)
    mail: list[Any] = field(default_factory=list)
    deadlines: list[Any] = field(default_factory=list)
    cancelled: list[tuple[str, str, datetime]] = field(default_factory=list)
    dry_run: bool = False
    channel: Channel = field(default_factory=lambda: ENGINE)
    # Things done but worth a second look (a meeting entered with a past date): the change stands, the caller says them.
    warnings: list[str] = field(default_factory=list)
    # What a long operation (a batch of due rows) looked up once and reuses: under AUDIENCES, the people of each
    # audience not tied to a record (service/audiences.py); whoever changes what an entry depends on clears it.
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def rules(self) -> Rules:
        return self.instance.rules
