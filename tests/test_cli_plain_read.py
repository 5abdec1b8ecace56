"""`gov show` and `gov deadlines` read from plain rows give the full path's answer, to the key, and import no SQLAlchemy
to give it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

SEC = "sec"
ACTORS = [None, SEC, "iskur", "bhr", "ilo", "idn"]
MOMENTS = ["2021-03-12T10:00", "2021-05-31T10:00", "2021-06-02T13:00", "2021-06-20T10:00"]


@pytest.fixture
def many_states(network, tmp_path):
    """Records of every kind in many states: meetings planned, waiting for approval, in session; documents
    drafted, circulated, weighed, tabled, with and without a meeting or language versions; actions; terms; a comment;
    a written procedure; and a focal point who reads times in another zone."""
    text = tmp_path / "d.txt"
    text.write_text("1. Purpose.\n\n2. The chair serves two years.\n", encoding="utf-8")
    arabic = tmp_path / "d-ar.txt"
    arabic.write_text("1. الغرض.\n\n2. مدة الرئاسة سنتان.\n", encoding="utf-8")
    at = "2021-03-10T10:00"
    g = network
    g.ok("meeting", "create", "--kind", "general", "--title", "3rd Network Meeting", "--start", "2021-06-02T12:00",
         "--end", "2021-06-03T15:00", "--online", "--link", "https://video.example.org/m", actor=SEC, now=at)  # M-1
    g.ok("meeting", "create", "--kind", "focal_point", "--title", "Focal points", "--start", "2021-07-01T10:00",
         "--end", "2021-07-01T12:00", "--online", actor=SEC, now=at)  # M-2: online, no link yet
    g.ok("meeting", "create", "--kind", "workshop", "--title", "Workshop", "--start", "2021-05-01T10:00",
         "--end", "2021-05-01T12:00", "--venue", "Ankara", actor=SEC, now=at)  # M-3
    g.ok("advance", "M-1", "convene", actor=SEC, now=at)
    g.ok("approve", "M-1", actor="iskur", now=at)
    g.ok("advance", "M-3", "convene", actor=SEC, now=at)  # waits for the chair's approval
    g.ok("doc", "create", "--type", "rop", "--title", "Rules", "--file", str(text), "--meeting", "M-1", actor=SEC, now=at)  # D-1
    g.ok("doc", "create", "--type", "report", "--title", "Report", "--file", str(text), actor=SEC, now=at)  # D-2
    g.ok("doc", "create", "--type", "agenda", "--title", "Agenda", "--file", str(text), "--meeting", "M-1", actor=SEC, now=at)  # D-3
    g.ok("doc", "create", "--type", "report", "--title", "Circulated", "--file", str(text), actor=SEC, now=at)  # D-4
    g.ok("advance", "D-1", "circulate", actor=SEC, now=at)
    g.ok("comment", "add", "D-1", "--para", "2", "--text", "Two years, renewable once.", actor="bhr", now="2021-03-11T10:00")
    g.ok("advance", "D-1", "close_comments", actor=SEC, now="2021-03-12T09:00")
    g.ok("advance", "D-3", "table", actor=SEC, now="2021-03-12T09:00")
    g.ok("doc", "translate", "D-3", "--lang", "ar", "--file", str(arabic), actor=SEC, now="2021-03-12T09:00")
    g.ok("advance", "D-4", "circulate", actor=SEC, now=at)
    g.ok("action", "add", "--title", "Send the report", "--owner", "BHR", "--due", "2021-04-01", actor=SEC, now=at)
    g.ok("term", "designate", "chair", "--org", "BHR", "--start", "2023-03-01", actor=SEC, now=at)  # T-2
    g.ok("written", "start", "D-2", "--mode", "silence", actor=SEC, now=at)
    # M-1 in session with two members present: D-3's decisions weigh the meeting's state, its quorum and the rule.
    g.ok("advance", "M-1", "open", actor="iskur", now="2021-06-02T12:00")
    for member in ("iskur", "bhr"):
        g.ok("attend", "M-1", actor=member, now="2021-06-02T12:10")
    g.ok("person", "edit", "idn", "--timezone", "Asia/Jakarta", actor=SEC, now=at)
    return g


def _answers(gov, ref: str, actor: str | None, now: str):
    """(the full path's answer, the plain rows' answer or None) for one reading, both in this process."""
    from governance.config import config_path
    from governance.service import plainread, queries
    from governance.service.context import open_files, open_instance
    from governance.service.transaction import reading

    instance = open_instance(config_path(str(gov.config)), now)
    try:
        with reading(instance, actor) as op:
            full = queries.show(op, ref)
    finally:
        instance.db.dispose()
    plain = plainread.show(open_files(config_path(str(gov.config)), now), actor, ref)
    return full, plain


def test_plain_rows_give_the_full_paths_answer_for_every_kind_state_actor_and_moment(many_states):
    refs = ["M-1", "M-2", "M-3", "D-1", "D-2", "D-3", "D-4", "A-1", "T-1", "T-2", "C-1", "W-1"]
    answered = 0
    for now in MOMENTS:
        for actor in ACTORS:
            for ref in refs:
                full, plain = _answers(many_states, ref, actor, now)
                if plain is None:
                    continue
                answered += 1
                assert json.dumps(plain.answer, default=str) == json.dumps(full, default=str), (ref, actor, now)
    # Everything but the comment and the written procedure (and a reader with a zone of their own, before a record's
    # open deadlines) is answered from plain rows, on either store.
    assert answered >= len(MOMENTS) * len(ACTORS) * 8


def test_what_plain_rows_cannot_say_is_left_to_the_full_path(many_states):
    now = "2021-03-12T10:00"
    assert _answers(many_states, "C-1", SEC, now)[1] is None  # a comment: no workflow
    assert _answers(many_states, "W-1", SEC, now)[1] is None  # a written procedure's positions are its own extras
    assert _answers(many_states, "D-4", "idn", now)[1] is None  # deadlines in a reader's own zone
    assert _answers(many_states, "D-2", "idn", now)[1] is not None  # ... but a record with none is answered
    for ref in ("D-99", "Q-1", "D-x"):
        assert _answers_plain_only(many_states, ref, SEC, now) is None  # the full path words the refusal
    assert _answers_plain_only(many_states, "D-1", "nobody", now) is None


def _answers_plain_only(gov, ref: str, actor: str | None, now: str):
    from governance.config import config_path
    from governance.service import plainread
    from governance.service.context import open_files

    return plainread.show(open_files(config_path(str(gov.config)), now), actor, ref)


def test_the_refusals_of_show_are_the_full_paths_in_text_and_json(many_states):
    assert "there is no document D-99" in many_states.refused(2, "show", "D-99", actor=SEC).err
    assert "is not a reference" in many_states.refused(2, "show", "Q-1", actor=SEC).err
    assert many_states.refused(2, "show", "D-1", actor="nobody", json_out=True).error["code"]
    assert "gov comment dispose C-1" in " ".join(many_states.j("show", "C-1", actor=SEC, now="2021-03-12T10:00")["commands"])


def test_show_imports_no_sqlalchemy_and_prints_what_it_did_before(many_states):
    probe = ("import sys\nfrom governance.cli.entry import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "sys.stdout.flush()\nprint('SQLALCHEMY' if any(m.startswith('sqlalchemy') for m in sys.modules) else 'PLAIN', file=sys.stderr)\n")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GOV_")}
    for args in (["show", "D-1"], ["--json", "show", "M-1"], ["show", "T-1"], ["deadlines"], ["--json", "deadlines", "--all"]):
        argv = [sys.executable, "-c", probe, "--config", str(many_states.config), "--as", SEC, "--now", "2021-03-12T10:00", *args]
        done = subprocess.run(argv, capture_output=True, text=True, env=environment, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stderr.strip().splitlines()[-1] == "PLAIN", args
    text = many_states.ok("show", "D-1", actor=SEC, now="2021-03-12T10:00").out
    assert text.startswith("D-1  document  comments_closed") and "you may now: " in text


def test_plain_rows_list_the_deadlines_the_full_path_lists(many_states):
    from governance.config import config_path
    from governance.service import plainread, queries
    from governance.service.context import open_files, open_instance
    from governance.service.transaction import reading

    config = config_path(str(many_states.config))
    for now in MOMENTS:
        instance = open_instance(config, now)
        try:
            for include_all in (False, True):
                for limit in (1, 3, 101):
                    with reading(instance) as op:
                        full = queries.deadlines(op, include_all, limit)
                    plain = plainread.deadlines(open_files(config, now), include_all, limit)
                    assert plain is not None and plain[0] == full, (now, include_all, limit)
        finally:
            instance.db.dispose()
    assert "scheduler looks dead" in many_states("deadlines", now="2021-04-08T09:00").err
    assert "scheduler looks dead" not in many_states("deadlines", now="2021-03-12T10:00").err


def test_show_warns_of_rows_waiting_past_the_schedulers_limit_from_plain_rows_too(many_states):
    # A-1 falls due on 1 April and nothing ticks: a week later the warning is there, as the full path words it.
    assert "scheduler looks dead" in many_states("show", "D-2", actor=SEC, now="2021-04-08T09:00").err
    assert "scheduler looks dead" not in many_states("show", "D-2", actor=SEC, now="2021-03-12T10:00").err


def test_each_kind_names_its_models_table_and_each_organisation_field_the_column_behind_it():
    from governance.workflows import records

    for record_type in records.types().values():
        model = record_type.model_class()
        assert record_type.table == model.__tablename__, record_type.kind
        for field in record_type.fields + record_type.row + record_type.letter:
            if field.form in ("org_code", "org_name"):
                relationship = model.__mapper__.relationships[field.source]
                assert [c.name for c in relationship.local_columns] == [field.key], (record_type.kind, field.name)


def test_a_query_the_driver_refuses_leaves_the_answer_to_the_full_path(many_states):
    many_states.sql("ALTER TABLE document_translations RENAME TO translations_set_aside")
    assert _answers_plain_only(many_states, "D-1", SEC, "2021-03-12T10:00") is None  # no traceback: the full path's turn
    assert _answers_plain_only(many_states, "A-1", SEC, "2021-03-12T10:00") is not None
