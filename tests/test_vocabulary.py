"""The record vocabulary: what the code relies on is declared in the files and checked, and a new kind is one declaration.

Each name the code uses is renamed in a copy of the shipped files: the engine either follows the rename or refuses
the files at PATH:LINE; it never breaks quietly.
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from governance.mail.render import template_names
from governance.rules import check_rules_files, load_rules
from governance.store.models import WorkflowRecord
from governance.store.types import UTCDateTime
from governance.workflows import check_workflow_files, load_workflows, records

ROOT = Path(__file__).resolve().parent.parent
PROBLEM = re.compile(r"^(?P<path>.+):(?P<line>\d+): (?P<message>.+)$")
NOW = "2021-03-01T09:00"


def _copy(tmp_path: Path) -> tuple[Path, Path]:
    rules, workflows = tmp_path / "rules", tmp_path / "workflows"
    for source, target in ((ROOT / "rules", rules), (ROOT / "workflows", workflows)):
        target.mkdir()
        for path in source.glob("*.toml"):
            (target / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return rules, workflows


def _rename(folder: Path, old: str, new: str, files: str = "*.toml", whole_word: bool = True) -> None:
    pattern = re.compile(rf"\b{re.escape(old)}\b" if whole_word else re.escape(old))
    for path in folder.glob(files):
        path.write_text(pattern.sub(new, path.read_text(encoding="utf-8")), encoding="utf-8")


def _problems(rules_dir: Path, workflows_dir: Path) -> list[str]:
    rules, problems = check_rules_files(sorted(rules_dir.glob("*.toml")))
    reference = rules or load_rules(ROOT / "rules")
    _, found = check_workflow_files(sorted(workflows_dir.glob("*.toml")), reference, template_names())
    return problems + found


def _at(problems: list[str], message: str, path: Path, needle: str) -> None:
    """A problem saying `message`, reported at `path` on the line holding `needle` (a value inside an inline table of a
    multi-line list is placed, as every PATH:LINE of these files is, at the line its list opens on: a few lines up)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    expected = next(number for number, line in enumerate(lines, 1) if needle in line)
    hits = [PROBLEM.match(p) for p in problems if message in p]
    assert hits and all(hits), problems
    assert any(h["path"] == str(path) and expected - 3 <= int(h["line"]) <= expected for h in hits), (expected, problems)


# -- refusals: a file that drops what the code names is refused where it says so ------------------------------

REFUSALS = [
    # (id, folder, file, old, new, word: rename it throughout the file, message, the line the problem points at)
    ("term-state-active", "workflows", "term.toml", "active", "in_office", True, "has no state 'active'", "[states.proposed]"),
    ("term-state-ended", "workflows", "term.toml", "ended", "over", True, "has no state 'ended'", "[states.proposed]"),
    ("action-trigger-complete", "workflows", "action.toml", "complete", "finish", True, "has no trigger 'complete'", "[triggers.lapse]"),
    ("term-trigger-confirm", "workflows", "term.toml", "confirm", "accept", True, "has no trigger 'confirm'", "[triggers.activate]"),
    ("no-state-accepts-comments", "workflows", "document.toml", "accepts_comments = true", "", False,
     "sets accepts_comments = true", "[states.draft]"),
    ("no-state-takes-attendance", "workflows", "meeting.toml", "takes_attendance = true", "", False,
     "sets takes_attendance = true", "[states.planned]"),
    ("flag-not-a-flag", "workflows", "document.toml", "text_locked = true", 'text_locked = "yes"', False,
     "text_locked must be true or false", 'text_locked = "yes"'),
    ("flag-of-another-kind", "workflows", "action.toml", 'description = "Done."', 'description = "Done."\naccepts_comments = true', False,
     "unknown key 'accepts_comments'", "accepts_comments = true"),
    ("calendar-unknown", "workflows", "meeting.toml", 'calendar = "request"', 'calendar = "invite"', False,
     "calendar must be one of", 'calendar = "invite"'),
    ("calendar-on-a-document", "workflows", "document.toml", 'template = "document_circulated"',
     'template = "document_circulated", calendar = "request"', False, "letters carry no calendar entry", 'calendar = "request"'),
    ("approver-not-an-office", "rules", "oic-pesnet.toml", 'approver = "chair"', 'approver = "president"', False,
     "roles.approver names 'president'", 'approver = "president"'),
    ("secretariat-role-renamed-in-names-only", "rules", "oic-pesnet.toml", 'names = ["secretariat"', 'names = ["bureau"', False,
     "roles.secretariat names 'secretariat'", 'secretariat = "secretariat"'),
    ("no-general-meeting", "rules", "oic-pesnet.toml", "\ngeneral = true", "", False,
     "between_general needs a meeting kind marked general = true", "between_general = true"),
    ("two-general-meetings", "rules", "oic-pesnet.toml", "between_general = true", "general = true  # as well", False,
     "is already the general meeting", "general = true  # as well"),
]


@pytest.mark.parametrize("folder, file, old, new, word, message, needle", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_a_file_that_drops_what_the_code_names_is_refused_at_path_line(tmp_path, folder, file, old, new, word, message, needle):
    rules_dir, workflows_dir = _copy(tmp_path)
    target = (rules_dir if folder == "rules" else workflows_dir) / file
    text = target.read_text(encoding="utf-8")
    assert old in text
    if word:
        _rename(target.parent, old, new, file)
    else:
        target.write_text(text.replace(old, new), encoding="utf-8")
    _at(_problems(rules_dir, workflows_dir), message, target, needle)


def test_gov_rules_check_refuses_an_office_renamed_in_the_rules_alone(gov):
    _rename(gov.folder / "rules", "chair", "president")
    result = gov.refused(2, "rules", "check")
    assert "roles.approver names 'chair'" not in result.err  # renamed with the office: [roles] approver follows it
    workflows = gov.folder / "workflows"
    assert re.search(rf"{re.escape(str(workflows / 'meeting.toml'))}:\d+: .*unknown role 'chair'", result.err), result.err


# -- renames the engine follows -----------------------------------------------------------------------------------

def _people(gov: Any, office: str = "chair") -> None:
    gov.ok("org", "add", "SESRIC", "--name", "SESRIC", "--kind", "secretariat", now=NOW)
    gov.ok("person", "add", "sec", "--name", "Ayşe Demir", "--email", "sec@sesric.example", "--org", "SESRIC", "--role", "secretariat", now=NOW)
    for code, handle in (("ISKUR", "iskur"), ("MAR", "mar")):
        gov.ok("org", "add", code, "--name", code, "--kind", "member", actor="sec", now=NOW)
        gov.ok("person", "add", handle, "--name", handle.title(), "--email", f"{handle}@{code.lower()}.example", "--org", code,
               "--role", "focal_point", actor="sec", now=NOW)
    gov.ok("term", "designate", office, "--org", "ISKUR", "--start", "2021-03-01", actor="sec", now=NOW)


def test_circulated_renamed_out_for_comment_still_takes_comments_and_locks_the_text(gov, tmp_path):
    _rename(gov.folder / "workflows", "circulated", "out_for_comment")
    gov.ok("rules", "check")
    _people(gov)
    draft = tmp_path / "draft.txt"
    draft.write_text("1. The network meets every two years.\n\n2. The secretariat keeps the records.", encoding="utf-8")
    gov.ok("doc", "create", "--type", "rop", "--title", "Rules of Procedure", "--file", str(draft), actor="sec", now=NOW)
    assert gov.j("advance", "D-1", "circulate", actor="sec", now=NOW)["state"] == "out_for_comment"
    assert any(c.startswith("gov comment add D-1") for c in gov.j("show", "D-1", actor="mar", now=NOW)["commands"])
    gov.ok("comment", "add", "D-1", "--text", "Every year, please.", "--para", "1", actor="mar", now="2021-03-02T09:00")
    draft.write_text("1. The network meets every year.\n\n2. The secretariat keeps the records.", encoding="utf-8")
    refused = gov.refused(4, "doc", "revise", "D-1", "--file", str(draft), actor="sec", now="2021-03-02T10:00")
    assert "out for comments" in refused.err
    gov.ok("advance", "D-1", "close_comments", actor="sec", now="2021-03-03T09:00")
    assert "gov doc matrix D-1" in gov.j("show", "D-1", actor="sec", now="2021-03-03T09:00")["commands"]
    gov.refused(4, "comment", "add", "D-1", "--text", "Late.", actor="mar", now="2021-03-03T10:00")
    gov.ok("doc", "revise", "D-1", "--file", str(draft), actor="sec", now="2021-03-03T10:00")


def test_chair_renamed_president_gets_the_approval_requests_and_gives_them(gov):
    _rename(gov.folder / "rules", "chair", "president")
    _rename(gov.folder / "workflows", "chair", "president")
    gov.ok("rules", "check")
    _people(gov, office="president")
    gov.ok("meeting", "create", "--kind", "general", "--title", "4th meeting", "--start", "2021-06-01T10:00",
           "--end", "2021-06-01T16:00", "--venue", "Ankara", actor="sec", now=NOW)
    asked = gov.j("advance", "M-1", "convene", actor="sec", now=NOW)
    assert asked["pending_approval"]["trigger"] == "convene"
    letters = gov.j("outbox", now=NOW)["messages"]
    assert [m["to"] for m in letters if m["template"] == "approval_requested"] == ["iskur@iskur.example"]
    assert [i["ref"] for i in gov.j("approvals", actor="iskur", now=NOW)["items"]] == ["M-1"]
    assert gov.j("approve", "M-1", actor="iskur", now=NOW)["state"] == "convened"
    refused = gov.refused(3, "advance", "M-1", "open", actor="mar", now="2021-06-01T10:00")
    assert "only the president may" in refused.err


def test_general_renamed_plenary_still_sets_the_cadence(gov):
    _rename(gov.folder / "rules", "[meetings.general]", "[meetings.plenary]", whole_word=False)
    gov.ok("rules", "check")
    _people(gov)
    gov.ok("meeting", "create", "--kind", "plenary", "--title", "4th meeting", "--start", "2021-06-01T10:00",
           "--end", "2021-06-01T16:00", "--venue", "Ankara", actor="sec", now=NOW)
    gov.ok("advance", "M-1", "convene", actor="sec", now=NOW)
    gov.ok("approve", "M-1", actor="iskur", now=NOW)
    gov.ok("advance", "M-1", "open", actor="iskur", now="2021-06-01T10:00")
    gov.ok("advance", "M-1", "close", actor="iskur", now="2021-06-01T16:00")
    actions = [gov.j("show", ref, now="2021-06-01T16:00")["fields"] for ref in ("A-1", "A-2")]
    # The focal-point meeting falls halfway (12 months), the next plenary after 24.
    assert [a["due"][:7] for a in actions] == ["2022-06", "2023-06"], actions
    assert all(a["source"].startswith("M-1") for a in actions)


def test_a_decision_state_renamed_keeps_its_words_in_letters(tmp_path):
    rules_dir, workflows_dir = _copy(tmp_path)
    _rename(workflows_dir, "adopted", "approved", "document.toml")
    _rename(workflows_dir, 'decision = "approved"', 'decision = "adopted"', "document.toml", whole_word=False)  # the words stay
    specs = load_workflows(workflows_dir, load_rules(rules_dir), template_names())
    assert specs["document"].states["approved"].phrases == {"decision": "adopted"}
    assert specs["document"].flagged("accepts_comments") == ("circulated",)


def test_every_letter_addition_a_record_kind_names_is_registered():
    from governance.service.describe import LETTER_EXTRAS

    named = {t.letter_extras for t in records.types().values() if t.letter_extras}
    assert named == set(LETTER_EXTRAS)


# -- the names of the shipped files stay out of the service code ------------------------------------------------

# Words of other vocabularies that happen to be spelled like a state: where they stand and what they are.
OTHER_VOCABULARIES = {
    ("changes.py", "rejected"): "a comment's disposition (CLI contract: accepted|partly|rejected|noted)",
    ("changes.py", "noted"): "a comment's disposition",
    ("describe.py", "adopted"): "the English word a workflow file gives (decision = \"adopted\"), translated for letters",
    ("describe.py", "endorsed"): "likewise",
    ("describe.py", "draft"): "the letter context's key for the version out for comments",
    ("describe.py", "designated"): "a key of the succession view letters read",
    ("engine.py", "cancelled"): "a deadline row's status",
    ("calendars.py", "cancelled"): "a deadline row's status (reminders recomputed when a member's calendar changes)",
    ("outbox.py", "draft"): "the letter context's key for the version out for comments",
    ("queries.py", "open"): "how `show` names a comment not yet disposed of",
}


def test_no_state_office_or_meeting_kind_of_the_shipped_files_is_named_in_the_service_code():
    names: set[str] = set()
    for path in (ROOT / "workflows").glob("*.toml"):
        names |= set(tomllib.loads(path.read_text(encoding="utf-8"))["states"])
    rules = tomllib.loads((ROOT / "rules" / "oic-pesnet.toml").read_text(encoding="utf-8"))
    names |= set(rules["offices"]) | set(rules["meetings"])
    quoted = re.compile(r"""["'](%s)["']""" % "|".join(sorted(names)))
    found = [f"{path.name}:{number}: {match.group(1)}"
             for path in sorted((ROOT / "governance" / "service").glob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             for match in quoted.finditer(line) if (path.name, match.group(1)) not in OTHER_VOCABULARIES]
    assert not found, found


# -- a new record kind: a model, one RecordType, a workflow file --------------------------------------------------

NOTICE_WORKFLOW = """
version = 1
workflow = "notice"
initial = "draft"

[states.draft]
description = "Being written."

[states.posted]
description = "On the board until it expires."

[[states.posted.on_enter]]
effect = "schedule"
name = "expiry"
kind = "deadline"
at = "expires"
fire = "expire"

[states.expired]
description = "Taken down."
final = true

[triggers.post]
description = "Put it on the board."
from = ["draft"]
to = "posted"
roles = ["secretariat"]

[triggers.expire]
description = "Its time is up (tick does it)."
from = ["posted"]
to = "expired"
roles = ["system"]
guards = [{ guard = "time_reached", field = "expires" }]
"""


class NoticeBase(DeclarativeBase):
    """The notice's own metadata: its table is created by the test, as a migration would create it."""


class Notice(WorkflowRecord, NoticeBase):
    """The model of the new kind: a title and the moment it expires; state, version and approvals come with WorkflowRecord."""

    __tablename__ = "notices"
    title: Mapped[str] = mapped_column(String(200))
    expires: Mapped[datetime] = mapped_column(UTCDateTime())


NOTICE = records.RecordType(
    "notice", "N", Notice,
    time_fields=("expires",),
    fields=(records.Field("title"), records.Field("expires", form="time")),
    row=(records.Field("when", "expires", "time", text="until {}"),),
    listed=True,
)


@pytest.fixture
def notice_kind() -> Any:
    """A "notice" record kind added the way a deployment would: a model, one RecordType (and a workflow file, below)."""
    records.register(NOTICE)
    try:
        yield Notice
    finally:
        records.unregister("notice")


def test_a_notice_kind_added_in_one_declaration_is_created_shown_advanced_and_fired(gov, notice_kind):
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from governance.clock import parse_moment
    from governance.service import engine as service_engine
    from governance.service.context import open_instance
    from governance.service.queries import record_rows
    from governance.service.transaction import change, reading

    (gov.folder / "workflows" / "notice.toml").write_text(NOTICE_WORKFLOW, encoding="utf-8")
    gov.ok("rules", "check")
    database = create_engine(gov.url, poolclass=NullPool)
    notice_kind.metadata.create_all(database)  # the migration a real kind would ship
    database.dispose()
    _people(gov)

    instance = open_instance(gov.config, NOW)
    try:
        expires = parse_moment("2021-04-01T12:00", instance.rules.zone, "expires")

        def create(op: Any) -> str:
            notice = notice_kind(title="Office closed on 1 April", expires=expires, created_at=op.now)
            service_engine.enter_initial(op, notice, {"title": notice.title})
            return notice.ref

        ref, _ = change(instance, "sec", create)
        assert ref == "N-1"
        with reading(instance) as op:
            assert record_rows(op, "notice") == [{"ref": "N-1", "state": "draft", "title": "Office closed on 1 April",
                                                  "pending": None, "when": "until 2021-04-01 12:00", "who": None}]
    finally:
        instance.db.dispose()

    shown = gov.j("show", "N-1", actor="sec", now=NOW)
    assert (shown["kind"], shown["state"], shown["allowed"]) == ("notice", "draft", ["post"])
    assert shown["fields"] == {"title": "Office closed on 1 April", "expires": "2021-04-01T12:00+03:00"}
    assert gov.j("advance", "N-1", "post", actor="sec", now=NOW)["state"] == "posted"
    assert [d["name"] for d in gov.j("show", "N-1", now=NOW)["deadlines"]] == ["expiry"]
    fired = gov.j("tick", now="2021-04-01T12:00")["fired"]
    assert {"ref": "N-1", "name": "expiry", "kind": "deadline"}.items() <= fired[0].items()
    assert gov.j("show", "N-1", now="2021-04-01T12:00")["state"] == "expired"
    gov.refused(2, "advance", "N-1", "publish", actor="sec", now="2021-04-01T12:00")
    assert gov.j("audit", "verify", now="2021-04-01T12:00")["ok"] is True
