"""Scaffolding an instance: config, rules and workflows from the shipped defaults, and its database schema."""

from __future__ import annotations

import shutil
from pathlib import Path

from governance.config import DEFAULT_CONFIG, load_settings, shipped_defaults
from governance.store.db import Database
from governance.store.migrate import upgrade


def init_instance(folder: Path) -> dict[str, object]:
    """Create what is absent, upgrade the schema; never overwrite what a person has edited."""
    folder.mkdir(parents=True, exist_ok=True)
    created: list[str] = []
    config = folder / "config.toml"
    if not config.exists():
        config.write_text(DEFAULT_CONFIG, encoding="utf-8")
        created.append(str(config))
    settings = load_settings(config)
    defaults = shipped_defaults()
    for name, target in (("rules", settings.rules_dir), ("workflows", settings.workflows_dir)):
        if not target.exists():
            shutil.copytree(defaults / name, target)
            created.append(str(target))
    # The rules and workflows must be whole before a database is built on them.
    from governance.service.context import load_definitions

    load_definitions(settings)
    database = Database(settings.database_url)
    try:
        before, after = upgrade(database)
    finally:
        database.dispose()
    return {"dir": str(folder.resolve()), "created": created, "schema_before": before, "schema": after,
            "database": database.safe_url()}
