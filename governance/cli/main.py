"""`gov`: the command line. Only click is imported here; each command imports what it needs."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click

if TYPE_CHECKING:
    from governance.hints import Hint

SECTIONS: list[tuple[str, list[str]]] = [
    ("Set up", ["init", "rules", "org", "person", "term"]),
    ("Meetings and documents", ["meeting", "attend", "doc", "comment", "action", "written"]),
    ("Moving records on", ["show", "advance", "approve", "reject", "approvals"]),
    ("Time and mail", ["deadlines", "tick", "simulate", "status", "calendar", "outbox", "send", "scheduler", "mail-sink", "export"]),
    ("Evidence", ["audit"]),
    ("The web", ["serve"]),
    ("Try it", ["demo"]),
]


class Sectioned(click.Group):
    """Lists commands under headings, so `gov --help` reads like a table of contents."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for _, names in SECTIONS for name in names if name in self.commands]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        for title, names in SECTIONS:
            rows = [(n, self.commands[n].get_short_help_str(80)) for n in names if n in self.commands and not self.commands[n].hidden]
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


# Counts and numbers people type: bounded, so a stray digit is a sentence rather than a database overflow.
COUNT = click.IntRange(1, 1_000_000_000)
NUMBER = click.IntRange(0, 1_000_000_000)


class Context:
    def __init__(self, config: str | None, actor: str | None, now: str | None, as_json: bool) -> None:
        self.config = config
        self.actor = actor
        self.now = now
        self.json = as_json
        self.opened: list[Any] = []
        self._files: Any = None  # service.context.Files, once read
        self.warnings: list[str] = []  # what the changes of this command warned about; `emit` adds them to the JSON

    def instance(self, require_schema: bool = True) -> Any:
        """The instance this command acts on, opened once: reading the files and the schema again for each read
        of one command would triple its start-up."""
        if self.opened:
            instance = self.opened[0]
            if require_schema and not instance.schema_checked:
                instance.db.require_current()
                instance.schema_checked = True
            return instance
        from governance.config import config_path
        from governance.service.context import open_instance

        instance = open_instance(config_path(self.config), self.now, require_schema, self._files)
        self.opened.append(instance)
        return instance

    def files(self) -> Any:
        """The instance's settings, rules, workflows and clock, without its database (service.context.Files): what a
        read of plain rows needs. Read once: the instance opened after a plain read takes them as they are."""
        if self._files is None:
            if self.opened:
                i = self.opened[0]
                from governance.service.context import Files

                self._files = Files(i.settings, i.rules, i.workflows, i.clock, i.clock_given)
            else:
                from governance.config import config_path
                from governance.service.context import open_files

                self._files = open_files(config_path(self.config), self.now)
        return self._files

    def close(self) -> None:
        """Give the database its connections back when the command ends, whichever way it ends."""
        for instance in self.opened:
            instance.db.dispose()
        self.opened.clear()

    def change(self, work: Callable[[Any], Any], dry_run: bool = False) -> tuple[Any, Any]:
        from governance.service.transaction import change

        instance = self.instance()
        result, op = change(instance, self.actor, work, dry_run=dry_run)
        for warning in op.warnings:
            # On stderr whatever the output format: stdout stays the one document a script reads.
            click.echo(f"warning: {warning}", err=True)
        self.warnings.extend(op.warnings)
        return result, op

    def read(self, work: Callable[[Any], Any], need_actor: bool = False) -> Any:
        from governance.service.transaction import reading

        instance = self.instance()
        with reading(instance, self.actor, need_actor) as op:
            return work(op)

    def emit(self, data: Any, text: str | Callable[[], str]) -> None:
        if self.json:
            from governance.cli.output import dump_json

            if self.warnings and isinstance(data, dict):
                data = {**data, "warnings": list(self.warnings)}
            dump_json(data)
        else:
            click.echo(text() if callable(text) else text)


pass_ctx = click.make_pass_decorator(Context)


def _not_blank(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An option given empty (`--now ""`) is a mistake to point out, not a request for the default."""
    if value is not None and not value.strip():
        raise click.BadParameter("must not be empty (leave the option out for its default)", ctx, param)
    return value


def _free_text(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A free text (a reason) held to the service's rule for free texts before the command runs: no control
    character but line breaks and tabs. For the commands whose service call takes the text as it comes."""
    if value is not None:
        from governance.service.changes import optional_text

        optional_text(value, f"--{param.name}")
    return value


@click.group(cls=Sectioned, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", metavar="PATH", envvar="GOV_CONFIG", callback=_not_blank,
              help="The instance's config.toml [$GOV_CONFIG, else ./config.toml].")
@click.option("--as", "actor", metavar="HANDLE", envvar="GOV_ACTOR", help="The person acting [$GOV_ACTOR].")
@click.option("--now", metavar="DATETIME", envvar="GOV_NOW", callback=_not_blank, help="Act at this moment (ISO 8601; no offset = the body's zone) [$GOV_NOW].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.version_option(package_name="governance", prog_name="gov")
@click.pass_context
def cli(ctx: click.Context, config: str | None, actor: str | None, now: str | None, as_json: bool) -> None:
    """Run an organisation's Rules of Procedure: meetings, drafts, chair terms and follow-ups.

    Exit codes: 0 done, 2 bad input, 3 not permitted, 4 not allowed now,
    5 conflict (nothing written), 6 audit tampering found, 7 `gov send`: some
    letters not delivered (they wait for a retry, or failed), 1 a bug.
    """
    ctx.obj = Context(config, actor, now, as_json)
    ctx.call_on_close(ctx.obj.close)


# -- set up ----------------------------------------------------------------------------------

@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--rehearsal", is_flag=True, help="An instance for trying, tests and demos: it accepts --now.")
@pass_ctx
def init(c: Context, directory: Path, rehearsal: bool) -> None:
    """Create an instance in DIRECTORY, or upgrade its database.

    DIRECTORY defaults to the current folder. Safe to re-run: nothing edited is overwritten.
    A live instance (the default) refuses --now on every command that writes.
    """
    from governance.service.setup import init_instance

    result = init_instance(directory, rehearsal)

    def text() -> str:
        made = "\n".join(f"  created {p}" for p in result["created"]) or "  nothing to create: config, rules and workflows are in place"
        schema = "database created" if result["schema_before"] is None else (
            "database already up to date" if result["schema_before"] == result["schema"] else "database upgraded")
        kind = "a rehearsal instance (--now accepted)" if result["rehearsal"] else "a live instance (on the real clock)"
        return f"Instance in {result['dir']}: {kind}\n{made}\n  {schema} (schema {result['schema']}, {result['database']})"

    c.emit(result, text)


@cli.group()
def rules() -> None:
    """Check and show the rules of procedure and workflows."""


@rules.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@pass_ctx
def rules_check(c: Context, paths: tuple[Path, ...]) -> None:
    """Validate rules and workflow files; each problem as PATH:LINE: message (exit 2)."""
    from governance.cli import commands

    commands.rules_check(c, list(paths))


@rules.command("show")
@pass_ctx
def rules_show(c: Context) -> None:
    """The rules in force, each with the article it cites."""
    from governance.cli import commands

    commands.rules_show(c)


@rules.command("reference")
def rules_reference() -> None:
    """Every key of rules and workflow files (Markdown), from the validators' own schema."""
    from governance.reference import markdown

    click.echo(markdown(), nl=False)


@cli.group()
def org() -> None:
    """Organisations: members, the secretariat, observers."""


@org.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Full name.")
@click.option("--kind", required=True, type=click.Choice(["member", "secretariat", "observer"]))
@click.option("--country", metavar="ISO3", help="ISO 3166 alpha-3 country code.")
@click.option("--group", metavar="NAME", help="Group of members (for rotation by groups).")
@click.option("--weekend", metavar="DAYS", help="Its weekend, such as fri,sat (default: its --holidays country's, else none).")
@click.option("--holidays", metavar="ISO3", help="Countries whose public holidays close it, such as BHR (reminders avoid them).")
@pass_ctx
def org_add(c: Context, code: str, name: str, kind: str, country: str | None, group: str | None, weekend: str | None,
            holidays: str | None) -> None:
    """Add an organisation."""
    from governance.service import changes

    org_, _ = c.change(lambda op: changes.add_org(op, code, name, kind, country, group, weekend, holidays))
    c.emit({"code": org_.code, "name": org_.name, "kind": org_.kind}, f"{org_.code}: {org_.name} ({org_.kind})")


@org.command("edit")
@click.argument("code")
@click.option("--name", help="Full name.")
@click.option("--country", metavar="ISO3", help="ISO 3166-1 alpha-3 country code (given empty, cleared).")
@click.option("--group", metavar="NAME", help="Group of members (given empty, cleared).")
@click.option("--weekend", metavar="DAYS", help="Its weekend, such as fri,sat (none: no weekend of its own).")
@click.option("--holidays", metavar="ISO3", help="Countries whose public holidays close it, such as BHR (none: no holidays).")
@pass_ctx
def org_edit(c: Context, code: str, name: str | None, country: str | None, group: str | None, weekend: str | None,
             holidays: str | None) -> None:
    """Correct an organisation's name, country, group or calendar (the secretariat; audited)."""
    from governance.cli import commands

    commands.org_edit(c, code, name, country, group, weekend=weekend, holidays=holidays)


@org.command("list")
@pass_ctx
def org_list(c: Context) -> None:
    """Every organisation."""
    from governance.cli import commands

    commands.org_list(c)


@cli.group()
def person() -> None:
    """People and their roles."""


@person.command("add")
@click.argument("handle")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--org", "org_code", required=True, metavar="CODE")
@click.option("--lang", metavar="en|ar|fr", help="Language of their letters (default: the body's working language).")
@click.option("--role", "roles", multiple=True, metavar="ROLE", help="secretariat, focal_point, observer ... (repeatable).")
@click.option("--timezone", metavar="ZONE", help="IANA time zone they read times in, such as Asia/Jakarta (default: the body's).")
@pass_ctx
def person_add(c: Context, handle: str, name: str, email: str, org_code: str, lang: str | None, roles: tuple[str, ...],
               timezone: str | None) -> None:
    """Add a person to an organisation, with roles."""
    from governance.service import changes

    p, _ = c.change(lambda op: changes.add_person(op, handle, name, email, org_code, lang, list(roles), timezone))
    c.emit({"handle": p.handle, "org": org_code, "roles": sorted(p.role_names)},
           f"{p.handle}: {p.name} <{p.email}> ({org_code}; {', '.join(sorted(p.role_names)) or 'no role'})")


@person.command("edit")
@click.argument("handle")
@click.option("--name")
@click.option("--email")
@click.option("--lang", metavar="en|ar|fr", help="Language of their letters.")
@click.option("--add-role", "add_roles", multiple=True, metavar="ROLE", help="Give a role (repeatable).")
@click.option("--remove-role", "remove_roles", multiple=True, metavar="ROLE", help="Take a role away (repeatable).")
@click.option("--timezone", metavar="ZONE", help="IANA time zone they read times in (the body's, or empty: the body's).")
@pass_ctx
def person_edit(c: Context, handle: str, name: str | None, email: str | None, lang: str | None,
                add_roles: tuple[str, ...], remove_roles: tuple[str, ...], timezone: str | None) -> None:
    """Correct a person's name, address, language, time zone or roles (the secretariat; audited).

    The engine's next letters go to the new address, in the new language. The last person
    with the secretariat role keeps it.
    """
    from governance.cli import commands

    commands.person_edit(c, handle, name, email, lang, list(add_roles), list(remove_roles), timezone=timezone)


@person.command("remove")
@click.argument("handle")
@pass_ctx
def person_remove(c: Context, handle: str) -> None:
    """Someone left: no more letters or rights; their history is kept (the secretariat; audited)."""
    from governance.cli import commands

    commands.person_remove(c, handle)


@person.command("list")
@pass_ctx
def person_list(c: Context) -> None:
    """Every person, with organisation, language and roles; people removed are marked."""
    from governance.cli import commands

    commands.person_list(c)


@cli.group()
def term() -> None:
    """Terms of office (the chair): designate, list, who is next."""


@term.command("designate")
@click.argument("office")
@click.option("--org", "org_code", required=True, metavar="CODE")
@click.option("--start", metavar="DATE", help="A day (from its start, in the body's zone) or a moment. Default: when the current term ends (or today, if none).")
@click.option("--months", type=click.IntRange(1, 1200), help="Length (default: the office's term_months).")
@click.option("--reason", metavar="TEXT", callback=_free_text)
@pass_ctx
def term_designate(c: Context, office: str, org_code: str, start: str | None, months: int | None, reason: str | None) -> None:
    """Designate an organisation to hold OFFICE from a date (outside the rotation: --reason, and the chair approves).

    A term whose start has come is active at once.
    """
    from governance.cli import commands

    commands.term_designate(c, office, org_code, start, months, reason)


@term.command("list")
@click.argument("office", required=False)
@pass_ctx
def term_list(c: Context, office: str | None) -> None:
    """Every term, past, present and designated."""
    from governance.cli import commands

    commands.term_list(c, office)


@term.command("next")
@click.argument("office")
@pass_ctx
def term_next(c: Context, office: str) -> None:
    """Who holds OFFICE next under the rules, and why."""
    from governance.cli import commands

    commands.term_next(c, office)


# -- meetings, documents, comments, actions -----------------------------------------------------

@cli.group()
def meeting() -> None:
    """Meetings: create and list (move them on with `gov advance`)."""


@meeting.command("create")
@click.option("--kind", required=True, metavar="KIND", help="general, focal_point, workshop (as the rules define).")
@click.option("--title", required=True)
@click.option("--start", required=True, metavar="DATETIME", help="A moment, or a day alone (from 09:00 local).")
@click.option("--end", required=True, metavar="DATETIME", help="A moment, or a day alone (until 17:00 local).")
@click.option("--venue", metavar="TEXT", help="The place (with --online: the room or link).")
@click.option("--online", is_flag=True, help="A virtual meeting; it needs its --link before it is convened.")
@click.option("--link", metavar="URL", help="With --online: the video-conference link.")
@click.option("--follows", metavar="M-n", help="The meeting whose closing session set this one.")
@pass_ctx
def meeting_create(c: Context, kind: str, title: str, start: str, end: str, venue: str | None, online: bool, link: str | None,
                   follows: str | None) -> None:
    """Plan a meeting -> M-n.

    A day given alone means its working hours, 09:00 to 17:00 in the body's time zone:
    `--start 2027-03-01 --end 2027-03-01` is a one-day meeting, `--end 2027-03-02` a two-day one.
    """
    from governance.cli import commands

    commands.meeting_create(c, kind, title, start, end, venue, online, follows, link)


@meeting.command("reschedule")
@click.argument("ref", metavar="M-n")
@click.option("--start", required=True, metavar="DATETIME", help="A moment, or a day alone (from 09:00 local).")
@click.option("--end", required=True, metavar="DATETIME", help="A moment, or a day alone (until 17:00 local).")
@click.option("--venue", metavar="TEXT", help="A place: the meeting is held there, in person.")
@click.option("--online", is_flag=True, help="The meeting is now held online.")
@click.option("--link", metavar="URL", help="With --online: the video-conference link.")
@pass_ctx
def meeting_reschedule(c: Context, ref: str, start: str, end: str, venue: str | None, online: bool, link: str | None) -> None:
    """Move a meeting; those invited get an updated calendar entry."""
    from governance.cli import commands

    commands.meeting_reschedule(c, ref, start, end, venue, online, link)


@meeting.command("edit")
@click.argument("ref", metavar="M-n")
@click.option("--title", help="The corrected title.")
@click.option("--venue", metavar="TEXT", help="A place: the meeting is held there, in person.")
@click.option("--online", is_flag=True, help="The meeting is held online.")
@click.option("--link", metavar="URL", help="With --online: the video-conference link.")
@pass_ctx
def meeting_edit(c: Context, ref: str, title: str | None, venue: str | None, online: bool, link: str | None) -> None:
    """Correct a meeting's title, venue or link (the secretariat; audited).

    Refused once it is closed or cancelled. Once convened, those invited get the corrected calendar entry.
    """
    from governance.cli import commands

    commands.meeting_edit(c, ref, title, venue, online, link)


@meeting.command("list")
@pass_ctx
def meeting_list(c: Context) -> None:
    """Every meeting."""
    from governance.cli import commands

    commands.record_list(c, "meeting")


@cli.command()
@click.argument("meeting_ref", metavar="M-n")
@pass_ctx
def attend(c: Context, meeting_ref: str) -> None:
    """Register the actor's organisation as present at a meeting."""
    from governance.service import changes

    (m, new), _ = c.change(lambda op: changes.attend(op, meeting_ref))
    c.emit({"ref": m.ref, "state": m.state, "registered": new},
           f"{m.ref}: attendance registered" if new else f"{m.ref}: your organisation was already registered")


@cli.group()
def doc() -> None:
    """Documents: create, revise, read, the comment matrix."""


@doc.command("create")
@click.option("--type", "doc_type", required=True, metavar="TYPE", help="concept_note agenda rop action_plan communique report")
@click.option("--title", required=True)
@click.option("--file", "path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--meeting", "meeting_ref", metavar="M-n")
@pass_ctx
def doc_create(c: Context, doc_type: str, title: str, path: Path, meeting_ref: str | None) -> None:
    """Create a document from a .txt, .md or .docx file -> D-n."""
    from governance.cli import docfiles

    docfiles.doc_create(c, doc_type, title, path, meeting_ref)


@doc.command("revise")
@click.argument("ref", metavar="D-n")
@click.option("--file", "path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def doc_revise(c: Context, ref: str, path: Path) -> None:
    """Add a new version of the text (.txt, .md or .docx)."""
    from governance.cli import docfiles

    docfiles.doc_revise(c, ref, path)


@doc.command("edit")
@click.argument("ref", metavar="D-n")
@click.option("--title", required=True, help="The corrected title.")
@pass_ctx
def doc_edit(c: Context, ref: str, title: str) -> None:
    """Correct a document's title (the secretariat; audited; refused in a final state)."""
    from governance.cli import commands

    commands.doc_edit(c, ref, title)


@doc.command("text")
@click.argument("ref", metavar="D-n")
@click.option("--version", "number", type=NUMBER, help="Which version (default: the current one).")
@pass_ctx
def doc_text(c: Context, ref: str, number: int | None) -> None:
    """Print a version's text."""
    from governance.cli import commands

    commands.doc_text(c, ref, number)


@doc.command("matrix")
@click.argument("ref", metavar="D-n")
@click.option("--format", "fmt", type=click.Choice(["table", "xlsx"]), default="table", show_default=True,
              help="xlsx: the comment template as a spreadsheet, dispositions to fill in (gov doc matrix-import).")
@click.option("--out", type=click.Path(path_type=Path), help="Where to write the spreadsheet (a file or a folder).")
@pass_ctx
def doc_matrix(c: Context, ref: str, fmt: str, out: Path | None) -> None:
    """The comment matrix: every comment, by paragraph, with its disposition."""
    if fmt == "xlsx":
        from governance.cli import docfiles

        docfiles.matrix_xlsx(c, ref, out)
        return
    from governance.cli import commands

    commands.doc_matrix(c, ref)


@doc.command("list")
@pass_ctx
def doc_list(c: Context) -> None:
    """Every document."""
    from governance.cli import commands

    commands.record_list(c, "document")


@cli.group()
def comment() -> None:
    """Comments on circulated documents."""


@comment.command("add")
@click.argument("ref", metavar="D-n")
@click.option("--text", required=True)
@click.option("--para", type=NUMBER, help="The paragraph commented on: the text's blocks between blank lines, counted from 1.")
@pass_ctx
def comment_add(c: Context, ref: str, text: str, para: int | None) -> None:
    """Comment on a circulated document -> C-n."""
    from governance.service import changes

    cm, _ = c.change(lambda op: changes.add_comment(op, ref, text, para))
    c.emit({"ref": cm.ref, "state": "open", "document": ref.upper()}, f"{cm.ref} on {ref.upper()}" + (f" §{para}" if para else ""))


@comment.command("dispose")
@click.argument("ref", metavar="C-n")
@click.option("--decision", required=True, type=click.Choice(["accepted", "partly", "rejected", "noted"]))
@click.option("--note", metavar="TEXT")
@pass_ctx
def comment_dispose(c: Context, ref: str, decision: str, note: str | None) -> None:
    """Record what was done with a comment."""
    from governance.service import changes

    cm, _ = c.change(lambda op: changes.dispose_comment(op, ref, decision, note))
    c.emit({"ref": cm.ref, "state": cm.decision, "decision": cm.decision, "note": cm.note}, f"{cm.ref}: {cm.decision}")


@cli.group()
def action() -> None:
    """Follow-up actions: who must do what by when."""


@action.command("add")
@click.option("--title", required=True)
@click.option("--owner", "owner", required=True, metavar="CODE")
@click.option("--due", required=True, metavar="DATE", help="A day (due by its end, in the body's zone) or a moment.")
@click.option("--source", metavar="REF", help="The record that asked for it, e.g. 'D-3 §12'.")
@pass_ctx
def action_add(c: Context, title: str, owner: str, due: str, source: str | None) -> None:
    """Add a follow-up action -> A-n."""
    from governance.cli import commands

    commands.action_add(c, title, owner, due, source)


@action.command("list")
@pass_ctx
def action_list(c: Context) -> None:
    """Every action."""
    from governance.cli import commands

    commands.record_list(c, "action")


# -- moving records on -------------------------------------------------------------------------

@cli.command()
@click.argument("ref")
@pass_ctx
def show(c: Context, ref: str) -> None:
    """A record's state, what you may do now, its deadlines and history."""
    from governance.cli import commands

    commands.show(c, ref)


@cli.command()
@click.argument("ref")
@click.argument("trigger")
@click.option("--reason", metavar="TEXT")
@click.option("--votes", metavar="FOR,AGAINST[,ABST]", help="The vote, for decisions taken by majority.")
@click.option("--expect-version", type=NUMBER, metavar="N", help="Refuse (exit 5) if the record is no longer at version N.")
@click.option("--dry-run", is_flag=True, help="Show what would happen; write nothing.")
@pass_ctx
def advance(c: Context, ref: str, trigger: str, reason: str | None, votes: str | None, expect_version: int | None, dry_run: bool) -> None:
    """Fire a workflow TRIGGER on a record.

    For example `gov advance D-1 circulate`; `gov show REF` lists the triggers you may fire.
    """
    from governance.cli import commands

    commands.advance(c, ref, trigger, reason, votes, expect_version, dry_run)


@cli.command()
@click.argument("ref")
@click.option("--reason", metavar="TEXT")
@click.option("--expect-version", type=NUMBER, metavar="N", help="Refuse (exit 5) if the record is no longer at version N.")
@click.option("--dry-run", is_flag=True, help="Show what would happen; write nothing.")
@pass_ctx
def approve(c: Context, ref: str, reason: str | None, expect_version: int | None, dry_run: bool) -> None:
    """The chair approves the step waiting on REF."""
    from governance.cli import commands

    commands.decide(c, "approve", ref, reason, dry_run, expect_version)


@cli.command()
@click.argument("ref")
@click.option("--reason", required=True, metavar="TEXT")
@click.option("--expect-version", type=NUMBER, metavar="N", help="Refuse (exit 5) if the record is no longer at version N.")
@pass_ctx
def reject(c: Context, ref: str, reason: str, expect_version: int | None) -> None:
    """The chair refuses the step waiting on REF."""
    from governance.cli import commands

    commands.decide(c, "reject", ref, reason, False, expect_version)


@cli.command()
@pass_ctx
def approvals(c: Context) -> None:
    """Steps waiting on your approval."""
    from governance.cli import commands

    commands.approvals(c)


# -- time, mail, evidence ----------------------------------------------------------------------

@cli.command()
@click.option("--all", "include_all", is_flag=True, help="Include fired, skipped, failed and cancelled rows.")
@click.option("--limit", type=COUNT, default=100, show_default=True, help="At most this many rows (more are said to wait).")
@pass_ctx
def deadlines(c: Context, include_all: bool, limit: int) -> None:
    """Pending deadlines, reminders and escalations, soonest first."""
    from governance.cli import timecmds

    timecmds.deadlines(c, include_all, limit)


@cli.command()
@click.option("--limit", type=COUNT, help="Fire at most this many rows.")
@pass_ctx
def tick(c: Context, limit: int | None) -> None:
    """Fire everything due at --now, once, in due order. Running it twice changes nothing."""
    from governance.cli import timecmds

    timecmds.tick(c, limit)


@cli.command()
@click.option("--until", "until", required=True, metavar="DATETIME", help="Tick through every due time up to this moment.")
@click.option("--quiet", is_flag=True, help="Only the summary.")
@pass_ctx
def simulate(c: Context, until: str, quiet: bool) -> None:
    """Replay time up to --until, printing what fired.

    Ticks at each due moment from --now (default: the clock) up to --until.
    """
    from governance.cli import timecmds

    timecmds.simulate(c, until, quiet)


@cli.command()
@pass_ctx
def status(c: Context) -> None:
    """Whether the scheduler is alive, and what waits.

    The scheduler's heartbeat (alive, DEAD and since when, stopped, or never started), the last tick,
    rows due but unfired, mail waiting and failing, the chair.
    """
    from governance.cli import timecmds

    timecmds.status(c)


@cli.group(invoke_without_command=True)
@click.option("--status", type=click.Choice(["pending", "sent", "failed"]))
@click.option("--limit", type=COUNT, help="The first N letters, in the order they were queued [default: 1000].")
@click.option("--all", "every", is_flag=True, help="Every letter, however many.")
@click.pass_context
def outbox(ctx: click.Context, status: str | None, limit: int | None, every: bool) -> None:
    """Letters queued, sent and failed; `outbox retry` requeues.

    The first 1000 are listed (the rest are counted) unless --limit or --all says otherwise.
    """
    if ctx.invoked_subcommand is None:
        from governance.cli import commands

        commands.outbox(ctx.find_object(Context), status, limit, every)


@outbox.command("retry")
@click.argument("ids", nargs=-1, type=COUNT, metavar="[ID]...")
@click.option("--failed", "all_failed", is_flag=True, help="Every failed letter.")
@pass_ctx
def outbox_retry(c: Context, ids: tuple[int, ...], all_failed: bool) -> None:
    """Put failed letters back in the queue (the secretariat).

    The letters with these ids (from `gov outbox --status failed`), or all failed ones with --failed;
    each is tried again at once, with its attempts counted afresh.
    """
    from governance.cli import commands

    commands.outbox_retry(c, list(ids), all_failed)


@cli.command()
@click.option("--limit", type=COUNT, help="Deliver at most this many letters.")
@pass_ctx
def send(c: Context, limit: int | None) -> None:
    """Deliver pending mail; failures are retried later.

    Through the backend [mail] in config.toml names (maildir or smtp).

    \b
    Exit codes (for cron and scripts):
      0  every letter due was delivered, or none was due
      7  some letters were not delivered this run: they wait for a retry, or failed
         (`gov outbox --status failed`; the secretariat is written to)
      2  the [mail] configuration is unusable
    """
    from governance.cli import timecmds

    timecmds.send(c, limit)


@cli.command()
@click.option("--sweep-seconds", type=click.IntRange(1, 3600), default=60, show_default=True, help="How often to catch up and send mail.")
@click.option("--refresh-seconds", type=click.IntRange(1, 3600), default=30, show_default=True, help="How often to re-read the next due times.")
@click.option("--heartbeat-seconds", type=click.IntRange(1, 3600), default=10, show_default=True,
              help="How often to tell the database it is alive (`gov status` reads it).")
@click.option("--quiet", is_flag=True, help="Log only problems.")
@pass_ctx
def scheduler(c: Context, sweep_seconds: int, refresh_seconds: int, heartbeat_seconds: int, quiet: bool) -> None:
    """Fire tick and send on time, until stopped.

    APScheduler wakes at each due moment and sweeps as a safety net; SIGTERM stops it cleanly.
    It writes a heartbeat, so `gov status` says whether it is alive.
    """
    from governance.cli import timecmds

    timecmds.scheduler(c, sweep_seconds, refresh_seconds, quiet, heartbeat_seconds)


@cli.command()
@click.argument("target", required=False, metavar="[REF | verify | head]")
@click.option("--limit", type=COUNT, help="Only the newest N entries [the whole trail: 1000].")
@click.option("--all", "every", is_flag=True, help="The whole trail, however long.")
@click.option("--anchor", "anchors", multiple=True, metavar="SEQ:HASH",
              help="With verify: a witness (a letter's X-Gov-Audit-Head) the chain must still hold (repeatable).")
@pass_ctx
def audit(c: Context, target: str | None, limit: int | None, every: bool, anchors: tuple[str, ...]) -> None:
    """The audit trail (of REF), `audit verify`, or `audit head`.

    The whole trail lists its newest 1000 entries (the older ones are counted) unless --limit or --all says
    otherwise; a record's trail is listed whole. `gov audit verify [--anchor SEQ:HASH]...` checks the hash chain,
    the witnesses given and that every stored state and text is the one the trail recorded (exit 6 if not).
    `gov audit head` prints the chain's last entry.
    """
    from governance.cli import commands

    if anchors and target != "verify":
        from governance.errors import BadInput

        raise BadInput("--anchor goes with `gov audit verify`")
    if target == "verify":
        commands.audit_verify(c, list(anchors))
    elif target == "head":
        commands.audit_head(c)
    else:
        commands.audit(c, target, limit, every)


@cli.command()
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), help="Build the instance here (default: a new temporary folder).")
@pass_ctx
def demo(c: Context, folder: Path | None) -> None:
    """Replay OIC-PESNET from 2021 to 2023 on a fresh instance.

    The 3rd meeting and its aftermath, through the same service path as any user.
    """
    from governance.cli import democmd

    democmd.run(c, folder)


@cli.group()
def export() -> None:
    """Export records in standard formats."""


@export.command("ics")
@click.argument("ref", metavar="M-n")
@click.option("--lang", metavar="en|ar|fr", help="Language of the entry's text.")
@pass_ctx
def export_ics(c: Context, ref: str, lang: str | None) -> None:
    """The meeting as an iCalendar file on stdout."""
    from governance.cli import commands

    commands.export_ics(c, ref, lang)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option("--threads", type=click.IntRange(1, 256), default=8, show_default=True, help="Requests served at once.")
@pass_ctx
def serve(c: Context, host: str, port: int, threads: int) -> None:
    """The web application (secretariat, chair, focal points), until stopped.

    Serves the links in letters ([web] base_url in config.toml should reach it) and the signed-in
    pages, through waitress. The signing key comes from the variable [web] secret_key_env names.
    """
    from governance.cli import webcmd

    webcmd.serve(c, host, port, threads)


@cli.command("mail-sink")
@click.option("--port", type=click.IntRange(1, 65535), default=8025, show_default=True)
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), help="Also keep each letter as a .eml file here.")
@click.option("--show", is_flag=True, help="Print each letter whole (headers, text, attachments), not only a line.")
@pass_ctx
def mail_sink(c: Context, port: int, folder: Path | None, show: bool) -> None:
    """A local SMTP server that shows what it receives.

    Listens on 127.0.0.1 and prints (and keeps, with --dir) each letter, for trying things out.
    """
    from governance.mail.sink import serve

    serve(port, folder, click.echo, show)


def _check_arguments(args: list[str]) -> None:
    """Refuse, before anything runs, what no argument may hold: NUL, and bytes that are not UTF-8.

    Python hands undecodable bytes over as lone surrogates (surrogateescape); they would reach the database
    and fail there. The variables standing in for the global options are held to the same.
    """
    from governance.errors import BadInput

    given = [(arg, args[i - 1] if i and args[i - 1].startswith("--") and "=" not in args[i - 1] else None)
             for i, arg in enumerate(args)]
    given += [(os.environ[var], f"${var}") for var in ("GOV_CONFIG", "GOV_ACTOR", "GOV_NOW") if var in os.environ]
    for value, option in given:
        if value.startswith("--") and "=" in value:
            option, value = value.split("=", 1)
        if option:
            where = f"the value of {option}"
        else:  # show the argument as typed, its bad bytes escaped
            where = "the argument '" + value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") + "'"
        if "\x00" in value:
            raise BadInput(f"{where} contains a NUL character, which no name, date or text may hold")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadInput(f"{where} is not valid UTF-8 text (check the encoding of the terminal or the script)") from None


def main() -> None:
    """Entry point: run the CLI and turn every refusal into its exit code and one sentence."""
    as_json = "--json" in sys.argv[1:]
    try:
        _check_arguments(sys.argv[1:])
        # Without standalone mode click hands back the code a command exited with (`gov send`'s 7) instead of exiting.
        code = cli.main(args=sys.argv[1:], prog_name="gov", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.stderr.write("gov: aborted\n")
        sys.exit(1)
    except click.ClickException as exc:
        from governance.cli.output import error

        if as_json:
            error("bad_input", exc.format_message(), None, True)
        else:
            exc.show()
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - the one place that turns refusals into exit codes
        from governance.errors import GovError

        if isinstance(exc, GovError):
            from governance.cli.output import error

            error(exc.code, exc.sentence(), exc.rule, as_json, _hint_text(exc.hint))
            sys.exit(exc.exit_code)
        if isinstance(exc, BrokenPipeError):
            sys.exit(1)
        import traceback

        sys.stderr.write("gov: internal error (a bug; please report it with the lines below)\n")
        traceback.print_exc()
        sys.exit(1)
    sys.exit(code if type(code) is int else 0)


def _hint_text(hint: Hint | str | None) -> str | None:
    """A refusal's hint as the command to type (the service gives it as data)."""
    if hint is None:
        return None
    from governance.cli.hints import command

    return command(hint)


from governance.cli import calendarcmd  # noqa: E402,F401 - registers `gov calendar` (the module imports only click)


from governance.cli import docfiles  # noqa: E402,F401 - documents in files and languages: its commands join `doc` and `comment`


from governance.cli import written as _written  # noqa: E402,F401 - registers `gov written` (the module imports only click)
