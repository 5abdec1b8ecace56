"""Load rules files, validate every key against the schema, report each problem as `PATH:LINE: message`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from governance import tomlpos
from governance.clock import parse_hhmm
from governance.errors import DefinitionErrors
from governance.rules.model import Provision, Rules
from governance.rules.schema import COMMON_KEYS, CURRENT_VERSION, LANGUAGES, TABLES, TOP_LEVEL, Key, table_for

# Named migrations from older file versions to the current one (none yet: version 1 is the first).
MIGRATIONS: dict[int, Any] = {}


def load_rules(paths: list[Path] | Path) -> Rules:
    """Rules from a folder of `*.toml` files (or a list of files); raises DefinitionErrors on any problem."""
    files = _files(paths)
    problems: list[str] = []
    rules = _build(files, problems)
    if problems or rules is None:
        raise DefinitionErrors(problems or ["no rules files found"])
    return rules


def check_rules_files(files: list[Path]) -> tuple[Rules | None, list[str]]:
    """Validate without raising: the rules (if whole) and every problem found."""
    problems: list[str] = []
    rules = _build(files, problems)
    return (rules if not problems else None), problems


def _files(paths: list[Path] | Path) -> list[Path]:
    if isinstance(paths, Path):
        if paths.is_dir():
            return sorted(paths.glob("*.toml"))
        return [paths]
    return list(paths)


def _build(files: list[Path], problems: list[str]) -> Rules | None:
    if not files:
        problems.append("no rules files found (expected rules/*.toml)")
        return None
    provisions: dict[str, Provision] = {}
    located_by_table: dict[str, tomlpos.Located] = {}
    for path in files:
        try:
            doc = tomlpos.load(path)
        except tomlpos.TomlSyntaxError as exc:
            problems.append(str(exc))
            continue
        _check_document(doc, provisions, located_by_table, problems)
    if problems:
        return None
    for table in TABLES:
        if table.required and not any(_matches(table.path, p) for p in provisions):
            where = f"{files[0]}:1"
            problems.append(f"{where}: the rules have no [{table.path.replace('.*', '.NAME')}] table")
    if problems:
        return None
    for table in TABLES:
        # An optional table of its own (not a family such as [offices.NAME]) left out takes its defaults: rules written
        # before it existed keep working, and the engine reads one shape.
        if not table.required and "*" not in table.path and table.path not in provisions:
            values = {k.name: list(k.default) if isinstance(k.default, list) else k.default for k in table.keys}
            provisions[table.path] = Provision(table.path, values, "", (), "")
    rules = Rules(provisions, tuple(str(f) for f in files))
    _check_references(rules, located_by_table, problems)
    return None if problems else rules


def _matches(pattern: str, path: str) -> bool:
    a, b = pattern.split("."), path.split(".")
    return len(a) == len(b) and all(x == "*" or x == y for x, y in zip(a, b))


def _check_document(
    doc: tomlpos.Located,
    provisions: dict[str, Provision],
    located_by_table: dict[str, tomlpos.Located],
    problems: list[str],
) -> None:
    data = doc.data
    version = data.get("version", CURRENT_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(f"{doc.where(('version',))}: version must be a positive whole number, not {version!r}")
        return
    if version > CURRENT_VERSION:
        problems.append(f"{doc.where(('version',))}: version {version} is newer than this engine reads (up to {CURRENT_VERSION})")
        return
    while version < CURRENT_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
    for top, value in data.items():
        if top not in TOP_LEVEL:
            problems.append(f"{doc.where((top,))}: unknown table [{top}] (known: {', '.join(sorted(TOP_LEVEL - {'version'}))})")
            continue
        if top == "version":
            continue
        if not isinstance(value, dict):
            problems.append(f"{doc.where((top,))}: [{top}] must be a table")
            continue
        if table_for((top,)) is not None:
            _add_table(doc, (top,), value, provisions, located_by_table, problems)
        else:  # a family of tables: [meetings.general], [offices.chair]
            if not value:
                problems.append(f"{doc.where((top,))}: [{top}] declares no {top} (add e.g. [{top}.NAME])")
            for name, sub in value.items():
                if not isinstance(sub, dict):
                    problems.append(f"{doc.where((top, name))}: {top}.{name} must be a table")
                    continue
                _add_table(doc, (top, name), sub, provisions, located_by_table, problems)


def _add_table(
    doc: tomlpos.Located,
    path: tuple[str, ...],
    raw: dict[str, Any],
    provisions: dict[str, Provision],
    located_by_table: dict[str, tomlpos.Located],
    problems: list[str],
) -> None:
    dotted = ".".join(path)
    schema = table_for(path)
    if schema is None:
        problems.append(f"{doc.where(path)}: unknown table [{dotted}]")
        return
    if dotted in provisions:
        problems.append(f"{doc.where(path)}: [{dotted}] is already defined in {provisions[dotted].source}")
        return
    values: dict[str, Any] = {}
    before = len(problems)
    for name, value in raw.items():
        if isinstance(value, dict) and table_for(path + (name,)) is not None:  # a table of its own inside it: [decisions.written]
            _add_table(doc, path + (name,), value, provisions, located_by_table, problems)
            continue
        key = schema.key(name)
        if key is None:
            known = ", ".join(k.name for k in schema.keys + COMMON_KEYS)
            problems.append(f"{doc.where(path + (name,))}: unknown key {name!r} in [{dotted}] (known: {known})")
            continue
        message = _check_value(key, value)
        if message:
            problems.append(f"{doc.where(path + (name,))}: {dotted}.{name} {message}")
            continue
        values[name] = _closures(value) if key.kind == "list[closure]" else value
    for key in schema.keys:
        if key.name not in raw:
            if key.required:
                problems.append(f"{doc.where(path)}: [{dotted}] is missing {key.name!r} ({key.doc})")
            else:
                values[key.name] = list(key.default) if isinstance(key.default, list) else key.default
    illustrative = tuple(values.get("illustrative") or ())
    for name in illustrative:
        if schema.key(name) is None or name in ("article", "illustrative"):
            problems.append(f"{doc.where(path + ('illustrative',))}: {dotted}.illustrative names {name!r}, which is not a key of [{dotted}]")
    if len(problems) > before:
        return
    located_by_table[dotted] = doc
    values.pop("illustrative", None)
    article = values.pop("article", "") or ""
    provisions[dotted] = Provision(dotted, values, article, illustrative, doc.path)


def _check_value(key: Key, value: Any) -> str | None:
    kind = key.kind
    if kind in ("str", "timezone", "language", "choice"):
        if not isinstance(value, str):
            return f"must be text, not {_kind(value)}"
        if key.nonempty and not value.strip():
            return "must not be empty"
        if kind == "timezone":
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                return f"names an unknown time zone {value!r} (use an IANA name such as \"Europe/Istanbul\")"
        if kind == "language" and value not in LANGUAGES:
            return f"must be one of {', '.join(LANGUAGES)}, not {value!r}"
        if kind == "choice" and value not in key.choices:
            return f"must be one of {', '.join(repr(c) for c in key.choices)}, not {value!r}"
        return None
    if kind == "time":
        if not isinstance(value, str):
            return f"must be a time of day written as text, \"HH:MM\", not {_kind(value)}"
        if parse_hhmm(value) is None:
            return f"must be a time of day written HH:MM (00:00 to 23:59), such as \"17:00\", not {value!r}"
        return None
    if kind == "bool":
        return None if isinstance(value, bool) else f"must be true or false, not {_kind(value)}"
    if kind in ("int", "float"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        if kind == "float":
            ok = ok or (isinstance(value, float) and math.isfinite(value))
        if not ok:
            return f"must be a {'whole ' if kind == 'int' else ''}number, not {_kind(value)}"
        return _range(key, value)
    if kind in _CALENDAR_KINDS:
        return _CALENDAR_KINDS[kind](value)
    if kind.startswith("list["):
        if not isinstance(value, list):
            return f"must be a list, not {_kind(value)}"
        if key.nonempty and not value:
            return "must not be empty"
        inner = kind[5:-1]
        for item in value:
            if inner == "str" and (not isinstance(item, str) or not item.strip()):
                return f"must list non-empty text items, not {_kind(item)}"
            if inner == "int":
                if not isinstance(item, int) or isinstance(item, bool):
                    return f"must list whole numbers, not {_kind(item)}"
                bad = _range(Key(key.name, "int", "", minimum=0, maximum=3660), item)
                if bad:
                    return f"item {item} {bad}"
        if len(set(map(repr, value))) != len(value):
            return "lists an item twice"
        if key.name == "languages" and any(v not in LANGUAGES for v in value):
            return f"may only list {', '.join(LANGUAGES)}"
        return None
    return None


def _weekdays(value: Any) -> str | None:
    from governance.calendars import WEEKDAYS

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return f"must be a list of days written as text ({', '.join(WEEKDAYS)}), not {_kind(value)}"
    wrong = [v for v in value if v.strip().lower() not in WEEKDAYS]
    if wrong:
        return f"names {wrong[0]!r}, which is not a day of the week (use {', '.join(WEEKDAYS)})"
    if len({v.strip().lower() for v in value}) != len(value):
        return "lists a day twice"
    if len(value) == 7:
        return "closes every day of the week: at least one day must be a working day"
    return None


def _countries(value: Any) -> str | None:
    from governance.countries import is_country

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return f"must be a list of country codes written as text (ISO 3166 alpha-3, such as \"TUR\"), not {_kind(value)}"
    wrong = [v for v in value if not is_country(v) or v != v.upper()]
    if wrong:
        return f"names {wrong[0]!r}, which is not an ISO 3166 alpha-3 country code in capitals (such as \"TUR\" or \"SAU\")"
    if len(set(value)) != len(value):
        return "lists a country twice"
    return None


def _closure_check(value: Any) -> str | None:
    if not isinstance(value, list):
        return f"must be a list of closures such as {{ date = 2021-07-19, reason = \"...\" }}, not {_kind(value)}"
    for number, item in enumerate(value, 1):
        if not isinstance(item, dict):
            return f"item {number} must be a table such as {{ date = 2021-07-19, reason = \"...\" }}, not {_kind(item)}"
        unknown = sorted(set(item) - {"date", "from", "to", "reason"})
        if unknown:
            return f"item {number} has an unknown key {unknown[0]!r} (known: date, from, to, reason)"
        if not isinstance(item.get("reason"), str) or not item["reason"].strip():
            return f"item {number} must give its reason as text (reason = \"...\")"
        if ("date" in item) == ("from" in item or "to" in item):
            return f"item {number} must give either date, or from and to"
        days = [_day(item[k]) for k in ("date", "from", "to") if k in item]
        if any(d is None for d in days):
            return f"item {number} has a date that is not a day written 2021-07-19"
        if "date" not in item and len(days) != 2:
            return f"item {number} must give both from and to"
        first, last = days[0], days[-1]
        if last < first:  # type: ignore[operator]
            return f"item {number} ends ({last}) before it begins ({first})"
        if (last - first).days > 365:  # type: ignore[operator]
            return f"item {number} closes more than 366 days: give the days of each year separately"
    return None


def _day(value: Any) -> Any:
    """A day given as a TOML date (2021-07-19) or as text ("2021-07-19"); None for anything else."""
    from datetime import date, datetime

    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _closures(value: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Checked closures as text (from, to, reason), so the rules print and serialise as they read."""
    out = []
    for item in value:
        first = _day(item.get("date", item.get("from")))
        last = _day(item.get("date", item.get("to")))
        out.append({"from": first.isoformat(), "to": last.isoformat(), "reason": item["reason"].strip()})
    return out


_CALENDAR_KINDS = {"list[day]": _weekdays, "list[country]": _countries, "list[closure]": _closure_check}


def _range(key: Key, value: float) -> str | None:
    if key.minimum is not None and value < key.minimum:
        return f"must be at least {key.minimum:g}, not {value}"
    if key.maximum is not None and value > key.maximum:
        return f"must be at most {key.maximum:g}, not {value}"
    return None


def _kind(value: Any) -> str:
    names = {str: "text", bool: "true/false", int: "a whole number", float: "a number", list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _check_references(rules: Rules, located: dict[str, tomlpos.Located], problems: list[str]) -> None:
    """Cross-key checks: values that must agree with other values."""
    body = rules.body
    doc = located["body"]
    if body["working_language"] not in body["languages"]:
        problems.append(f"{doc.where(('body', 'working_language'))}: body.working_language {body['working_language']!r} is not among body.languages")
    roles = set(rules.all_roles())
    docs = rules.provision("documents")
    where = located["documents"]
    for role in docs["commenters"]:
        if role not in roles:
            problems.append(f"{where.where(('documents', 'commenters'))}: documents.commenters names unknown role {role!r} (roles: {', '.join(sorted(roles))})")
    for lang in docs["languages_required"]:
        if lang not in body["languages"]:
            problems.append(f"{where.where(('documents', 'languages_required'))}: documents.languages_required names {lang!r}, "
                            f"which is not among body.languages ({', '.join(body['languages'])})")
    for offset in docs["reminder_days_before"]:
        if offset >= docs["comment_period_days"]:
            problems.append(f"{where.where(('documents', 'reminder_days_before'))}: a reminder {offset} days before the deadline falls outside a {docs['comment_period_days']}-day comment period")
    for office in rules.offices():
        provision = rules.provision(f"offices.{office}")
        where = located[f"offices.{office}"]
        if office in rules.standing_roles():
            problems.append(f"{where.where(('offices', office))}: office {office!r} has the name of a standing role")
        if provision["rotation"] == "order" and not provision["order"]:
            problems.append(f"{where.where(('offices', office, 'rotation'))}: offices.{office}.rotation is \"order\" but offices.{office}.order lists no organisation")
        if provision["rotation"] == "groups" and not provision["groups"]:
            problems.append(f"{where.where(('offices', office, 'rotation'))}: offices.{office}.rotation is \"groups\" but offices.{office}.groups lists no group")
        if provision["notify_before_end_days"] >= provision["term_months"] * 31:
            problems.append(f"{where.where(('offices', office, 'notify_before_end_days'))}: offices.{office}.notify_before_end_days is longer than the term")
    general = [k for k in rules.meeting_kinds() if rules.provision(f"meetings.{k}")["general"]]
    for kind in general[1:]:
        problems.append(f"{located[f'meetings.{kind}'].where(('meetings', kind, 'general'))}: meetings.{kind}.general: "
                        f"meetings.{general[0]} is already the general meeting (at most one kind is)")
    between = [k for k in rules.meeting_kinds() if rules.provision(f"meetings.{k}")["between_general"]]
    if between and not general:
        loc = located[f"meetings.{between[0]}"]
        problems.append(f"{loc.where(('meetings', between[0], 'between_general'))}: between_general needs a meeting kind "
                        f"marked general = true (the one it falls between)")
    if "calendar" in rules.provisions:
        wrong = [lang for lang in rules.provision("calendar")["hijri"] if lang not in LANGUAGES]
        if wrong:
            problems.append(f"{located['calendar'].where(('calendar', 'hijri'))}: calendar.hijri names {wrong[0]!r}, "
                            f"which is not a language letters are written in ({', '.join(LANGUAGES)})")
    written = rules.provision("decisions.written")
    where = located.get("decisions.written")
    for offset in written["reminder_days_before"]:
        if where is not None and offset >= written["vote_days"]:
            problems.append(f"{where.where(('decisions', 'written', 'reminder_days_before'))}: a reminder {offset} days before the "
                            f"deadline falls outside a {written['vote_days']}-day written vote")
    roles_table = located["roles"]
    alternate = rules.provision("roles")["alternate"]
    if ("roles", "alternate") in roles_table.lines and alternate not in rules.standing_roles():
        problems.append(f"{roles_table.where(('roles', 'alternate'))}: roles.alternate names {alternate!r}, which is not a role of "
                        f"these rules ({', '.join(rules.standing_roles())})")
    for key, allowed in (("secretariat", rules.standing_roles()), ("focal_point", rules.standing_roles()), ("approver", rules.all_roles())):
        value = rules.provision("roles")[key]
        if value not in allowed:
            given = "" if ("roles", key) in roles_table.lines else " (the default; set it in [roles])"
            problems.append(f"{roles_table.where(('roles', key))}: roles.{key} names {value!r}{given}, which is not "
                            f"{'a role' if key != 'approver' else 'an office or a role'} of these rules ({', '.join(allowed)})")
