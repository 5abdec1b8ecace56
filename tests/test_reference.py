"""The README's reference of rules and workflow keys is the one the validators generate."""

from pathlib import Path

from governance.reference import BEGIN, END, markdown
from governance.rules.schema import TABLES
from governance.workflows import registry


def test_readme_reference_matches_the_validators_schema():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split(BEGIN, 1)[1].split(END, 1)[0]
    assert section.strip() == markdown().strip(), "README reference is stale: regenerate it with `gov rules reference`"


def test_reference_names_every_key_guard_effect_and_audience():
    text = markdown()
    for table in TABLES:
        for key in table.keys:
            assert f"`{key.name}`" in text
    for name in list(registry.GUARDS) + list(registry.EFFECTS) + list(registry.AUDIENCES):
        assert f"`{name}`" in text


def test_schema_head_constant_is_the_migrations_head():
    from alembic.script import ScriptDirectory

    from governance.store.db import SCHEMA_HEAD, Database
    from governance.store.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config(Database("sqlite://")))
    assert script.get_current_head() == SCHEMA_HEAD


def test_the_readmes_how_it_works_names_only_rooms_files_and_functions_that_exist():
    """The developers' section is kept true by the code: every file it names is there, every function it names imports."""
    import importlib
    import re

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How it works (for developers)", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([^`\s]+)`", section))
    files = {n.rstrip("/") for n in named if n.endswith((".py", "/")) or n.startswith("governance/")}
    for name in files:
        candidates = [root / name, root / "governance" / name]
        found = any(p.exists() for p in candidates) or ("/" not in name and any((root / "governance").rglob(name)))
        assert found or "{" in name, f"README names {name}, which does not exist"
    symbols = {
        "governance.service.transaction": ["change", "finish"],
        "governance.service.engine": ["advance"],
        "governance.service.effects": ["Workflow", "pending_row", "effect", "Step"],
        "governance.service.guards": ["guard"],
        "governance.workflows.records": ["RecordType", "register"],
        "governance.workflows.machine": ["WorkflowMachine"],
        "governance.hints": ["Hint"],
        "governance.service.sending": ["send_pending"],
    }
    for module, names in symbols.items():
        loaded = importlib.import_module(module)
        for name in names:
            assert hasattr(loaded, name), f"{module}.{name} is named in the README's How it works but does not exist"
    assert "step.workflow" in section and hasattr(importlib.import_module("governance.service.effects").Step, "workflow")
