"""`gov written`: decisions between meetings, in writing (silence procedures and written votes). Parse, call, print."""

from __future__ import annotations

from typing import Any

import click

from governance.cli.main import NUMBER, Context, _free_text, cli, pass_ctx


@cli.group()
def written() -> None:
    """Decisions between meetings: silence procedures and written votes (W-n).

    A member organisation speaks through its focal point or any of its alternates, with one voice.
    """


@written.command("start")
@click.argument("document_ref", metavar="D-n")
@click.option("--mode", required=True, type=click.Choice(["silence", "vote"]),
              help="silence: adopted at the deadline unless a member objects; vote: for, against or abstain.")
@click.option("--until", "until", metavar="DATETIME",
              help="The deadline (a day alone: at the rules' deadline hour). Default: [decisions.written] silence_days or vote_days.")
@click.option("--reason", metavar="TEXT", callback=_free_text)
@pass_ctx
def written_start(c: Context, document_ref: str, mode: str, until: str | None, reason: str | None) -> None:
    """Put a document to the members in writing -> W-n (the secretariat)."""
    from governance.clock import parse_when
    from governance.service import written as service

    data, op = c.change(lambda op: _outcome(op, service.start(
        op, document_ref, mode, parse_when(until, op.rules.zone, "--until") if until else None, reason)))

    def text() -> str:
        if data["pending_approval"]:
            return f"{data['ref']} {data['state']}: {mode} on {data['document']}; it waits for the chair's approval (gov approve {data['ref']})"
        return f"{data['ref']} {data['state']}: {mode} on {data['document']} until {data['until']} ({len(op.mail)} letter(s) queued)"

    c.emit(data, text)


@written.command("object")
@click.argument("ref", metavar="W-n")
@click.option("--text", required=True, help="Why the member objects (or the amendment it proposes).")
@click.option("--para", type=NUMBER, help="The paragraph it concerns, as numbered in the letter.")
@click.option("--amendment", is_flag=True, help="A proposed amendment rather than an objection (it breaks silence too).")
@pass_ctx
def written_object(c: Context, ref: str, text: str, para: int | None, amendment: bool) -> None:
    """A member objects: silence is broken, and the rules' fallback follows."""
    from governance.service import written as service

    def work(op: Any) -> dict[str, Any]:
        objection = service.object_(op, ref, text, para, amendment)
        return dict(_outcome(op, _procedure(op, objection.procedure_id)), objection=dict(_said(op, objection), para=objection.para,
                                                                                       kind=objection.kind, text=objection.text))

    data, _ = c.change(work)
    said = data["objection"]
    follows = f"; {data['followed_by']} follows" if data.get("followed_by") else ""
    c.emit(data, f"{data['ref']} {data['state']}: {said['org']} {said['kind']}{' on §' + str(para) if para else ''}{follows}")


@written.command("vote")
@click.argument("ref", metavar="W-n")
@click.option("--position", required=True, type=click.Choice(["for", "against", "abstain"]))
@click.option("--statement", metavar="TEXT", help="An explanation of the vote, kept with it.")
@pass_ctx
def written_vote(c: Context, ref: str, position: str, statement: str | None) -> None:
    """The member's vote; a later one before the deadline replaces it."""
    from governance.service import written as service

    def work(op: Any) -> dict[str, Any]:
        said = service.vote(op, ref, position, statement)
        return dict(_outcome(op, _procedure(op, said.procedure_id)), position=dict(_said(op, said), position=said.position,
                                                                                 statement=said.statement))

    data, _ = c.change(work)
    said = data["position"]
    c.emit(data, f"{data['ref']}: {said['org']} votes {position} (by {said['by']})")


@written.command("reserve")
@click.argument("ref", metavar="W-n")
@click.option("--text", required=True)
@click.option("--kind", type=click.Choice(["reservation", "statement"]), default="reservation", show_default=True,
              help="A reservation, or an interpretative statement.")
@pass_ctx
def written_reserve(c: Context, ref: str, text: str, kind: str) -> None:
    """Annex a reservation or an interpretative statement to the decision."""
    from governance.service import written as service

    def work(op: Any) -> dict[str, Any]:
        annexed = service.reserve(op, ref, text, kind)
        return dict(_outcome(op, _procedure(op, annexed.procedure_id)), reservation=dict(_said(op, annexed), kind=annexed.kind,
                                                                                       text=annexed.text))

    data, _ = c.change(work)
    c.emit(data, f"{data['ref']}: {kind} of {data['reservation']['org']} annexed")


@written.command("withdraw")
@click.argument("ref", metavar="W-n")
@click.option("--reason", required=True, metavar="TEXT")
@pass_ctx
def written_withdraw(c: Context, ref: str, reason: str) -> None:
    """Withdraw a procedure before its deadline (the secretariat); its document comes back."""
    from governance.service import written as service

    outcome, _ = c.change(lambda op: service.withdraw(op, ref, reason))
    c.emit({"ref": outcome.ref, "state": outcome.state, "pending_approval": outcome.pending_approval}, f"{outcome.ref} {outcome.state}")


@written.command("list")
@pass_ctx
def written_list(c: Context) -> None:
    """Every written procedure."""
    from governance.cli import commands

    commands.record_list(c, "written")


def _procedure(op: Any, procedure_id: int) -> Any:
    from governance.store.models import WrittenProcedure

    return op.session.get(WrittenProcedure, procedure_id)


def _outcome(op: Any, procedure: Any) -> dict[str, Any]:
    from sqlalchemy import select

    from governance.store.models import WrittenProcedure

    followed = op.session.scalar(select(WrittenProcedure.id).where(WrittenProcedure.follows_id == procedure.id).limit(1))
    pending = {"trigger": procedure.pending_trigger, "by": procedure.pending_by or ""} if procedure.pending_trigger else None
    return {"ref": procedure.ref, "state": procedure.state, "pending_approval": pending, "document": procedure.document.ref,
            "mode": procedure.mode, "until": _iso(op, procedure.until), "followed_by": f"W-{followed}" if followed else None}


def _said(op: Any, item: Any) -> dict[str, Any]:
    """Who spoke, for which member, when."""
    return {"org": item.org.code, "by": item.person.handle, "at": _iso(op, item.at)}


def _iso(op: Any, moment: Any) -> str | None:
    from governance.clock import iso

    return iso(moment, op.rules.zone)
