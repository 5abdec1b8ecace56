"""The bodies of the longer commands: parse what was typed, call the service, print the answer."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import click

from governance.cli.output import table
from governance.clock import iso, parse_when, shown
from governance.errors import BadInput, DefinitionErrors, IntegrityFailure


def read_file_bytes(path: Path, limit: int) -> bytes:
    """A document file's bytes, from a regular file of at most `limit` bytes ([instance] max_file_mb).

    A device (/dev/zero) would be read without end and a FIFO would wait for a writer: only a regular file is
    opened for reading, and a FIFO slipped in after the check cannot block (O_NONBLOCK) and is refused by fstat.
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise BadInput(f"{path} is not a regular file (a device, folder or pipe cannot be a document's file)")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise BadInput(f"{path} is not a regular file (a device, folder or pipe cannot be a document's file)")
        if info.st_size > limit:
            raise BadInput(f"{path} is {info.st_size:,} bytes, {_too_large(limit)}")
        try:
            data = handle.read(limit + 1)  # one byte more tells a file that grew since fstat
        except OSError as exc:
            raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise BadInput(f"{path} grew while it was read: {_too_large(limit)}")
    return data


def _read_file(path: Path, limit: int) -> str:
    """A document's text: a file as read_file_bytes reads it, in UTF-8."""
    try:
        return read_file_bytes(path, limit).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(f"{path} is not UTF-8 text") from None


def _too_large(limit: int) -> str:
    return f"more than the {limit // (1024 * 1024)} MB a document file may be ([instance] max_file_mb in config.toml sets it)"


def _file_limit(c: Any) -> int:
    """The largest document file the instance takes (read before the change opens, so a large file holds no lock)."""
    from governance.config import config_path, load_settings

    return load_settings(config_path(c.config)).max_file_bytes


def _created(c: Any, record: Any, label: str) -> None:
    c.emit({"ref": record.ref, "state": record.state}, f"{record.ref} {record.state}: {label}")


# -- rules ------------------------------------------------------------------------------------

def rules_check(c: Any, paths: list[Path]) -> None:
    from governance.service.definitions import check_paths

    report = check_paths(c.config, paths, c.now)
    if report["problems"]:
        if c.json:
            from governance.cli.output import dump_json

            dump_json(report)
        raise DefinitionErrors(report["problems"])
    if not c.json:
        # Warnings do not fail the check (exit 0): the files are sound, but rows written under older ones are not.
        for warning in report["warnings"]:
            click.echo(f"warning: {warning}", err=True)
    c.emit(report, lambda: "\n".join(f"ok  {f}" for f in report["files"]) + f"\n{len(report['files'])} file(s), no problems"
           + (f", {len(report['warnings'])} warning(s)" if report["warnings"] else ""))


def rules_show(c: Any) -> None:
    from governance.service.queries import rules_in_force

    instance = c.instance(require_schema=False)
    items = rules_in_force(instance.rules)

    def text() -> str:
        out = []
        for item in items:
            out.append(f"[{item['table']}]  {item['article'] or '(no article cited)'}")
            for key, value in item["values"].items():
                mark = "   (illustrative)" if key in item["illustrative"] else ""
                out.append(f"  {key} = {value!r}{mark}")
            out.append("")
        return "\n".join(out).rstrip()

    c.emit({"rules": items}, text)


# -- people -----------------------------------------------------------------------------------

def org_list(c: Any) -> None:
    from sqlalchemy import select

    from governance.store.models import Organisation

    rows = c.read(lambda op: [{"code": o.code, "name": o.name, "kind": o.kind, "country": o.country, "group": o.group}
                              for o in op.session.scalars(select(Organisation).order_by(Organisation.code))])
    c.emit({"organisations": rows}, lambda: table(rows, [("code", "CODE"), ("kind", "KIND"), ("country", "COUNTRY"), ("group", "GROUP"), ("name", "NAME")]))


def person_list(c: Any) -> None:
    from sqlalchemy import select

    from governance.store.models import Person

    def rows_of(op: Any) -> list[dict[str, Any]]:
        zone = op.rules.zone
        return [{"handle": p.handle, "name": p.name, "email": p.email, "org": p.org.code, "lang": p.lang,
                 "roles": sorted(p.role_names), "removed": iso(p.removed_at, zone)}
                for p in op.session.scalars(select(Person).order_by(Person.handle))]

    rows = c.read(rows_of)
    shown_rows = [dict(r, removed_on=r["removed"][:10] if r["removed"] else "") for r in rows]
    c.emit({"people": rows}, lambda: table(shown_rows, [("handle", "HANDLE"), ("org", "ORG"), ("lang", "LANG"), ("roles", "ROLES"),
                                                        ("name", "NAME"), ("email", "EMAIL"), ("removed_on", "REMOVED")]))


def _person_view(p: Any) -> dict[str, Any]:
    return {"handle": p.handle, "name": p.name, "email": p.email, "org": p.org.code, "lang": p.lang, "roles": sorted(p.role_names),
            "timezone": p.timezone}


def person_edit(c: Any, handle: str, name: str | None, email: str | None, lang: str | None,
                add_roles: list[str], remove_roles: list[str], timezone: str | None = None) -> None:
    from governance.service import changes

    (p, changed), _ = c.change(lambda op: changes.edit_person(op, handle, name, email, lang, add_roles, remove_roles, timezone))
    line = f"{p.handle}: {p.name} <{p.email}> ({p.org.code}; {p.lang or 'working language'}; {', '.join(sorted(p.role_names)) or 'no role'})"
    c.emit(dict(_person_view(p), changed=changed), line if changed else f"{line}: nothing to change")


def person_remove(c: Any, handle: str) -> None:
    from governance.service import changes

    p, op = c.change(lambda op: changes.remove_person(op, handle))
    c.emit(dict(_person_view(p), removed=iso(p.removed_at, op.rules.zone)),
           f"{p.handle} ({p.name}, {p.org.code}) removed: no more letters or rights; their history is kept")


def org_edit(c: Any, code: str, name: str | None, country: str | None, group: str | None, weekend: str | None = None,
             holidays: str | None = None) -> None:
    from governance.service import changes

    (o, changed), _ = c.change(lambda op: changes.edit_org(op, code, name, country, group, weekend, holidays))
    line = f"{o.code}: {o.name} ({o.kind}; country {o.country or '-'}; group {o.group or '-'})"
    c.emit({"code": o.code, "name": o.name, "kind": o.kind, "country": o.country, "group": o.group, "weekend": o.weekend,
            "holidays": o.holidays, "changed": changed},
           line if changed else f"{line}: nothing to change")


def term_designate(c: Any, office: str, org_code: str, start: str | None, months: int | None, reason: str | None) -> None:
    from governance.service import changes

    term, op = c.change(lambda op: changes.designate_term(
        op, office, org_code, parse_when(start, op.rules.zone, "--start") if start else None, months, reason))
    z = op.rules.zone
    pending = {"trigger": term.pending_trigger, "by": term.pending_by} if term.pending_trigger else None
    waits = "; outside the rotation, it waits for the chair's approval" if pending else ""
    c.emit({"ref": term.ref, "state": term.state, "office": office, "org": org_code, "start": iso(term.start, z), "end": iso(term.end, z),
            "pending_approval": pending},
           f"{term.ref} {term.state}: {org_code} as {office} from {iso(term.start, z)[:10]} to {iso(term.end, z)[:10]}{waits}")


def term_list(c: Any, office: str | None) -> None:
    from governance.service.queries import terms

    from governance.cli.timecmds import _office_view, office_line
    from governance.service.tick import offices

    rows, held = c.read(lambda op: (terms(op, office), offices(op)))
    zone = c.instance().rules.zone
    held = [h for h in held if office in (None, h["office"])]
    c.emit({"terms": rows, "offices": [_office_view(h, zone) for h in held]},
           lambda: table(rows, [("ref", "TERM"), ("office", "OFFICE"), ("org", "ORG"), ("start", "START"), ("end", "END"), ("state", "STATE"), ("org_name", "NAME")])
           + "".join(f"\n{h['office']}: {office_line(h, zone)}" for h in held))


def term_next(c: Any, office: str) -> None:
    from governance.service.queries import term_next as next_holder

    result = c.read(lambda op: next_holder(op, office))
    c.emit(result, lambda: (f"next {office}: {', '.join(result['next'])}\n" if result["next"] else f"next {office}: to be designated\n") + f"why: {result['reason']} ({result['rule']})")


# -- records ----------------------------------------------------------------------------------

def meeting_create(c: Any, kind: str, title: str, start: str, end: str, venue: str | None, online: bool, follows: str | None,
                   link: str | None = None) -> None:
    from governance.service import changes

    def work(op: Any) -> Any:
        z = op.rules.zone
        return changes.create_meeting(op, kind, title, parse_when(start, z, "--start"), parse_when(end, z, "--end"), venue, online,
                                      follows, link)

    m, op = c.change(work)
    z = op.rules.zone
    c.emit({"ref": m.ref, "state": m.state}, f"{m.ref} {m.state}: {m.title} ({shown(m.start, z)} to {shown(m.end, z)})")


def meeting_reschedule(c: Any, ref: str, start: str, end: str, venue: str | None, online: bool = False, link: str | None = None) -> None:
    from governance.service import changes

    def work(op: Any) -> Any:
        z = op.rules.zone
        return changes.reschedule_meeting(op, ref, parse_when(start, z, "--start"), parse_when(end, z, "--end"), venue, online, link)

    m, op = c.change(work)
    z = op.rules.zone
    letters = f" ({len(op.mail)} updated invitation(s) queued)" if op.mail else ""
    c.emit({"ref": m.ref, "state": m.state, "start": iso(m.start, z), "end": iso(m.end, z), "sequence": m.sequence,
            "venue": m.venue, "online": m.online},
           f"{m.ref} {m.state}: now {iso(m.start, z)} to {iso(m.end, z)}{letters}")


def meeting_edit(c: Any, ref: str, title: str | None, venue: str | None, online: bool, link: str | None) -> None:
    from governance.service import changes

    (m, changed), op = c.change(lambda op: changes.edit_meeting(op, ref, title, venue, online, link))
    where = ("online" + (f", {m.venue}" if m.venue else ", link to come")) if m.online else (m.venue or "venue to be confirmed")
    letters = f" ({len(op.mail)} updated invitation(s) queued)" if op.mail else ""
    c.emit({"ref": m.ref, "state": m.state, "title": m.title, "venue": m.venue, "online": m.online, "sequence": m.sequence,
            "changed": changed},
           f"{m.ref} {m.state}: {m.title} ({where}){letters}" + ("" if changed else ": nothing to change"))


def doc_edit(c: Any, ref: str, title: str) -> None:
    from governance.service import changes

    (d, changed), _ = c.change(lambda op: changes.edit_document(op, ref, title))
    c.emit({"ref": d.ref, "state": d.state, "title": d.title, "changed": changed},
           f"{d.ref} {d.state}: {d.title}" + ("" if changed else ": nothing to change"))


def export_ics(c: Any, ref: str, lang: str | None) -> None:
    from governance.mail.calendar import meeting_ics
    from governance.service import lookup
    from governance.service.invitations import instance_id

    def work(op: Any) -> str:
        meeting = lookup.record(op.session, ref, ("meeting",))
        if lang is not None and lang not in op.rules.languages:
            raise BadInput(f"--lang must be one of {', '.join(op.rules.languages)}")
        return meeting_ics(meeting, op.rules.zone, op.rules.short_name, op.instance.settings.mail.sender, meeting.created_at,
                           cancelled=meeting.state == "cancelled", lang=lang or op.rules.working_language,
                           instance_id=instance_id(op.session))

    text = c.read(work)
    click.echo(text, nl=False)


def doc_create(c: Any, doc_type: str, title: str, path: Path, meeting_ref: str | None) -> None:
    from governance.service import changes

    text = _read_file(path, _file_limit(c))
    d, _ = c.change(lambda op: changes.create_document(op, doc_type, title, text, path.name, meeting_ref))
    _created(c, d, d.title)


def doc_revise(c: Any, ref: str, path: Path) -> None:
    from governance.service import changes

    text = _read_file(path, _file_limit(c))
    d, _ = c.change(lambda op: changes.revise_document(op, ref, text, path.name))
    c.emit({"ref": d.ref, "state": d.state, "version": d.current_version}, f"{d.ref} version {d.current_version} ({d.state})")


def doc_text(c: Any, ref: str, number: int | None) -> None:
    from governance.service.queries import document_text

    doc, version = c.read(lambda op: document_text(op, ref, number))
    c.emit({"ref": doc.ref, "version": version.number, "text": version.text, "file": version.filename, "sha256": version.sha256},
           version.text.rstrip("\n"))


def doc_matrix(c: Any, ref: str) -> None:
    from governance.service.queries import matrix

    doc, rows = c.read(lambda op: matrix(op, ref))
    c.emit({"ref": doc.ref, "rows": rows},
           lambda: f"{doc.ref} {doc.title}: comment matrix\n" + table(rows, [("comment", "COMMENT"), ("para", "§"), ("org", "ORG"), ("text", "TEXT"), ("decision", "DECISION"), ("note", "NOTE")], "(no comments)"))


def action_add(c: Any, title: str, owner: str, due: str, source: str | None) -> None:
    from governance.service import changes

    a, op = c.change(lambda op: changes.add_action(op, title, owner, parse_when(due, op.rules.zone, "--due"), source))
    z = op.rules.zone
    c.emit({"ref": a.ref, "state": a.state}, f"{a.ref} {a.state}: {a.title} (due {_due_text(a.due, z)})")


def _due_text(due: Any, zone: Any) -> str:
    """A due moment as people mean it: the day alone when it is the end of that day."""
    from governance.clock import END_OF_DAY

    local = due.astimezone(zone)
    return f"{local.date().isoformat()}, end of day" if local.time() == END_OF_DAY else local.strftime("%Y-%m-%d %H:%M")


def record_list(c: Any, kind: str) -> None:
    from governance.service.queries import record_rows

    rows = c.read(lambda op: record_rows(op, kind))
    columns = [("ref", "REF"), ("state", "STATE"), ("pending", "AWAITING"), ("when", "WHEN"), ("who", "WHO"), ("title", "TITLE")]
    c.emit({"records": rows}, lambda: table(rows, columns, f"no {kind}s yet"))


# -- moving on --------------------------------------------------------------------------------

def show(c: Any, ref: str) -> None:
    from governance.cli import reads
    from governance.service import plainread

    # Plain rows answer most reads without importing SQLAlchemy; the full path answers the rest, refusals included.
    shown = plainread.show(c.files(), c.actor, ref)
    if shown is None:
        from governance.service.queries import show as show_record

        data = reads.prepare(c.read(lambda op: show_record(op, ref)))
    else:
        data = reads.prepare(shown.answer)
    if shown is None or shown.stale:  # the scheduler's warning, in its words, only when rows wait past its limit
        from governance.cli.timecmds import warn_if_dead

        warn_if_dead(c)
    c.emit(data, lambda: reads.text(data, bool(c.actor)))


def advance(c: Any, ref: str, trigger: str, reason: str | None, votes: str | None, expect_version: int | None, dry_run: bool) -> None:
    from governance.service import changes

    parsed = changes.parse_votes(votes)
    outcome, op = c.change(lambda op: changes.advance(op, ref, trigger, reason, parsed, expect_version), dry_run=dry_run)
    _outcome(c, outcome, op, dry_run)


def decide(c: Any, verb: str, ref: str, reason: str | None, dry_run: bool, expect_version: int | None = None) -> None:
    from governance.service import changes

    fn = changes.approve if verb == "approve" else changes.reject
    outcome, op = c.change(lambda op: fn(op, ref, reason, expect_version), dry_run=dry_run)
    _outcome(c, outcome, op, dry_run)


def _outcome(c: Any, outcome: Any, op: Any, dry_run: bool) -> None:
    z = op.rules.zone
    data: dict[str, Any] = {"ref": outcome.ref, "state": outcome.state, "pending_approval": outcome.pending_approval}
    if dry_run:
        data["dry_run"] = True
        data["deadlines_set"] = [{"name": d["name"], "kind": d["kind"], "due": iso(d["due"], z)} for d in op.deadlines]
        data["deadlines_cancelled"] = [{"ref": r, "name": n, "due": iso(due, z)} for r, n, due in op.cancelled]
        data["also"] = [{"ref": a["ref"], "trigger": a["trigger"], "from": a["from_state"], "to": a["to_state"]}
                        for a in op.audit if a["ref"] and a["ref"] != outcome.ref and a["from_state"] != a["to_state"]]
        data["mail"] = [{"to": m["recipient"], "lang": m["lang"], "template": m["template"], "subject": m["subject"]} for m in op.mail]

    def text() -> str:
        if outcome.pending_approval and outcome.trigger.startswith("request:"):
            head = f"{outcome.ref} {outcome.state}: {outcome.pending_approval['trigger']} waits for the chair's approval"
        elif outcome.trigger.startswith("reject:"):
            head = f"{outcome.ref} {outcome.state}: {outcome.trigger[7:]} refused"
        else:
            head = f"{outcome.ref} {outcome.from_state} -> {outcome.state}"
        if not dry_run:
            letters = f" ({len(op.mail)} letter(s) queued)" if op.mail else ""
            return head + letters
        lines = [f"dry run, nothing written: {head}"]
        for a in data["also"]:
            lines.append(f"  would also move {a['ref']} {a['from'] or '-'} -> {a['to']} ({a['trigger']})")
        for d in data["deadlines_set"]:
            lines.append(f"  would set {d['kind']} {d['name']} due {d['due']}")
        for d in data["deadlines_cancelled"]:
            lines.append(f"  would cancel {d['name']} of {d['ref']} (was due {d['due']})")
        for m in data["mail"]:
            lines.append(f"  would write to {m['to']} [{m['lang']}] {m['subject']}")
        if not (data["also"] or data["deadlines_set"] or data["deadlines_cancelled"] or data["mail"]):
            lines.append("  no deadlines or letters")
        return "\n".join(lines)

    c.emit(data, text)


def approvals(c: Any) -> None:
    from governance.service.queries import approvals as waiting

    items = c.read(waiting, need_actor=True)
    c.emit({"items": items}, lambda: table(items, [("ref", "REF"), ("trigger", "STEP"), ("requested_by", "BY"), ("requested_at", "SINCE"), ("title", "TITLE")], "nothing waits for your approval"))


def deadlines(c: Any, include_all: bool, limit: int | None) -> None:
    from governance.service.queries import deadlines as rows_of

    rows = c.read(lambda op: rows_of(op, include_all, limit))
    from governance.cli.timecmds import warn_if_dead

    warn_if_dead(c)
    c.emit({"deadlines": rows}, lambda: table(rows, [("due", "DUE"), ("ref", "REF"), ("kind", "KIND"), ("name", "NAME"), ("status", "STATUS"), ("fire", "FIRES")], "no pending deadlines"))


# What `outbox` and the whole `audit` trail list unless told --all or --limit: a store of years must not print (or
# hold) every row it keeps. The demo's outbox and trail, which scripts read, stay well under it.
PAGE = 1000


def page_limit(limit: int | None, every: bool) -> int | None:
    """The rows a paged list takes: `limit`, none with --all, PAGE by default; both given is a contradiction."""
    if every and limit is not None:
        raise BadInput("--all and --limit contradict each other: give one of them")
    return None if every else (limit or PAGE)


def _left_out(more: int, shown: str, what: str, command: str) -> str:
    """The line under a page that leaves rows out: how many, and how to see them."""
    return f"\n({shown}; {more} {what} left out: {command} --all, or --limit N)" if more else ""


def outbox(c: Any, status: str | None, limit: int | None, every: bool = False) -> None:
    """The letters in the order they were queued, the first `limit` of them (all with `every`), and how many more."""
    from governance.service.queries import outbox as letters, outbox_count

    take = page_limit(limit, every)

    def read(op: Any) -> tuple[list[dict[str, Any]], int]:
        rows = letters(op, status, take + 1 if take else None)
        return (rows[:take], outbox_count(op, status) - take) if take and len(rows) > take else (rows, 0)

    rows, more = c.read(read)
    data: dict[str, Any] = {"messages": rows, **({"more": more} if more else {})}
    command = "gov outbox" + (f" --status {status}" if status else "")
    c.emit(data, lambda: table(rows, [("id", "ID"), ("status", "STATUS"), ("lang", "LANG"), ("to", "TO"), ("ref", "REF"), ("subject", "SUBJECT")], "the outbox is empty")
           + _left_out(more, f"the first {take} shown", "later letter(s)", command))


def outbox_retry(c: Any, ids: list[int], all_failed: bool) -> None:
    from governance.service.mailqueue import retry

    requeued, _ = c.change(lambda op: retry(op, ids, all_failed))
    c.emit({"requeued": requeued}, f"{len(requeued)} letter(s) back in the queue" + (f": {', '.join(map(str, requeued))}" if requeued else ""))


def audit(c: Any, ref: str | None, limit: int | None, every: bool = False) -> None:
    """A record's whole story, or the trail's newest `limit` entries (the whole trail with `every`), oldest first."""
    from governance.service.queries import audit_count_before, audit_entries

    take = limit if ref else page_limit(limit, every)  # a record's story stays whole unless --limit cuts it

    def read(op: Any) -> tuple[list[dict[str, Any]], int]:
        rows = audit_entries(op, ref, take + 1 if take else None)
        if ref or not take or len(rows) <= take:
            return rows[-take:] if take else rows, 0
        return rows[1:], audit_count_before(op, rows[1]["seq"])

    rows, more = c.read(read)
    data: dict[str, Any] = {"entries": rows, **({"more": more} if more else {})}
    c.emit(data, lambda: table(rows, [("seq", "#"), ("at", "AT"), ("actor", "BY"), ("ref", "REF"), ("trigger", "WHAT"), ("from", "FROM"), ("to", "TO"), ("reason", "REASON"), ("rule", "RULE")], "the audit trail is empty")
           + _left_out(more, f"the newest {take} shown", f"older entr{'y' if more == 1 else 'ies'}", "gov audit"))


def audit_verify(c: Any, anchor_texts: list[str]) -> None:
    from governance.service.audit import parse_anchor, verify

    anchors = [parse_anchor(text) for text in anchor_texts]
    verdict = c.read(lambda op: verify(op.session, anchors))
    if not verdict.ok:
        if c.json:
            from governance.cli.output import dump_json

            dump_json({"ok": False, "first_bad": verdict.first_bad, "reason": verdict.reason, "entries": verdict.entries})
        raise IntegrityFailure(f"the audit trail is broken at entry {verdict.first_bad}: {verdict.reason}")
    held = f", {len(anchors)} witness(es) held" if anchors else ""
    c.emit({"ok": True, "entries": verdict.entries, "anchors": len(anchors)},
           f"audit trail intact: {verdict.entries} entries, hash chain verified{held}, stored states and texts match it")


def audit_head(c: Any) -> None:
    from governance.service.audit import head

    top = c.read(lambda op: head(op.session))
    if top is None:
        raise IntegrityFailure("the audit trail has no head row: it was removed from the database")
    c.emit({"seq": top[0], "hash": top[1]}, f"{top[0]}:{top[1]}")


__all__ = ["click"]
