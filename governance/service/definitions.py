"""Checking rules and workflow files together, as `gov rules check` reports them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from governance import tomlpos
from governance.clock import shown
from governance.config import config_path, load_settings, shipped_defaults
from governance.errors import BadInput, DefinitionErrors
from governance.mail.render import template_names
from governance.rules import Rules, check_rules_files
from governance.workflows import check_workflow_files


def check_paths(config: str | None, paths: list[Path], now: str | None = None) -> dict[str, Any]:
    """Validate the given files (or the instance's), rules first, workflows against those rules."""
    templates_dir = None
    if paths:
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                files.extend(sorted(path.glob("*.toml")))
            elif path.exists():
                files.append(path)
            else:
                raise BadInput(f"{path}: no such file or folder")
        rule_files = [f for f in files if _is_rules(f)]
        workflow_files = [f for f in files if f not in rule_files]
    else:
        settings = load_settings(config_path(config))
        templates_dir = settings.templates_dir
        rule_files = sorted(settings.rules_dir.glob("*.toml"))
        workflow_files = sorted(settings.workflows_dir.glob("*.toml"))
    problems: list[str] = []
    rules: Rules | None = None
    if rule_files:
        rules, found = check_rules_files(rule_files)
        problems.extend(found)
    if workflow_files:
        against = rules if rule_files else _reference_rules(config)
        _, found = check_workflow_files(workflow_files, against, template_names(templates_dir))
        problems.extend(found)
    # The instance's own files, sound: its database may still hold rows written under an older version of them.
    warnings = stale_rows(config) if not paths and not problems else []
    if not paths and not problems:
        from governance.service.calendars import closed_day_warnings

        warnings += closed_day_warnings(config, now)
    return {"files": [str(f) for f in rule_files + workflow_files], "problems": problems, "ok": not problems, "warnings": warnings}


def stale_rows(config: str | None) -> list[str]:
    """Pending deadline rows naming a template, audience, trigger, state or guard the instance's files no longer have.

    Such a row fails when it comes due (tick sets it aside as failed and tells the secretariat); one whose state is
    gone is never cancelled. Said here, the files can be put right first. One warning per kind of row (its record
    kind, name and what it names), with how many rows and the first due.
    """
    from sqlalchemy import func, select
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from governance.service.audiences import known
    from governance.service.context import open_instance
    from governance.service.guards import GUARDS
    from governance.store.models import Deadline
    from governance.workflows import records

    settings = load_settings(config_path(config))
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return []  # no database yet (`gov init` makes it); connecting would create an empty file
    try:
        instance = open_instance(config_path(config), None, require_schema=False)
    except (BadInput, DefinitionErrors):
        return []  # the instance cannot open at all: every command that opens it says why
    templates = template_names(settings.templates_dir)
    prefix = func.substr(Deadline.ref, 1, 1)
    shape = (prefix, Deadline.name, Deadline.fire, Deadline.scope, Deadline.template, Deadline.audience, Deadline.condition)
    try:
        if instance.db.schema_revision() is None:
            return []  # not initialised, so no rows
        with instance.db.read() as session:
            groups = session.execute(select(*shape, func.count(), func.min(Deadline.due), func.min(Deadline.ref))
                                     .where(Deadline.status == "pending").group_by(*shape)).all()
    except SQLAlchemyError as exc:
        return [f"the pending deadline rows could not be read from the database ({type(exc).__name__}), so they were not checked"]
    finally:
        instance.db.dispose()
    warnings = []
    for letter, name, fire, scope, template, audience, condition, count, first_due, example in groups:
        spec = instance.workflows.get(getattr(records.by_prefix((letter or "").upper()), "kind", ""))
        workflow = f"the {spec.record} workflow" if spec else "any workflow"
        missing = []
        if template and template not in templates:
            missing.append(f"template {template!r} (no such letter)")
        missing += [f"audience {a!r} (unknown to the engine)" for a in (audience or "").split(",") if a and not known(instance.rules, a)]
        if fire and (spec is None or fire not in spec.triggers):
            missing.append(f"trigger {fire!r} (not in {workflow})")
        if condition and condition not in GUARDS:
            missing.append(f"guard {condition!r} (unknown to the engine)")
        fails = bool(missing)
        if scope and (spec is None or scope not in spec.states):
            missing.append(f"state {scope!r} (not in {workflow})")
        if not missing:
            continue
        it = "it" if count == 1 else "they"
        # A lost state only means the row is no longer cancelled when its record moves on; the others break it.
        outcome = (f"when due {it} will fail (set aside, the secretariat told)" if fails
                   else f"{it} will no longer be cancelled when {'its record leaves' if count == 1 else 'their records leave'} that state")
        rows = "a pending row" if count == 1 else f"{count} pending rows"
        warnings.append(f"{rows} {name!r} ({example}{'' if count == 1 else ' and others'}, first due {shown(first_due, instance.rules.zone)}) "
                        f"name{'s' if count == 1 else ''} what the files no longer have: {', '.join(missing)}; {outcome}")
    return warnings


def _is_rules(path: Path) -> bool:
    try:
        data = tomlpos.load(path).data
    except tomlpos.TomlSyntaxError:
        return "workflow" not in path.read_text(encoding="utf-8", errors="replace")
    return "workflow" not in data


def _reference_rules(config: str | None) -> Rules | None:
    """Rules to check lone workflow files against: the instance's if there is one, else the shipped ones."""
    candidates = []
    try:
        candidates.append(load_settings(config_path(config)).rules_dir)
    except BadInput:
        pass
    candidates.append(shipped_defaults() / "rules")
    for folder in candidates:
        rules, problems = check_rules_files(sorted(folder.glob("*.toml")))
        if rules is not None and not problems:
            return rules
    return None
