"""The gov command's contract (CLI.md): commands, exit codes, JSON keys, approvals, evidence, conflicts."""

from __future__ import annotations

from pathlib import Path

import pytest

SEC = "sec"


def _meeting(network, start: str = "2021-06-02T12:00", end: str = "2021-06-03T15:00", now: str = "2021-03-10T10:00") -> None:
    network.ok("meeting", "create", "--kind", "general", "--title", "3rd Network Meeting", "--start", start, "--end", end,
               "--online", "--link", "https://video.example.org/m", actor=SEC, now=now)


def _text(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return str(path)


def _counts(network) -> tuple[int, int, int]:
    return tuple(network.sql(f"SELECT count(*) FROM {t}")[0][0] for t in ("audit", "outbox", "deadlines"))


def test_init_is_idempotent_and_never_overwrites_edited_rules(gov):
    rules = gov.folder / "rules" / "oic-pesnet.toml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("comment_period_days = 30", "comment_period_days = 21"), encoding="utf-8")
    gov.ok("org", "add", "SESRIC", "--name", "SESRIC", "--kind", "secretariat")
    again = gov.j("init", str(gov.folder))
    assert again["created"] == [] and again["schema_before"] == again["schema"]
    assert "comment_period_days = 21" in rules.read_text(encoding="utf-8")
    assert [o["code"] for o in gov.j("org", "list")["organisations"]] == ["SESRIC"]


def test_setting_up_people_is_the_secretariats_once_someone_holds_it(gov):
    gov.ok("org", "add", "SESRIC", "--name", "SESRIC", "--kind", "secretariat")
    gov.ok("person", "add", "sec", "--name", "Ayşe", "--email", "a@s.example", "--org", "SESRIC", "--role", "secretariat")
    gov.refused(2, "org", "add", "ISKUR", "--name", "İŞKUR", "--kind", "member")
    gov.ok("org", "add", "ISKUR", "--name", "İŞKUR", "--kind", "member", actor=SEC)
    gov.ok("person", "add", "fp", "--name", "F", "--email", "f@i.example", "--org", "ISKUR", "--role", "focal_point", actor=SEC)
    gov.refused(3, "org", "add", "BHR", "--name", "Bahrain", "--kind", "member", actor="fp")
    gov.refused(2, "person", "add", "x", "--name", "X", "--email", "not-an-address", "--org", "ISKUR", actor=SEC)
    gov.refused(2, "person", "add", "x", "--name", "X", "--email", "x@i.example", "--org", "NOPE", actor=SEC)
    gov.refused(2, "person", "add", "x", "--name", "X", "--email", "x@i.example", "--org", "ISKUR", "--role", "emperor", actor=SEC)
    gov.refused(2, "person", "add", "x", "--name", "X", "--email", "x@i.example", "--org", "ISKUR", "--lang", "de", actor=SEC)


@pytest.mark.parametrize("args, code", [
    (("advance", "M-1", "teleport"), 2),
    (("advance", "T-1", "activate"), 4),
    (("advance", "M-99", "convene"), 2),
    (("advance", "Q-1", "convene"), 2),
    (("show", "not a ref"), 2),
    (("advance", "M-1", "open"), 3),
    (("meeting", "create", "--kind", "banquet", "--title", "x", "--start", "2021-06-01", "--end", "2021-06-02"), 2),
    (("meeting", "create", "--kind", "general", "--title", "x", "--start", "June first", "--end", "2021-06-02"), 2),
    (("meeting", "create", "--kind", "general", "--title", "x", "--start", "2021-06-03", "--end", "2021-06-02"), 2),
    (("doc", "create", "--type", "rop", "--title", "x", "--file", "/no/such/file.txt"), 2),
    (("doc", "create", "--type", "poem", "--title", "x", "--file", "/etc/hostname"), 2),
    (("term", "designate", "emperor", "--org", "ISKUR"), 2),
    (("audit", "D-77"), 2),
], ids=["unknown-trigger", "wrong-state", "no-such-record", "bad-prefix", "malformed-ref", "role", "unknown-kind", "bad-date",
        "end-before-start", "missing-file", "unknown-type", "unknown-office", "audit-unknown-ref"])
def test_refusals_have_the_exit_code_of_cli_md_and_no_traceback(network, args, code):
    _meeting(network)
    result = network.as_process().refused(code, *args, actor=SEC, now="2021-03-10T11:00", json_out=True)  # the executable itself
    error = result.error
    assert set(error) == {"code", "message", "rule"} and error["message"]
    assert result.out == ""


def test_bad_now_and_missing_actor_are_bad_input(network):
    network.refused(2, "show", "T-1", now="yesterday-ish")
    network.refused(2, "advance", "T-1", "end")


def test_approval_waits_is_listed_refused_with_reason_and_audited(network):
    _meeting(network)
    asked = network.j("advance", "M-1", "convene", actor=SEC, now="2021-03-10T11:00")
    assert asked == {"ref": "M-1", "state": "planned", "pending_approval": {"trigger": "convene", "by": SEC}}
    items = network.j("approvals", actor="iskur", now="2021-03-10T12:00")["items"]
    assert [(i["ref"], i["trigger"], i["requested_by"]) for i in items] == [("M-1", "convene", SEC)]
    assert network.j("approvals", actor="bhr")["items"] == []
    network.refused(3, "approve", "M-1", actor="bhr", now="2021-03-10T12:00")
    network.refused(2, "reject", "M-1", "--reason", "", actor="iskur", now="2021-03-10T12:00")
    refused = network.j("reject", "M-1", "--reason", "dates clash with the ICLM", actor="iskur", now="2021-03-10T12:00")
    assert refused == {"ref": "M-1", "state": "planned", "pending_approval": None}
    entries = network.j("audit", "M-1")["entries"]
    assert [e["trigger"] for e in entries] == ["create", "request:convene", "reject:convene"]
    assert set(entries[-1]) >= {"seq", "at", "actor", "ref", "trigger", "from", "to", "reason", "rule"}
    assert entries[-1]["reason"] == "dates clash with the ICLM" and entries[-1]["actor"] == "iskur"
    told = [m for m in network.j("outbox")["messages"] if m["template"] == "approval_refused"]
    assert [m["to"] for m in told] == ["sec@sesric.example"]
    network.refused(4, "approve", "M-1", actor="iskur", now="2021-03-10T12:00")


def test_approval_rechecks_the_guards_when_it_is_given(network):
    _meeting(network)
    network.ok("advance", "M-1", "convene", actor=SEC, now="2021-04-10T10:00")
    # By the time the chair looks, the 45-day notice can no longer be met.
    late = network.refused(4, "approve", "M-1", actor="iskur", now="2021-04-20T10:00", json_out=True)
    assert "45 days' notice" in late.error["message"] and late.error["rule"].startswith("RoP Art. 4")
    assert network.j("show", "M-1")["pending_approval"] == {"trigger": "convene", "by": SEC}


def test_show_tells_what_the_actor_may_do_with_the_keys_of_cli_md(network):
    _meeting(network)
    shown = network.j("show", "M-1", actor=SEC, now="2021-03-10T11:00")
    assert {"ref", "kind", "state", "allowed", "pending_approval", "deadlines"} <= set(shown)
    assert shown["allowed"] == ["convene", "cancel"] and shown["kind"] == "meeting"
    assert {d["name"] for d in shown["deadlines"]} == {"notice_limit", "convene_by"}
    assert all({"name", "due", "status"} <= set(d) for d in shown["deadlines"])
    assert network.j("show", "M-1", actor="bhr", now="2021-03-10T11:00")["allowed"] == []
    rows = network.j("deadlines")["deadlines"]
    assert all(set(r) >= {"ref", "name", "kind", "due", "status"} for r in rows)
    assert [r["due"] for r in rows] == sorted(r["due"] for r in rows) and rows[0]["due"].endswith("+03:00")


def test_the_audit_chain_detects_a_changed_or_deleted_entry(network):
    ok = network.j("audit", "verify")
    assert ok["ok"] is True and ok["entries"] > 10
    network.sql("UPDATE audit SET reason = 'nothing to see' WHERE seq = 5")
    broken = network("audit", "verify", json_out=True)
    assert broken.code == 6 and broken.json["ok"] is False and broken.json["first_bad"] == 5
    assert "Traceback" not in broken.err
    network.sql("UPDATE audit SET reason = NULL WHERE seq = 5")
    assert network.j("audit", "verify")["ok"] is True
    network.sql("DELETE FROM audit WHERE seq = 7")
    assert network("audit", "verify", json_out=True).json["first_bad"] == 8


def test_a_refused_command_writes_nothing(network, tmp_path):
    _meeting(network)
    before = _counts(network)
    network.refused(4, "advance", "T-1", "activate", actor=SEC, now="2021-03-10T11:00")
    network.refused(3, "advance", "M-1", "close", actor=SEC, now="2021-03-10T11:00")
    network.refused(3, "advance", "M-1", "open", actor="bhr", now="2021-03-10T11:00")
    network.refused(2, "doc", "create", "--type", "rop", "--title", "x", "--file", _text(tmp_path, "x.txt", "1. x\n"), "--meeting", "M-9",
                    actor=SEC, now="2021-03-10T11:00")
    assert _counts(network) == before


def test_a_stale_expected_version_is_a_conflict_and_writes_nothing(network):
    _meeting(network)
    version = network.j("show", "M-1")["version"]
    network.ok("advance", "M-1", "convene", actor=SEC, now="2021-03-10T11:00")
    before = _counts(network)
    stale = network.refused(5, "advance", "M-1", "cancel", "--reason", "x", "--expect-version", str(version), actor=SEC,
                            now="2021-03-10T11:05", json_out=True)
    assert "changed by someone else" in stale.error["message"] and "nothing written" in stale.error["message"]
    assert _counts(network) == before


def test_two_people_changing_one_record_at_once_one_wins_the_other_gets_a_conflict(network):
    """Two transactions read the same version; the second to write is refused (exit 5) and leaves nothing behind."""
    from governance.errors import Conflict
    from governance.service import changes, engine, lookup
    from governance.service.actors import resolve_actor
    from governance.service.context import Operation, open_instance
    from governance.service.transaction import finish

    _meeting(network)
    network.ok("advance", "M-1", "convene", actor=SEC, now="2021-03-10T11:00")
    instance = open_instance(network.config, "2021-03-10T12:00")
    reader = instance.db._reader  # deferred transactions: both read before either writes
    first, second = reader(), reader()
    try:
        ops = []
        for session, handle in ((first, "iskur"), (second, "iskur")):
            session.begin()
            op = Operation(instance, session, resolve_actor(session, handle, instance.rules), instance.clock.now())
            record = lookup.record(session, "M-1")
            ops.append((op, record))
        op1, rec1 = ops[0]
        engine.approve(op1, rec1, None)
        finish(op1)
        first.commit()
        op2, rec2 = ops[1]
        with pytest.raises(Exception) as raised:
            engine.approve(op2, rec2, None)
            finish(op2)
            second.commit()
        from sqlalchemy.exc import OperationalError
        from sqlalchemy.orm.exc import StaleDataError

        assert isinstance(raised.value, (StaleDataError, OperationalError))
        from governance.service.transaction import change

        def meets_the_same_fate(op: Operation) -> None:
            raise raised.value

        with pytest.raises(Conflict) as answered:  # the one transaction path turns it into exit 5, nothing written
            change(instance, "iskur", meets_the_same_fate)
        assert answered.value.exit_code == 5 and "nothing" in answered.value.message
    finally:
        second.rollback()
        first.close()
        second.close()
        instance.db.dispose()
    assert [e["trigger"] for e in network.j("audit", "M-1")["entries"]].count("convene") == 1
    assert network.j("audit", "verify")["ok"] is True
    del changes


def test_every_trigger_refuses_every_role_it_does_not_list(network):
    """The role x trigger matrix of the shipped workflows, through the service path."""
    from governance.errors import NotPermitted
    from governance.service import engine
    from governance.service.actors import Actor
    from governance.service.transaction import reading
    from governance.service.context import open_instance
    from governance.store.models import Action, Document, Meeting, Term, WrittenProcedure

    instance = open_instance(network.config, "2021-03-10T12:00")
    records = {"meeting": Meeting(id=1, state="planned"), "document": Document(id=1, state="draft"),
               "term": Term(id=1, state="designated", office="chair"), "action": Action(id=1, state="open", owner_org_id=-1),
               "written": WrittenProcedure(id=1, state="proposed", mode="silence")}
    roles = set(instance.rules.all_roles()) | {"owner", "holder", "system"}
    checked = 0
    with reading(instance) as op:
        for kind, spec in instance.workflows.items():
            for trigger in spec.triggers.values():
                for role in roles - set(trigger.roles):
                    op.actor = Actor("probe", None, frozenset({role}))
                    with pytest.raises(NotPermitted):
                        engine.advance(op, records[kind], trigger.name)
                    checked += 1
    instance.db.dispose()
    assert checked > 80


def test_the_3rd_meetings_rules_of_procedure_walk_from_draft_to_published(network, tmp_path):
    _meeting(network)
    network.ok("advance", "M-1", "convene", actor=SEC, now="2021-03-10T11:00")
    network.ok("approve", "M-1", actor="iskur", now="2021-03-11T09:00")
    rop = _text(tmp_path, "rop.txt", "1. Purpose.\n\n2. Membership.\n\n3. The chair serves two years.\n")
    created = network.j("doc", "create", "--type", "rop", "--title", "Draft Rules of Procedure", "--file", rop, "--meeting", "M-1",
                        actor=SEC, now="2021-03-15T10:00")
    assert created == {"ref": "D-1", "state": "draft"}
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-03-15T10:00")
    network.refused(3, "comment", "add", "D-1", "--text", "x", actor=SEC, now="2021-03-16")
    network.refused(3, "comment", "add", "D-1", "--text", "x", actor="ilo", now="2021-03-16")
    assert network.j("comment", "add", "D-1", "--para", "3", "--text", "نقترح أن تكون مدة الرئاسة سنتين قابلة للتجديد مرة واحدة",
                     actor="bhr", now="2021-03-20")["ref"] == "C-1"
    network.ok("comment", "add", "D-1", "--para", "2", "--text", "Préciser les critères d'adhésion.", actor="mar", now="2021-03-22")
    network.ok("advance", "D-1", "close_comments", actor=SEC, now="2021-04-15")
    network.refused(4, "comment", "add", "D-1", "--text", "late", actor="egy", now="2021-04-16")
    network.ok("comment", "dispose", "C-1", "--decision", "accepted", "--note", "Art. 3 amended", actor=SEC, now="2021-04-16")
    network.ok("comment", "dispose", "C-2", "--decision", "noted", actor=SEC, now="2021-04-16")
    rows = network.j("doc", "matrix", "D-1")["rows"]
    assert [(r["comment"], r["para"], r["org"], r["decision"]) for r in rows] == [("C-2", 2, "MAR", "noted"), ("C-1", 3, "BHR", "accepted")]
    assert set(rows[0]) >= {"comment", "para", "org", "text", "decision", "note"}
    assert "قابلة للتجديد" in rows[1]["text"]
    network.refused(4, "advance", "D-1", "circulate", actor=SEC, now="2021-04-17")
    network.ok("doc", "revise", "D-1", "--file", _text(tmp_path, "rop2.txt", "1. Purpose.\n\n2. Membership.\n\n3. The chair serves two years, renewable once.\n"),
               actor=SEC, now="2021-04-17")
    assert "renewable once" in network.ok("doc", "text", "D-1").out
    assert "renewable" not in network.ok("doc", "text", "D-1", "--version", "1").out
    network.ok("advance", "D-1", "table", actor=SEC, now="2021-05-01")
    network.refused(4, "advance", "D-1", "adopt", actor="iskur", now="2021-05-02")  # the meeting is not in session
    network.refused(4, "advance", "M-1", "open", actor="iskur", now="2021-06-01T12:00")  # not before its day
    network.ok("attend", "M-1", actor="ilo", now="2021-06-02T11:40")
    network.ok("attend", "M-1", actor="iskur", now="2021-06-02T11:40")
    network.ok("advance", "M-1", "open", actor="iskur", now="2021-06-02T12:00")
    network.ok("attend", "M-1", actor="bhr", now="2021-06-02T12:05")
    no_quorum = network.refused(4, "advance", "D-1", "adopt", actor="iskur", now="2021-06-03T13:00", json_out=True)
    assert "no quorum: 2 of 6 member organisations" in no_quorum.error["message"] and no_quorum.error["rule"].startswith("RoP Art. 9")
    network.ok("attend", "M-1", actor="mar", now="2021-06-03T12:05")
    network.refused(4, "advance", "D-1", "adopt", "--votes", "3,1", actor="iskur", now="2021-06-03T13:00")  # consensus: an objection
    assert network.j("advance", "D-1", "adopt", actor="iskur", now="2021-06-03T13:00")["state"] == "adopted"
    assert network.j("advance", "D-1", "publish", actor=SEC, now="2021-06-10")["pending_approval"] == {"trigger": "publish", "by": SEC}
    assert network.j("approve", "D-1", actor="iskur", now="2021-06-10")["state"] == "published"
    letters = [m for m in network.j("outbox")["messages"] if m["template"] == "document_published"]
    assert {(m["to"].split("@")[0], m["lang"]) for m in letters} >= {("bhr", "ar"), ("mar", "fr"), ("iskur", "en"), ("jean", "en")}
    trail = [e["trigger"] for e in network.j("audit", "D-1")["entries"] if e["ref"] == "D-1"]
    assert trail == ["create", "circulate", "close_comments", "revise", "table", "adopt", "request:publish", "publish"]
    comments = [(e["ref"], e["trigger"]) for e in network.j("audit", "D-1")["entries"] if e["ref"] != "D-1"]
    assert comments == [("C-1", "comment"), ("C-2", "comment"), ("C-1", "dispose"), ("C-2", "dispose")]  # and its comments' story
    assert network.j("audit", "verify")["ok"] is True


def test_majority_rule_needs_the_vote_and_more_for_than_against(network, tmp_path):
    rules = network.folder / "rules" / "oic-pesnet.toml"
    rules.write_text(rules.read_text(encoding="utf-8").replace('rule = "consensus"', 'rule = "majority"'), encoding="utf-8")
    _meeting(network)
    network.ok("advance", "M-1", "convene", actor=SEC, now="2021-03-10T11:00")
    network.ok("approve", "M-1", actor="iskur", now="2021-03-11T09:00")
    network.ok("doc", "create", "--type", "action_plan", "--title", "Action Plan", "--file", _text(tmp_path, "ap.txt", "1. x\n"),
               "--meeting", "M-1", actor=SEC, now="2021-03-15")
    network.ok("advance", "D-1", "table", actor=SEC, now="2021-03-15")
    for handle in ("iskur", "bhr", "mar", "egy"):
        network.ok("attend", "M-1", actor=handle, now="2021-06-02T11:45")
    network.ok("advance", "M-1", "open", actor="iskur", now="2021-06-02T12:00")
    network.refused(4, "advance", "D-1", "endorse", actor="iskur", now="2021-06-03T13:00")
    network.refused(4, "advance", "D-1", "endorse", "--votes", "2,2", actor="iskur", now="2021-06-03T13:00")
    network.refused(2, "advance", "D-1", "endorse", "--votes", "many", actor="iskur", now="2021-06-03T13:00")
    assert network.j("advance", "D-1", "endorse", "--votes", "3,1,0", actor="iskur", now="2021-06-03T13:00")["state"] == "endorsed"
    votes = [e for e in network.j("audit", "D-1")["entries"] if e["trigger"] == "endorse"][0]["detail"]["votes"]
    assert votes == {"for": 3, "against": 1, "abstaining": 0}


def test_actions_complete_by_owner_or_secretariat_and_cancel_needs_a_reason(network):
    added = network.j("action", "add", "--title", "Notify the focal point", "--owner", "SEN", "--due", "2021-09-30",
                      "--source", "T-1 §5", actor=SEC, now="2021-06-03")
    assert added == {"ref": "A-1", "state": "open"}
    network.refused(2, "action", "add", "--title", "x", "--owner", "SEN", "--due", "2021-01-01", actor=SEC, now="2021-06-03")
    network.refused(2, "action", "add", "--title", "x", "--owner", "SEN", "--due", "2021-09-30", "--source", "D-42", actor=SEC, now="2021-06-03")
    network.refused(3, "advance", "A-1", "complete", actor="bhr", now="2021-06-04")
    assert network.j("advance", "A-1", "complete", actor="sen", now="2021-06-04")["state"] == "done"
    network.ok("action", "add", "--title", "Second", "--owner", "BHR", "--due", "2021-09-30", actor=SEC, now="2021-06-03")
    network.refused(2, "advance", "A-2", "cancel", actor=SEC, now="2021-06-04")
    assert network.j("advance", "A-2", "cancel", "--reason", "superseded", actor=SEC, now="2021-06-04")["state"] == "cancelled"


def test_help_lists_every_command_of_cli_md_grouped(gov):
    text = gov.ok("--help").out
    for command in ("init", "rules", "org", "person", "term", "meeting", "attend", "doc", "comment", "action", "advance", "approve",
                    "reject", "approvals", "show", "deadlines", "tick", "outbox", "send", "scheduler", "audit", "export", "demo"):
        assert f"\n  {command} " in text or f"\n  {command}\n" in text, command
    assert "Set up:" in text and "Moving records on:" in text


def test_the_stored_help_is_exactly_what_click_renders():
    """`gov --help` answers from a stored text to start fast; it must never drift from the commands themselves."""
    from governance.cli.entry import HELP_FILE, render_help

    with open(HELP_FILE, encoding="utf-8") as stored:
        assert stored.read() == render_help(), "regenerate it: python -m governance.cli.entry --write-help"
