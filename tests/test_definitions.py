"""Rules and workflow files: validated on load, every problem as PATH:LINE, never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance import tomlpos
from governance.errors import DefinitionErrors
from governance.mail.render import template_names
from governance.rules import check_rules_files, load_rules
from governance.workflows import check_workflow_files, load_workflows

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "oic-pesnet.toml"
WORKFLOWS = ROOT / "workflows"
PROBLEM = re.compile(r"^.+:\d+: .+$")


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in file")


def test_shipped_rules_and_workflows_load_with_every_key_cli_md_names():
    rules = load_rules(ROOT / "rules")
    for key in ("body.name", "body.short_name", "body.timezone", "body.working_language", "body.languages",
                "offices.chair.term_months", "offices.chair.notify_before_end_days", "offices.chair.rotation", "offices.chair.order",
                "offices.chair.groups", "offices.chair.vacancy", "meetings.general.notice_days", "meetings.general.every_months",
                "meetings.focal_point.notice_days", "meetings.focal_point.between_general", "documents.comment_period_days",
                "documents.reminder_days_before", "documents.commenters", "actions.reminder_days_before",
                "decisions.quorum_fraction", "decisions.rule"):
        assert rules.has(key), key
    assert all(rules.provision(p).article for p in rules.provisions)
    specs = load_workflows(WORKFLOWS, rules, template_names())
    expected = {
        "meeting": ({"planned", "convened", "in_session", "closed", "cancelled"}, {"convene", "open", "close", "cancel"}),
        "document": ({"draft", "circulated", "comments_closed", "tabled", "adopted", "endorsed", "noted", "rejected", "published", "withdrawn"},
                     {"circulate", "close_comments", "table", "adopt", "endorse", "note", "reject", "publish", "withdraw"}),
        "term": ({"designated", "active", "ended"}, set()),
        "action": ({"open", "overdue", "done", "cancelled"}, {"complete", "cancel"}),
    }
    for record, (states, triggers) in expected.items():
        assert states <= set(specs[record].states) and triggers <= set(specs[record].triggers)
    assert specs["meeting"].triggers["convene"].approval == "chair" and specs["document"].triggers["publish"].approval == "chair"
    assert specs["meeting"].triggers["open"].roles == ("chair",)
    assert "system" in specs["document"].triggers["close_comments"].roles


RULE_BREAKS = [
    ("syntax", 'short_name = "OIC-PESNET"', 'short_name = "OIC-PESNET', "TOML syntax error"),
    ("unknown-key", 'comment_period_days = 30', 'comment_period_days = 30\ncomment_period_weeks = 4', "unknown key 'comment_period_weeks'"),
    ("wrong-type", 'comment_period_days = 30', 'comment_period_days = "thirty"', "documents.comment_period_days must be a whole number"),
    ("out-of-range", 'quorum_fraction = 0.5', 'quorum_fraction = 1.5', "decisions.quorum_fraction must be at most 1"),
    ("negative", 'notice_days = 45', 'notice_days = -3', "notice_days must be at least 0"),
    ("timezone", 'timezone = "Europe/Istanbul"', 'timezone = "Europe/Atlantis"', "unknown time zone"),
    ("choice", 'rotation = "designation"', 'rotation = "lottery"', "offices.chair.rotation must be one of"),
    ("language", 'working_language = "en"', 'working_language = "de"', "body.working_language must be one of"),
    ("commenter-role", 'commenters = ["focal_point"]', 'commenters = ["focal_point", "minister"]', "unknown role 'minister'"),
    ("reminder-outside", 'reminder_days_before = [14, 3]', 'reminder_days_before = [45, 3]', "falls outside a 30-day comment period"),
    ("unknown-table", '[decisions]', '[voting]\nmethod = "show of hands"\n\n[decisions]', "unknown table [voting]"),
]


@pytest.mark.parametrize("name, old, new, message", RULE_BREAKS, ids=[b[0] for b in RULE_BREAKS])
def test_a_broken_rules_file_is_refused_at_the_line_of_the_problem(tmp_path, name, old, new, message):
    text = RULES.read_text(encoding="utf-8")
    assert old in text
    broken = text.replace(old, new, 1)
    path = tmp_path / "rules.toml"
    path.write_text(broken, encoding="utf-8")
    rules, problems = check_rules_files([path])
    assert rules is None and problems
    assert all(PROBLEM.match(p) for p in problems), problems
    first_new_line = new.splitlines()[-1] if name == "unknown-key" else new.splitlines()[0]
    expected_line = _line_of(broken, first_new_line)
    assert any(p.startswith(f"{path}:{expected_line}: ") and message in p for p in problems), (expected_line, problems)


def test_a_missing_required_table_and_several_problems_are_all_reported(tmp_path):
    text = RULES.read_text(encoding="utf-8")
    start = text.index("[decisions]")
    broken = text[:start].replace("comment_period_days = 30", "comment_period_days = 0").replace("quorum", "quorum")
    broken = broken.replace('term_months = 24', 'term_months = "two years"')
    path = tmp_path / "rules.toml"
    path.write_text(broken, encoding="utf-8")
    _, problems = check_rules_files([path])
    assert len(problems) >= 2
    assert any("comment_period_days must be at least 1" in p for p in problems)
    assert any("offices.chair.term_months must be a whole number" in p for p in problems)


WORKFLOW_BREAKS = [
    ("unknown-state", "document.toml", 'to = "comments_closed"', 'to = "comments_shut"', "unknown state 'comments_shut'"),
    ("unknown-guard", "meeting.toml", 'guard = "notice_period_met"', 'guard = "moon_is_full"', "unknown guard 'moon_is_full'"),
    ("unknown-effect", "document.toml", 'effect = "open_circulation"', 'effect = "open_the_floodgates"', "unknown effect 'open_the_floodgates'"),
    ("unknown-role", "action.toml", 'roles = ["secretariat"]', 'roles = ["minister"]', "unknown role 'minister'"),
    ("unknown-audience", "document.toml", 'audience = "silent_commenters"', 'audience = "everyone_ever"', "unknown audience 'everyone_ever'"),
    ("unknown-template", "term.toml", 'template = "term_ending"', 'template = "farewell_ode"', "unknown template 'farewell_ode'"),
    ("unknown-rule-reference", "document.toml", '"@documents.comment_period_days"', '"@documents.nope"', "refers to 'documents.nope'"),
    ("fire-without-system", "action.toml", 'roles = ["system"]', 'roles = ["secretariat"]', "whose roles do not include \"system\""),
    ("missing-parameter", "meeting.toml", '{ guard = "day_reached", field = "start" }', '{ guard = "day_reached" }', "day_reached needs parameter 'field'"),
    ("dead-end-state", "term.toml", '[states.revoked]\ndescription = "The designation was withdrawn before the term started."\nfinal = true',
     '[states.revoked]\ndescription = "The designation was withdrawn before the term started."', "state 'revoked' is not final but no trigger leaves it"),
]


@pytest.mark.parametrize("name, file, old, new, message", WORKFLOW_BREAKS, ids=[b[0] for b in WORKFLOW_BREAKS])
def test_a_broken_workflow_file_is_refused_at_the_line_of_the_problem(tmp_path, name, file, old, new, message):
    folder = tmp_path / "workflows"
    folder.mkdir()
    for source in WORKFLOWS.glob("*.toml"):
        text = source.read_text(encoding="utf-8")
        if source.name == file:
            assert old in text
            text = text.replace(old, new, 1)
            # A trigger that lost the system role is reported where a schedule fires it.
            expected_line = _line_of(text, 'fire = "lapse"' if name == "fire-without-system" else new.splitlines()[0])
        (folder / source.name).write_text(text, encoding="utf-8")
    rules = load_rules(ROOT / "rules")
    _, problems = check_workflow_files(sorted(folder.glob("*.toml")), rules, template_names())
    target = str(folder / file)
    assert any(message in p for p in problems), problems
    hit = [p for p in problems if message in p][0]
    assert hit.startswith(f"{target}:") and abs(int(hit.split(":")[1]) - expected_line) <= 6, (expected_line, hit)
    with pytest.raises(DefinitionErrors):
        load_workflows(folder, rules, template_names())


def test_gov_rules_check_prints_path_line_problems_and_exits_2(gov, tmp_path):
    broken = tmp_path / "rules.toml"
    text = RULES.read_text(encoding="utf-8").replace("quorum_fraction = 0.5", "quorum_fraction = 1.5")
    broken.write_text(text, encoding="utf-8")
    result = gov.refused(2, "rules", "check", str(broken))
    assert f"{broken}:{_line_of(text, 'quorum_fraction = 1.5')}: decisions.quorum_fraction must be at most 1" in result.err
    assert gov.ok("rules", "check").out.strip().endswith("no problems")


def _mutations() -> st.SearchStrategy:
    junk = st.one_of(st.integers(-10**12, 10**12).map(str), st.text(max_size=12).map(repr), st.sampled_from(
        ["[", "]", "{", "= =", '"', "'''", "1e999", "-inf", "nan", "true", "[[states]]", "ٱلسَّلَامُ", "\x00", "🙂"]))
    return st.tuples(st.sampled_from(["delete", "duplicate", "replace_value", "insert", "truncate"]), st.integers(0, 10_000), junk)


def _mutate(text: str, mutation: tuple[str, int, str]) -> str:
    kind, at, junk = mutation
    lines = text.splitlines()
    i = at % len(lines)
    if kind == "delete":
        del lines[i]
    elif kind == "duplicate":
        lines.insert(i, lines[i])
    elif kind == "replace_value" and "=" in lines[i]:
        lines[i] = lines[i].split("=", 1)[0] + "= " + junk
    elif kind == "insert":
        lines.insert(i, junk)
    elif kind == "truncate":
        return text[: at % len(text)]
    return "\n".join(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation=_mutations())
def test_mutated_rules_files_give_problems_never_a_crash(tmp_path_factory, mutation):
    path = tmp_path_factory.mktemp("fuzz") / "rules.toml"
    path.write_text(_mutate(RULES.read_text(encoding="utf-8"), mutation), encoding="utf-8")
    rules, problems = check_rules_files([path])
    assert (rules is None) == bool(problems)
    assert all(PROBLEM.match(p) for p in problems), problems


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(["meeting.toml", "document.toml", "term.toml", "action.toml"]), mutation=_mutations())
def test_mutated_workflow_files_give_problems_never_a_crash(tmp_path_factory, which, mutation):
    folder = tmp_path_factory.mktemp("fuzzwf")
    for source in WORKFLOWS.glob("*.toml"):
        text = source.read_text(encoding="utf-8")
        (folder / source.name).write_text(_mutate(text, mutation) if source.name == which else text, encoding="utf-8")
    rules = load_rules(ROOT / "rules")
    specs, problems = check_workflow_files(sorted(folder.glob("*.toml")), rules, template_names())
    assert all(PROBLEM.match(p) for p in problems), problems
    if not problems:
        assert set(specs) == {"meeting", "document", "term", "action", "written"}


def test_toml_locator_finds_lines_of_tables_arrays_of_tables_and_dotted_keys():
    text = 'a = 1\n[t]\nb = [\n  1,\n  2,\n]\nc.d = "x"\n[[t.list]]\ne = 1\n[[t.list]]\ne = 2\n'
    located = tomlpos.parse(text, "f.toml")
    assert located.line(("a",)) == 1 and located.line(("t", "b")) == 3 and located.line(("t", "c", "d")) == 7
    assert located.line(("t", "list", 1, "e")) == 11 and located.line(("t", "list", 1, "missing")) == 10


def test_the_pure_core_imports_nothing_from_store_service_cli_mail_or_sqlalchemy():
    code = ("import sys; import governance.rules, governance.workflows, governance.tomlpos, governance.clock, governance.reference; "
            "print(' '.join(sorted(sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout.split()
    forbidden = [m for m in loaded if m.startswith(("governance.store", "governance.service", "governance.cli", "governance.mail",
                                                    "sqlalchemy", "apscheduler", "jinja2", "transitions"))]
    assert forbidden == []


def test_changing_a_rules_value_changes_what_the_engine_allows(network):
    network.ok("meeting", "create", "--kind", "general", "--title", "4th Network Meeting", "--start", "2023-06-06T10:00",
               "--end", "2023-06-07T16:00", "--online", "--link", "https://video.example.org/m", actor="sec", now="2023-04-01T10:00")
    assert network.j("advance", "M-1", "convene", "--dry-run", actor="sec", now="2023-04-01T10:00")["pending_approval"]
    rules = network.folder / "rules" / "oic-pesnet.toml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("notice_days = 45", "notice_days = 90"), encoding="utf-8")
    refused = network.refused(4, "advance", "M-1", "convene", actor="sec", now="2023-04-01T10:00", json_out=True)
    assert "90 days' notice" in refused.error["message"] and refused.error["rule"].startswith("RoP Art. 4")


def test_every_name_a_workflow_file_may_use_has_one_implementation_in_the_service():
    """The pure registry (what files are validated against) and the service's implementations never drift apart."""
    from governance.service import audiences, effects, guards
    from governance.workflows import registry

    assert set(guards.GUARDS) == set(registry.GUARDS)
    assert set(effects.EFFECTS) == set(registry.EFFECTS)
    assert audiences.IMPLEMENTED == set(registry.AUDIENCES)


DEAD_ENDS = [
    ("no-trigger-from-it", 'final = true\n\n[triggers.activate]', '\n[triggers.activate]'),
    ("only-a-loop-back-to-itself", 'final = true\n\n[triggers.activate]',
     '\n[triggers.note_again]\nfrom = ["revoked"]\nto = "revoked"\nroles = ["secretariat"]\n\n[triggers.activate]'),
]


@pytest.mark.parametrize("name, old, new", DEAD_ENDS, ids=[d[0] for d in DEAD_ENDS])
def test_gov_rules_check_refuses_a_state_that_is_not_final_yet_has_no_way_out_at_its_line(gov, tmp_path, name, old, new):
    folder = tmp_path / "workflows"
    folder.mkdir()
    for source in WORKFLOWS.glob("*.toml"):
        (folder / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    term = folder / "term.toml"
    text = term.read_text(encoding="utf-8")
    assert text.count(old) == 1  # `final = true` of the last state (revoked), just before the triggers
    text = text.replace(old, new)
    term.write_text(text, encoding="utf-8")
    result = gov.refused(2, "rules", "check", str(folder))
    assert f"{term}:{_line_of(text, '[states.revoked]')}: state 'revoked' is not final but no trigger leaves it" in result.err
    assert len(result.err.strip().splitlines()) == 1, result.err  # the shipped states all have a way out or are final


def test_shipped_workflows_have_no_state_without_a_way_out_unless_it_is_final():
    rules = load_rules(ROOT / "rules")
    specs, problems = check_workflow_files(sorted(WORKFLOWS.glob("*.toml")), rules, template_names())
    assert problems == []
    for spec in specs.values():
        for state in spec.states.values():
            assert state.final or any(state.name in t.sources and t.dest != state.name for t in spec.triggers.values()), state.name


def test_gov_rules_check_on_an_instance_warns_of_pending_rows_naming_what_the_files_no_longer_have(network):
    clean = network.ok("rules", "check")
    assert "warning" not in clean.err and clean.out.strip().endswith("no problems")
    assert network.j("rules", "check")["warnings"] == []
    # T-1's rows, as an edit of term.toml or a hand in SQL would leave them.
    network.sql("UPDATE deadlines SET template = 'nosuch_template', audience = 'secretariat,nosuch_audience' "
                "WHERE ref = 'T-1' AND name = 'term_ending'")
    network.sql("UPDATE deadlines SET fire = 'nosuch_trigger', scope = 'nosuch_state' WHERE ref = 'T-1' AND name = 'term_end'")
    warned = network.ok("rules", "check")
    assert warned.code == 0 and "no problems, 2 warning(s)" in warned.out
    lines = warned.err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("warning: ") for line in lines), warned.err
    ending = [line for line in lines if "'term_ending'" in line][0]
    assert "template 'nosuch_template'" in ending and "audience 'nosuch_audience'" in ending and "T-1" in ending
    assert "'secretariat'" not in ending  # the audience it still knows is not named
    end = [line for line in lines if "'term_end'" in line][0]
    assert "trigger 'nosuch_trigger'" in end and "state 'nosuch_state'" in end and "the term workflow" in end and "will fail" in end
    data = network.j("rules", "check")
    assert data["ok"] is True and len(data["warnings"]) == 2
