"""Checking rules and workflow files together, as `gov rules check` reports them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from governance import tomlpos
from governance.config import config_path, load_settings, shipped_defaults
from governance.errors import BadInput
from governance.mail.render import template_names
from governance.rules import Rules, check_rules_files
from governance.workflows import check_workflow_files


def check_paths(config: str | None, paths: list[Path]) -> dict[str, Any]:
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
    return {"files": [str(f) for f in rule_files + workflow_files], "problems": problems, "ok": not problems}


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
