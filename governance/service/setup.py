"""Scaffolding an instance: config, rules and workflows from the shipped defaults, and its database schema."""

from __future__ import annotations

import shutil
from pathlib import Path

from governance.config import config_text, load_settings, shipped_defaults
from governance.errors import BadInput
from governance.store.db import Database
from governance.store.migrate import upgrade


def init_instance(folder: Path, rehearsal: bool = False) -> dict[str, object]:
    """Create what is absent, upgrade the schema; never overwrite what a person has edited.

    A rehearsal instance accepts `--now` (demos, tests, trying a procedure); a live one lives on the real clock.
    An existing instance keeps what it is: turning a live record into a rehearsal would let its past be rewritten.
    """
    folder.mkdir(parents=True, exist_ok=True)
    created: list[str] = []
    config = folder / "config.toml"
    if not config.exists():
        config.write_text(config_text(rehearsal), encoding="utf-8")
        created.append(str(config))
    settings = load_settings(config)
    if rehearsal and not settings.rehearsal:
        raise BadInput(f"{config} is a live instance ([instance] rehearsal = false); --rehearsal makes only new instances")
    defaults = shipped_defaults()
    for name, target in (("rules", settings.rules_dir), ("workflows", settings.workflows_dir)):
        if not target.exists():
            shutil.copytree(defaults / name, target)
            created.append(str(target))
    # The rules and workflows must be whole before a database is built on them.
    from governance.service.context import load_definitions

    load_definitions(settings)
    database = Database(settings.database_url, settings.database_password_env)
    try:
        before, after = upgrade(database)
    finally:
        database.dispose()
    return {"dir": str(folder.resolve()), "created": created, "schema_before": before, "schema": after,
            "database": database.safe_url(), "rehearsal": settings.rehearsal}

