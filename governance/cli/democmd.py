"""`gov demo`: print the replay's timeline as it goes, then a summary and where to look next."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import click


def run(c: Any, folder: Path | None) -> None:
    from governance.demo import run_demo

    summary = run_demo(folder, (lambda line: None) if c.json else click.echo)
    config = summary["config"]

    def text() -> str:
        lines = ["", "Summary"]
        for kind, counts in summary["records"].items():
            lines.append(f"  {kind + 's:':<11}" + ", ".join(f"{n} {state}" for state, n in sorted(counts.items())))
        lines.append("  letters:   " + ", ".join(f"{n} in {lang}" for lang, n in sorted(summary["letters_by_language"].items())))
        lines.append(f"  mail:      {summary['mail']} (a Maildir of {summary['letters_delivered']} letters: `mutt -f {summary['mail']}`, or open new/*.eml)")
        lines.append(f"  instance:  {summary['instance']}")
        lines.append(f"  database:  {summary['database']}")
        lines.append("")
        lines.append("Explore further:")
        gov = _as_typed()
        for hint in ("--as ayse show D-3", "--as mehmet show T-2", "outbox", "audit verify"):
            lines.append(f"  {gov} --config {config} {hint}")
        return "\n".join(lines)

    c.emit(summary, text)


def _as_typed() -> str:
    """`gov` when that name runs this program, else the path the user typed (`.venv/bin/gov`), so the hints paste as they are."""
    typed = sys.argv[0]
    if Path(typed).name != "gov":
        return "gov"
    found = shutil.which("gov")
    if found and os.path.realpath(found) == os.path.realpath(typed):
        return "gov"
    return typed
