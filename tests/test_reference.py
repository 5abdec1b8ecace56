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
