"""`gov show REF` answered before click is imported, when plain rows can answer it; everything else goes to the CLI.

Importing click and building the command table cost about as much as the rest of a `show` read from plain rows, so
an invocation of exactly this shape (the global options, `show`, one reference) is answered here. Anything else, and
anything this room cannot answer as the CLI would (a value it would refuse, a store or record plain rows cannot
read, rows waiting past the scheduler's limit, an error of any kind), is handed to the CLI untouched, which parses,
answers and refuses as it always does. The answer is the CLI's own: the same reading (service/plainread.py) and the
same rendering (showview.py); tests/test_cli_quick.py holds the two equal, byte for byte.
"""

from __future__ import annotations

import os
from typing import Any

# The global options (cli/main.py) and the variables that stand in for them.
OPTIONS = {"--config": "config", "--as": "actor", "--now": "now"}
VARIABLES = {"config": "GOV_CONFIG", "actor": "GOV_ACTOR", "now": "GOV_NOW"}


def answer(argv: list[str]) -> bool:
    """Print `show`'s answer for `argv` and return True; or print nothing and return False (the CLI answers)."""
    parsed = parse(argv)
    if parsed is None:
        return False
    values, as_json, ref = parsed
    try:
        output = _answer(values, as_json, ref)
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


def parse(argv: list[str]) -> tuple[dict[str, str | None], bool, str] | None:
    """(the global options' values, --json, the reference) of `[OPTIONS] show REF`; None for any other shape, or for
    a value the CLI would look at twice (empty, like an option, or not plain UTF-8 text)."""
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
    if argv[i:i + 1] != ["show"] or len(argv) != i + 2:
        return None
    ref = argv[i + 1]
    variables = {key: os.environ.get(variable) for key, variable in VARIABLES.items()}
    if not all(_plain(value) for value in variables.values() if value is not None):
        return None  # the CLI refuses such a variable even when an option stands in for it
    for key, value in variables.items():
        values.setdefault(key, value or None)  # click: a variable set empty is not set
    for value in [ref, *values.values()]:
        if value is not None and (not _plain(value) or not value.strip() or value.startswith("-")):
            return None
    return values, as_json, ref


def _plain(value: str) -> bool:
    if "\x00" in value or "\x1b" in value:  # a NUL is refused; an escape would be stripped from a terminal's text
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _answer(values: dict[str, Any], as_json: bool, ref: str) -> str | None:
    from governance.cli import showview
    from governance.config import config_path
    from governance.service import plainread
    from governance.service.context import open_files

    shown = plainread.show(open_files(config_path(values["config"]), values["now"]), values["actor"], ref)
    if shown is None or shown.stale:
        return None
    data = showview.prepare(shown.answer)
    if as_json:
        from governance.cli.output import json_text

        return json_text(data)
    return showview.text(data, bool(values["actor"])) + "\n"
