"""`gov show REF` and `gov deadlines` answered before click is imported, when plain rows can answer them; everything
else goes to the CLI.

Importing click and building the command table cost about as much as the rest of a read from plain rows, so an
invocation of exactly these shapes (the global options, then `show REF`, or `deadlines` with --all and --limit N) is
answered here. Anything else, and anything this room cannot answer as the CLI would (a value it would refuse, a store
or record plain rows cannot read, rows waiting past the scheduler's limit, an error of any kind), is handed to the CLI
untouched, which parses, answers and refuses as it always does. The answer is the CLI's own: the same reading
(service/plainread.py) and the same rendering (reads.py); tests/test_cli_quick.py holds the two equal, byte for byte.
"""

from __future__ import annotations

import os
import re
from typing import Any

# The global options (cli/main.py) and the variables that stand in for them.
OPTIONS = {"--config": "config", "--as": "actor", "--now": "now"}
VARIABLES = {"config": "GOV_CONFIG", "actor": "GOV_ACTOR", "now": "GOV_NOW"}
COMMANDS = ("show", "deadlines")
_COUNT = re.compile(r"[1-9][0-9]{0,8}|1000000000")  # what click's COUNT takes, written plainly (cli/main.py)


def answer(argv: list[str]) -> bool:
    """Print the answer for `argv` and return True; or print nothing and return False (the CLI answers)."""
    parsed = parse(argv)
    if parsed is None:
        return False
    values, as_json, command, given = parsed
    try:
        output = _show(values, as_json, given["ref"]) if command == "show" else _deadlines(values, as_json, given)
    except Exception:  # noqa: BLE001 - whatever went wrong, the CLI answers it in its own words
        return False
    if output is None or "\x1b" in output:  # click strips escape sequences from what it prints to a pipe
        return False
    import sys

    try:
        sys.stdout.write(output)  # encoded whole before anything is written: a failure leaves stdout untouched
    except UnicodeEncodeError:
        return False  # an output that cannot take the text: the CLI's own writer answers as it always has
    sys.stdout.flush()
    return True


def parse(argv: list[str]) -> tuple[dict[str, str | None], bool, str, dict[str, Any]] | None:
    """(the global options' values, --json, the command, its arguments) of `[OPTIONS] show REF` or `[OPTIONS] deadlines
    [--all] [--limit N]`; None for any other shape, or for a value the CLI would look at twice (empty, like an option,
    or not plain UTF-8 text)."""
    values: dict[str, str | None] = {}
    as_json, i = False, 0
    while i < len(argv) and argv[i].startswith("--"):
        name, given, value = argv[i].partition("=")
        if argv[i] == "--json":
            as_json, i = True, i + 1
            continue
        if name not in OPTIONS:
            return None
        if not given:
            if i + 1 == len(argv):
                return None
            value, i = argv[i + 1], i + 1
        values[OPTIONS[name]] = value
        i += 1
    if i == len(argv) or argv[i] not in COMMANDS:
        return None
    command = argv[i]
    arguments = _show_arguments(argv[i + 1:]) if command == "show" else _deadlines_arguments(argv[i + 1:])
    if arguments is None:
        return None
    variables = {key: os.environ.get(variable) for key, variable in VARIABLES.items()}
    if not all(_plain(value) for value in variables.values() if value is not None):
        return None  # the CLI refuses such a variable even when an option stands in for it
    for key, value in variables.items():
        values.setdefault(key, value or None)  # click: a variable set empty is not set
    for value in values.values():
        if value is not None and (not _plain(value) or not value.strip() or value.startswith("-")):
            return None
    return values, as_json, command, arguments


def _show_arguments(rest: list[str]) -> dict[str, Any] | None:
    if len(rest) != 1 or not _plain(rest[0]) or not rest[0].strip() or rest[0].startswith("-"):
        return None
    return {"ref": rest[0]}


def _deadlines_arguments(rest: list[str]) -> dict[str, Any] | None:
    from governance.cli.reads import DEADLINES_PAGE

    found: dict[str, Any] = {"all": False, "limit": DEADLINES_PAGE}
    i = 0
    while i < len(rest):
        name, given, value = rest[i].partition("=")
        if rest[i] == "--all":
            found["all"], i = True, i + 1
            continue
        if name != "--limit":
            return None
        if not given:
            if i + 1 == len(rest):
                return None
            value, i = rest[i + 1], i + 1
        if not _COUNT.fullmatch(value):
            return None
        found["limit"], i = int(value), i + 1
    return found


def _plain(value: str) -> bool:
    if "\x00" in value or "\x1b" in value:  # a NUL is refused; an escape would be stripped from a terminal's text
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _files(values: dict[str, Any]) -> Any:
    from governance.config import config_path
    from governance.service.context import open_files

    return open_files(config_path(values["config"]), values["now"])


def _json(data: Any) -> str:
    from governance.cli.output import json_text

    return json_text(data)


def _show(values: dict[str, Any], as_json: bool, ref: str) -> str | None:
    from governance.cli import reads
    from governance.service import plainread

    shown = plainread.show(_files(values), values["actor"], ref)
    if shown is None or shown.stale:
        return None
    data = reads.prepare(shown.answer)
    return _json(data) if as_json else reads.text(data, bool(values["actor"])) + "\n"


def _deadlines(values: dict[str, Any], as_json: bool, given: dict[str, Any]) -> str | None:
    from governance.cli import reads
    from governance.service import plainread

    plain = plainread.deadlines(_files(values), given["all"], given["limit"] + 1)
    if plain is None or plain[1]:
        return None
    data, text = reads.deadlines(plain[0], given["limit"])
    return _json(data) if as_json else text + "\n"
