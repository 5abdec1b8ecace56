"""How `show` and `deadlines` read to people: one rendering for the CLI and its quick path (quick.py). Imports no
click, so an answer given before click is loaded reads exactly as one given after."""

from __future__ import annotations

from typing import Any

from governance.cli.hints import command
from governance.cli.output import table


DEADLINES_PAGE = 100  # the rows `deadlines` lists unless --limit says otherwise


def deadlines(rows: list[dict[str, Any]], limit: int) -> tuple[dict[str, Any], str]:
    """`deadlines`' answer from the rows read (`limit` + 1 of them at most): the JSON, and the text for people."""
    more = len(rows) > limit
    del rows[limit:]
    footer = f"\n(the first {limit}; more wait: gov deadlines --limit {limit * 10})" if more else ""
    text = table(rows, [("due", "DUE"), ("ref", "REF"), ("kind", "KIND"), ("name", "NAME"), ("status", "STATUS"), ("fire", "FIRES")],
                 "no pending deadlines") + footer
    return {"deadlines": rows, "more": more, "limit": limit}, text


def prepare(data: dict[str, Any]) -> dict[str, Any]:
    """The service's answer as the CLI gives it: its hints as the commands to type."""
    data["commands"] = [command(hint) for hint in data.pop("hints")]
    return data


def shown_iso(value: str) -> str:
    """An ISO time as people read it elsewhere in `show`: 2021-04-17 11:00 +03."""
    from datetime import datetime

    moment = datetime.fromisoformat(value)
    offset = moment.strftime("%z")
    return moment.strftime("%Y-%m-%d %H:%M ") + (offset[:3] if offset.endswith("00") else f"{offset[:3]}:{offset[3:]}")


_SAID = (("positions", [("org", "ORG"), ("position", "POSITION"), ("by", "BY"), ("at", "AT"), ("statement", "STATEMENT")]),
         ("objections", [("org", "ORG"), ("kind", "KIND"), ("para", "§"), ("by", "BY"), ("at", "AT"), ("text", "TEXT")]),
         ("reservations", [("org", "ORG"), ("kind", "KIND"), ("by", "BY"), ("at", "AT"), ("text", "TEXT")]))


def _local_text(local: dict[str, Any] | None) -> str:
    if not local:
        return "-"
    closed = f" ({local['org']} closed: {local['closed_because']})" if local["closed_because"] else ""
    return f"{local['due'][:16].replace('T', ' ')} {local['timezone']}{closed}"


def text(data: dict[str, Any], acting: bool) -> str:
    """`show` for people; `acting`: someone said who they are (--as)."""
    lines = [f"{data['ref']}  {data['kind']}  {data['state']}" + (f"  — {data.get('state_description')}" if data.get("state_description") else "")]
    for key, value in data["fields"].items():
        if value not in (None, ""):
            lines.append(f"  {key}: {str(value)[:200]}")
    if data["pending_approval"]:
        p = data["pending_approval"]
        lines.append(f"  waiting: {p['trigger']} requested by {p['by']}, for the chair's approval (gov approve {data['ref']})")
    lines.append("")
    if acting:
        lines.append("you may now: " + ("; ".join(data["commands"]) or "nothing"))
    else:
        lines.append("(say who you are with --as to see what you may do)")
    if data["by"]:
        by = data["by"]
        then = f": {by['fires']} happens by itself then" if by["fires"] else ""
        lines.append(f"by when: {shown_iso(by['due'])} ({by['name'].replace('_', ' ')}{then})")
    others = [n for n in data["next"] if not n["allowed"]]
    if others:
        lines.append("other steps from here: " + "; ".join(f"{n['trigger']} ({'/'.join(n['roles'])}{', chair approves' if n['approval'] else ''})" for n in others))
    if data["deadlines"]:
        lines.append("")
        columns = [("due", "DUE"), ("kind", "KIND"), ("name", "NAME"), ("fire", "FIRES")]
        rows = data["deadlines"]
        if any("local" in d for d in rows):  # the reader's own time, and their office's closed day, beside the body's
            rows = [dict(d, yours=_local_text(d.get("local"))) for d in rows]
            columns.append(("yours", "FOR YOU"))
        lines.append(table(rows, columns))
    for key, columns in _SAID:  # what members said in a written procedure
        if data.get(key):
            lines += ["", f"{key.replace('_', ' ')}:", table(data[key], columns)]
    lines.append("")
    lines.append(table(data["history"], [("seq", "#"), ("at", "AT"), ("actor", "BY"), ("trigger", "WHAT"), ("from", "FROM"), ("to", "TO"), ("reason", "REASON")], "(no history)"))
    return "\n".join(lines)
