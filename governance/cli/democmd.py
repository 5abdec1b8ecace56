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
    gov = _as_typed()
    # The web pages need a signing key in the environment (never in the file): the command makes one as it starts.
    summary["serve"] = f"GOV_SECRET_KEY=$({KEY_COMMAND}) {gov} --config {config} serve"
    summary["sign_in"] = {"url": f"{summary['base_url']}/sign-in", "email": summary["secretariat_email"],
                          "send": f"{gov} --config {config} send"}

    def text() -> str:
        lines = ["", "Summary"]
        for kind, counts in summary["records"].items():
            label = "in writing:" if kind == "written" else kind + "s:"  # the written procedures
            lines.append(f"  {label:<11}" + ", ".join(f"{n} {state}" for state, n in sorted(counts.items())))
        lines.append("  letters:   " + ", ".join(f"{n} in {lang}" for lang, n in sorted(summary["letters_by_language"].items())))
        lines.append(f"  mail:      {summary['mail']} (a Maildir of {summary['letters_delivered']} letters: `mutt -f {summary['mail']}`, or open new/*.eml)")
        lines.append(f"  instance:  {summary['instance']}")
        lines.append(f"  database:  {summary['database']}")
        lines.append("")
        lines.append("Explore further:")
        for hint in ("--as ayse show D-3", "--as mehmet show T-2", "outbox", "audit verify"):
            lines.append(f"  {gov} --config {config} {hint}")
        sign_in = summary["sign_in"]
        lines.append("")
        lines.append(f"See it in a browser: serve the instance (Ctrl-C stops it), open {sign_in['url']}, ask a link for "
                     f"{sign_in['email']} (the secretariat's desk), run `{sign_in['send']}` in another terminal and open the "
                     f"sign-in letter that lands in {summary['mail']}/new:")
        lines.append(f"  {summary['serve']}")
        return "\n".join(lines)

    c.emit(summary, text)


# A fresh random signing key, as any shell with Python makes one.
KEY_COMMAND = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


def _as_typed() -> str:
    """`gov` when that name runs this program, else the path the user typed (`.venv/bin/gov`), so the hints paste as they are."""
    typed = sys.argv[0]
    if Path(typed).name != "gov":
        return "gov"
    found = shutil.which("gov")
    if found and os.path.realpath(found) == os.path.realpath(typed):
        return "gov"
    return typed
