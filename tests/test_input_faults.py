"""Input and configuration faults (issue 11): control characters, trailing newlines, extreme dates, bad URLs,
deep TOML, a loosely read config.toml, files that never end, and a database file others could read."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.errors import BadInput, DefinitionErrors
from tests.conftest import GOV, Gov

ZONE = ZoneInfo("Europe/Istanbul")
SEC = "sec"
NOW = "2021-04-03T10:00"
CONTROL = [chr(c) for c in range(0x20)] + [chr(0x7F)] + [chr(c) for c in range(0x80, 0xA0)]
LINE_BREAKERS = CONTROL + ["\u2028", "\u2029"]
DEEP = "[" * 5000 + "]" * 5000


def _written(gov: Gov) -> tuple[int, ...]:
    """How many rows each table a change writes holds: equal before and after means nothing was written."""
    tables = ("audit", "outbox", "deadlines", "organisations", "people", "person_roles", "meetings", "documents",
              "document_versions", "comments", "actions", "terms")
    return tuple(gov.sql(" UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in tables)))


def _refused(gov: Gov, *args: str, actor: str | None = SEC, now: str | None = NOW, says: str = "") -> str:
    before = _written(gov)
    result = gov.refused(2, *args, actor=actor, now=now)
    assert _written(gov) == before, f"{args!r} wrote something"
    assert says in result.err, repr(result)
    assert len(result.err.strip().splitlines()) == 1 or result.err.startswith("Usage"), repr(result)
    return result.err


# -- 1a: control characters in single-line fields, reserved handles -------------------------------------------

@settings(max_examples=60, deadline=None)
@given(char=st.sampled_from(LINE_BREAKERS), before=st.text(max_size=5), after=st.text(max_size=5))
def test_a_single_line_field_refuses_every_control_character_and_line_separator(char: str, before: str, after: str) -> None:
    from governance.service.changes import single_line

    with pytest.raises(BadInput, match="^--name must be a single line of text"):
        single_line(f"Evil{before}{char}{after}x", "--name", 300)


@settings(max_examples=60, deadline=None)
@given(char=st.sampled_from([c for c in CONTROL if c not in "\n\t\r"]), before=st.text(max_size=5))
def test_a_multi_line_text_allows_line_breaks_and_tabs_and_refuses_other_control_characters(char: str, before: str) -> None:
    from governance.service.changes import multi_line, optional_text

    assert multi_line("first line\n\tsecond line\r\nthird", "--reason") == "first line\n\tsecond line\nthird"
    with pytest.raises(BadInput, match="^--reason must be text without control characters"):
        multi_line(f"text{before}{char}", "--reason")
    with pytest.raises(BadInput, match="^--note must be text without control characters"):
        optional_text(char, "--note")
    assert optional_text("  \n ", "--note") is None


def test_a_lone_carriage_return_and_invalid_utf8_are_refused_in_free_text() -> None:
    from governance.service.changes import multi_line, single_line

    with pytest.raises(BadInput, match="line break"):
        multi_line("over\rwritten", "--text")
    with pytest.raises(BadInput, match="not valid UTF-8"):
        single_line(os.fsdecode(b"bad \xff"), "--title", 500)


def test_the_old_text_validator_refuses_control_characters_too() -> None:
    from governance.service.changes import _text

    with pytest.raises(BadInput, match="--text"):
        _text("a\x1b[31mred", "--text", 100_000)
    assert _text("para one\n\npara two", "--text", 100_000) == "para one\n\npara two"


@pytest.mark.parametrize("args, option", [
    (("person", "add", "evil", "--name", "Evil\nBcc: x@y.example", "--email", "evil@y.example", "--org", "BHR"), "--name"),
    (("person", "add", "evil", "--name", "Evil", "--email", "evil@y.example\nBcc: x@y.example", "--org", "BHR"), "--email"),
    (("org", "add", "NEW", "--name", "New\u2028Org", "--kind", "member"), "--name"),
    (("org", "add", "NEW", "--name", "New", "--kind", "member", "--group", "Asia\r"), "--group"),
    (("meeting", "create", "--kind", "workshop", "--title", "Work\tshop", "--start", "2021-06-01", "--end", "2021-06-02"), "--title"),
    (("meeting", "create", "--kind", "workshop", "--title", "W", "--start", "2021-06-01", "--end", "2021-06-02",
      "--venue", "Ankara\x85"), "--venue"),
    (("meeting", "create", "--kind", "workshop\n", "--title", "W", "--start", "2021-06-01", "--end", "2021-06-02"), "--kind"),
    (("action", "add", "--title", "Report\x1b[2J", "--owner", "BHR", "--due", "2021-09-30"), "--title"),
    (("action", "add", "--title", "Report", "--owner", "BHR", "--due", "2021-09-30", "--source", "T-1\n§2"), "--source"),
    (("advance", "T-1", "end", "--reason", "because\x07"), "--reason"),
    (("reject", "T-1", "--reason", "no\x0b"), "--reason"),
], ids=["person-name", "person-email", "org-name-U+2028", "org-group-CR", "meeting-title-tab", "venue-NEL", "meeting-kind",
        "action-title-ESC", "action-source", "advance-reason-BEL", "reject-reason-VT"])
def test_control_characters_in_fields_are_refused_naming_the_option_and_nothing_is_written(network: Gov, args: tuple[str, ...],
                                                                                            option: str) -> None:
    _refused(network, *args, says=option)


def test_control_characters_in_a_document_title_type_comment_and_disposition_note_are_refused(network: Gov, tmp_path: Path) -> None:
    from tests.test_tick import _circulated_draft

    text = tmp_path / "t.txt"
    text.write_text("1. Text.\n", encoding="utf-8")
    _refused(network, "doc", "create", "--type", "agenda", "--title", "Agenda\nBcc: x@y.example", "--file", str(text), says="--title")
    _refused(network, "doc", "create", "--type", "agenda\n", "--title", "Agenda", "--file", str(text), says="--type")
    _circulated_draft(network, tmp_path)
    _refused(network, "comment", "add", "D-1", "--text", "Agreed\x1b[2J", actor="bhr", says="--text")
    network.ok("comment", "add", "D-1", "--text", "Agreed.\n\tWith one change.", actor="bhr", now=NOW)
    _refused(network, "comment", "dispose", "C-1", "--decision", "noted", "--note", "Seen\x0c", says="--note")
    _refused(network, "comment", "dispose", "C-1", "--decision", "noted", "--note", "Seen\x7f", says="--note")
    network.ok("comment", "dispose", "C-1", "--decision", "noted", "--note", "Seen.\nThanks.", actor=SEC, now=NOW)
    _refused(network, "term", "designate", "chair", "--org", "BHR", "--reason", "because\x1b", says="--reason")


def test_a_person_may_not_take_a_handle_the_audit_trail_uses_for_the_engine(network: Gov) -> None:
    for handle in ("system", "setup", "engine", "System"):
        _refused(network, "person", "add", handle, "--name", "Not the engine", "--email", "x@y.example", "--org", "BHR",
                 says="reserved")


# -- 6: trailing newlines and column sizes ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["sec\n", "TUR\n", "a@b.example\n", "M-1\n\n\x00"])
def test_a_trailing_newline_does_not_pass_the_patterns(value: str) -> None:
    from governance.service import lookup
    from governance.textcheck import is_email
    from governance.workflows import loader

    assert lookup.CODE.match(value) is None and lookup.CODE.fullmatch(value) is None
    assert not is_email(value)
    assert loader._NAME.match(value) is None


@pytest.mark.parametrize("args, says", [
    (("org", "add", "NEW\n", "--name", "New", "--kind", "member"), "organisation code"),
    (("org", "add", "NEW", "--name", "New", "--kind", "member", "--country", "TUR\n"), "--country"),
    (("org", "add", "NEW", "--name", "New", "--kind", "member", "--country", "TURK"), "--country"),
    (("org", "add", "NEW", "--name", "New", "--kind", "member", "--country", "T1R"), "--country"),
    (("person", "add", "sec2\n", "--name", "S", "--email", "s@y.example", "--org", "BHR"), "handle"),
    (("person", "add", "p2", "--name", "S", "--email", "Name <s@y.example>", "--org", "BHR"), "--email"),
    (("person", "add", "p2", "--name", "S", "--email", "a,b@y.example", "--org", "BHR"), "--email"),
    (("person", "add", "p2", "--name", "S", "--email", "s@y.example\n", "--org", "BHR"), "--email"),
], ids=["code", "country-newline", "country-4", "country-digit", "handle", "email-display-name", "email-comma", "email-newline"])
def test_codes_countries_handles_and_emails_with_a_trailing_newline_or_extra_characters_are_refused(network: Gov, args: tuple[str, ...],
                                                                                                     says: str) -> None:
    _refused(network, *args, says=says)


@pytest.mark.parametrize("args, says", [
    (("org", "add", "NEW", "--name", "n" * 301, "--kind", "member"), "at most 300"),
    (("org", "add", "NEW", "--name", "New", "--kind", "member", "--group", "g" * 101), "at most 100"),
    (("person", "add", "p2", "--name", "n" * 301, "--email", "s@y.example", "--org", "BHR"), "at most 300"),
    (("person", "add", "p2", "--name", "S", "--email", "s" * 311 + "@y.example", "--org", "BHR"), "--email"),
    (("meeting", "create", "--kind", "workshop", "--title", "t" * 501, "--start", "2021-06-01", "--end", "2021-06-02"), "at most 500"),
    (("meeting", "create", "--kind", "workshop", "--title", "W", "--start", "2021-06-01", "--end", "2021-06-02",
      "--venue", "v" * 501), "at most 500"),
    (("action", "add", "--title", "t" * 501, "--owner", "BHR", "--due", "2021-09-30"), "at most 500"),
], ids=["org-name", "org-group", "person-name", "email", "meeting-title", "venue", "action-title"])
def test_values_longer_than_their_column_are_bad_input_on_every_store(network: Gov, args: tuple[str, ...], says: str) -> None:
    _refused(network, *args, says=says)


def test_a_lower_case_country_is_stored_upper_case(network: Gov) -> None:
    network.ok("org", "add", "NEW", "--name", "New", "--kind", "member", "--country", "jor", actor=SEC, now=NOW)
    assert [o["country"] for o in network.j("org", "list")["organisations"] if o["code"] == "NEW"] == ["JOR"]


# -- 7: tracebacks that must be exit 2 ----------------------------------------------------------------------------

def _gov_bytes(gov: Gov, *args: bytes) -> subprocess.CompletedProcess[bytes]:
    """`gov` with raw bytes as arguments: what a shell passes for $'\\xff' (a list of str cannot carry it)."""
    command = [os.fsencode(GOV)] if GOV else [os.fsencode(sys.executable), b"-m", b"governance"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOV_")}
    return subprocess.run([*command, b"--config", os.fsencode(gov.config), *args], capture_output=True, env=env, timeout=120)


@pytest.mark.parametrize("args", [
    (b"org", b"add", b"BAD", b"--name", b"bad \xff", b"--kind", b"member"),
    (b"org", b"add", b"BAD\xc3", b"--name", b"Bad", b"--kind", b"member"),
    (b"action", b"add", b"--title=bad \xed\xa0\x80", b"--owner", b"BHR", b"--due", b"2021-09-30"),
], ids=["option-value", "argument", "encoded-surrogate"])
def test_invalid_utf8_in_an_argument_is_bad_input_and_writes_nothing(network: Gov, args: tuple[bytes, ...]) -> None:
    before = _written(network)
    done = _gov_bytes(network, b"--as", b"sec", b"--now", NOW.encode(), *args)
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2, err
    assert "Traceback" not in err and "not valid UTF-8" in err
    assert _written(network) == before


def test_nul_and_invalid_utf8_are_named_in_arguments_and_gov_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_fuzz_cli import _gov

    code, _, err = _gov(tmp_path, ["org", "add", "X", "--name", "a\x00b", "--kind", "member"])
    assert code == 2 and "the value of --name contains a NUL character" in err
    code, _, err = _gov(tmp_path, ["org", "add", os.fsdecode(b"X\xff"), "--name", "x", "--kind", "member"])
    assert code == 2 and "the argument 'X\\xff' is not valid UTF-8" in err
    monkeypatch.setenv("GOV_ACTOR", os.fsdecode(b"s\xffc"))
    code, _, err = _gov(tmp_path, ["deadlines"])
    assert code == 2 and "the value of $GOV_ACTOR is not valid UTF-8" in err and "Traceback" not in err


@pytest.mark.parametrize("text", ["9999-06-01", "0001-01-01T00:00", "1899-12-31T23:59", "2201-01-01", "9999-12-31T23:59:59+14:00"])
def test_moments_outside_1900_to_2200_are_bad_input(text: str) -> None:
    from governance.clock import parse_day, parse_moment

    with pytest.raises(BadInput, match="1900-01-01 to 2200-12-31"):
        parse_moment(text, ZONE, "--start")
    with pytest.raises(BadInput, match="1900-01-01 to 2200-12-31"):
        parse_day(text, ZONE, "--due")


def test_the_first_and_last_accepted_days_parse() -> None:
    from governance.clock import parse_moment

    assert parse_moment("1900-01-01", ZONE).year in (1899, 1900)
    assert parse_moment("2200-12-31T23:59", ZONE).year == 2200


def test_a_date_only_pattern_wants_ascii_digits_and_nothing_after() -> None:
    from governance.clock import _DATE_ONLY

    assert _DATE_ONLY.fullmatch("2021-06-01\n") is None
    assert _DATE_ONLY.fullmatch("٢٠٢١-٠٦-٠١") is None


def test_a_meeting_in_year_9999_and_a_tick_at_its_end_are_bad_input(network: Gov) -> None:
    _refused(network, "meeting", "create", "--kind", "workshop", "--title", "W", "--start", "9999-06-01", "--end", "9999-06-02",
             says="1900-01-01 to 2200-12-31")
    _refused(network, "tick", actor=None, now="9999-12-31T20:00", says="1900-01-01 to 2200-12-31")
    _refused(network, "action", "add", "--title", "T", "--owner", "BHR", "--due", "9999-12-31", says="--due")
    _refused(network, "term", "designate", "chair", "--org", "BHR", "--start", "0001-01-01", says="--start")
    network.ok("tick", now="2021-04-04T10:00")  # and the next tick still runs


def test_an_empty_now_is_bad_input(network: Gov) -> None:
    # Passed by hand: the fixture leaves out a falsy --now.
    _refused(network, "--now", "", "tick", actor=None, now=None, says="--now")
    _refused(network, "--now", " ", "deadlines", actor=None, now=None, says="--now")


def _config(folder: Path, old: str, new: str) -> Path:
    config = folder / "config.toml"
    text = config.read_text(encoding="utf-8")
    assert old in text, old
    config.write_text(text.replace(old, new, 1), encoding="utf-8")
    return config


def _fresh_config(tmp_path: Path, old: str = "", new: str = "") -> Path:
    from governance.config import config_text

    config = tmp_path / "config.toml"
    config.write_text(config_text(True), encoding="utf-8")
    return _config(tmp_path, old, new) if old else config


@pytest.mark.parametrize("url, reason", [
    ("nosuchdb://x", "nosuchdb"),
    ("not a url", "parse"),
    ("postgresql+psycopg://postgres:s3cret@127.0.0.1:1/x", "127.0.0.1"),
    ("sqlite:////nonexistent-folder/x.db", "No such file"),
], ids=["unknown-dialect", "unparsable", "unreachable-postgresql", "sqlite-missing-folder"])
def test_an_unknown_or_unreachable_database_is_bad_input_without_its_password(url: str, reason: str) -> None:
    from governance.store.db import Database

    with pytest.raises(BadInput, match="^cannot reach the database at ") as caught:
        database = Database(url)
        try:
            database.require_current()
        finally:
            database.dispose()
    assert reason in caught.value.message and "s3cret" not in caught.value.message


def test_gov_init_against_an_unreachable_server_is_bad_input(tmp_path: Path) -> None:
    folder = tmp_path / "instance"
    folder.mkdir()
    _fresh_config(folder, 'url = "sqlite:///governance.db"', 'url = "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/x"')
    result = Gov(folder)("init", str(folder))
    assert result.code == 2 and "Traceback" not in result.err, repr(result)
    assert "cannot reach the database at postgresql+psycopg://postgres:***@127.0.0.1:1/x" in result.err
    assert "s3cret" not in result.err


def test_an_unknown_database_url_in_config_is_exit_2(network: Gov) -> None:
    _config(network.folder, f'url = "{_url_in_file(network)}"', 'url = "nosuchdb://x"')
    result = network.refused(2, "deadlines")
    assert "cannot reach the database at nosuchdb://x" in result.err


def _url_in_file(gov: Gov) -> str:
    return re.search(r'(?m)^url = "([^"]*)"', gov.config.read_text(encoding="utf-8")).group(1)


def test_password_env_puts_the_password_into_the_url_only_when_connecting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from governance.config import load_settings
    from governance.store.db import Database

    config = _fresh_config(tmp_path, 'url = "sqlite:///governance.db"',
                           'url = "postgresql+psycopg://gov@127.0.0.1:1/x"\npassword_env = "GOV_TEST_DB_PASSWORD"')
    settings = load_settings(config)
    assert settings.database_password_env == "GOV_TEST_DB_PASSWORD" and "s3cret" not in settings.database_url
    monkeypatch.setenv("GOV_TEST_DB_PASSWORD", "s3cret")
    database = Database(settings.database_url, settings.database_password_env)
    try:
        assert database.engine.url.password == "s3cret"
        assert "s3cret" not in database.safe_url() and "s3cret" not in database.url
    finally:
        database.dispose()
    monkeypatch.delenv("GOV_TEST_DB_PASSWORD")
    unset = Database(settings.database_url, settings.database_password_env)
    assert unset.engine.url.password is None
    unset.dispose()


@pytest.mark.parametrize("which", ["rules", "workflows", "config"])
def test_toml_nested_5000_deep_is_a_line_numbered_problem(tmp_path: Path, which: str) -> None:
    from governance.config import load_settings
    from governance.rules.loader import load_rules
    from governance.workflows.loader import check_workflow_files

    path = tmp_path / f"{which}.toml"
    path.write_text(f"# a comment\nversion = 1\ndeep = {DEEP}\n", encoding="utf-8")
    with pytest.raises(DefinitionErrors) as caught:
        if which == "rules":
            load_rules(path)
        elif which == "config":
            load_settings(path)
        else:
            _, problems = check_workflow_files([path], None, ())
            raise DefinitionErrors(problems)
    assert caught.value.problems[0] == f"{path}:3: values are nested too deeply (more than 64 levels of arrays, tables or inline tables)"


@pytest.mark.parametrize("text", [f"x = {'{a=' * 3000}1{'}' * 3000}", "a." * 3000 + "b = 1", f"x = {'[' * 65}{']' * 65}"],
                         ids=["inline-tables", "dotted-keys", "just-past-the-limit"])
def test_other_deep_toml_shapes_are_syntax_errors(text: str) -> None:
    from governance import tomlpos

    with pytest.raises(tomlpos.TomlSyntaxError, match="nested too deeply"):
        tomlpos.parse(text, "f.toml")
    assert tomlpos.parse(f"x = {'[' * 60}{']' * 60}", "f.toml").data["x"]


def test_deep_toml_in_an_instance_rules_file_is_exit_2_and_names_the_line(network: Gov) -> None:
    rules = sorted((network.folder / "rules").glob("*.toml"))[0]
    lines = rules.read_text(encoding="utf-8").count("\n")
    rules.write_text(rules.read_text(encoding="utf-8") + f"deep = {DEEP}\n", encoding="utf-8")
    err = _refused(network, "tick", actor=None, now="2021-04-04T10:00", says="nested too deeply")
    assert f"{rules.name}:{lines + 1}:" in err


# -- 9: config.toml read strictly -------------------------------------------------------------------------------

@pytest.mark.parametrize("old, new, problem", [
    ("smtp_starttls = false", 'smtp_starttls = "false"', ":20: mail.smtp_starttls must be true or false, not text"),
    ("digest = true", 'digest = "no"', ":27: mail.digest must be true or false, not text"),
    ("rehearsal = true", 'rehearsal = "yes"', ":8: instance.rehearsal must be true or false, not text"),
    ("[mail]", "[mial]", ":14: unknown table [mial]"),
    ("smtp_port = 25", "smtp_prot = 25", ":19: unknown key 'smtp_prot' in [mail]"),
    ("[database]", 'stray = 1\n[database]', ":4: unknown key 'stray' outside any table"),
    ("retry_base_seconds = 60", "retry_base_seconds = 1000000000000000000000000000000", ":24: mail.retry_base_seconds must be from 1 to 86400"),
    ("retry_max_seconds = 3600", "retry_max_seconds = 0", "mail.retry_max_seconds must be from 1 to 604800"),
    ("retry_hours = 72", "retry_hours = 2161", "mail.retry_hours must be from 0 to 2160"),
    ("max_attempts = 6", "max_attempts = 101", "mail.max_attempts must be from 1 to 100"),
    ("smtp_port = 25", "smtp_port = 65536", "mail.smtp_port must be from 1 to 65535"),
    ("max_file_mb = 20", "max_file_mb = 0", "instance.max_file_mb must be from 1 to 1024"),
    ("max_file_mb = 20", "max_file_mb = 2.5", "instance.max_file_mb must be a whole number, not a number"),
    ('sender = "secretariat@example.org"', 'sender = "secretariat\\u0000@example.org"', "mail.sender must be a single line of text"),
    ('sender = "secretariat@example.org"', 'sender = "secretariat@example.org\\nBcc: x@y.example"', "mail.sender must be a single line"),
    ('sender = "secretariat@example.org"', 'sender = "Secretariat <secretariat@example.org>"', "mail.sender must be one plain e-mail address"),
    ('backend = "maildir"', 'backend = "pigeon"', "mail.backend must be one of 'maildir', 'smtp'"),
    ('smtp_password_env = "GOV_SMTP_PASSWORD"', 'smtp_password_env = "NOT A NAME"', "must name an environment variable"),
    ('url = "sqlite:///governance.db"', "url = 5", "database.url must be text, not a whole number"),
    ('url = "sqlite:///governance.db"', 'url = "sqlite:///governance.db"\npassword_env = true', "database.password_env must be text"),
    ('rules = "rules"', 'rules = "ru\\u0000les"', "instance.rules must be a single line of text"),
    ("[instance]", "[[instance]]", "[instance] must be a table"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 25 else None)
def test_config_toml_is_validated_with_path_and_line(tmp_path: Path, old: str, new: str, problem: str) -> None:
    from governance.config import load_settings

    config = _fresh_config(tmp_path, old, new)
    with pytest.raises(DefinitionErrors) as caught:
        load_settings(config)
    assert any(p.startswith(f"{config}:") for p in caught.value.problems), caught.value.problems
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def test_an_smtp_backend_needs_a_host(tmp_path: Path) -> None:
    from governance.config import load_settings

    config = _fresh_config(tmp_path, 'smtp_host = "127.0.0.1"', 'smtp_host = ""')
    load_settings(config)  # no host is fine while letters go to the maildir
    _config(tmp_path, 'backend = "maildir"', 'backend = "smtp"')
    with pytest.raises(DefinitionErrors, match=r"config.toml:18: mail.smtp_host must name the SMTP server"):
        load_settings(config)


def test_every_problem_in_config_toml_is_reported_at_once(tmp_path: Path) -> None:
    from governance.config import load_settings

    config = _fresh_config(tmp_path, "digest = true", 'digest = "no"\nsmtp_starttls_ = true')
    with pytest.raises(DefinitionErrors) as caught:
        load_settings(config)
    assert len(caught.value.problems) == 2


def test_the_shipped_config_and_a_web_table_are_accepted(tmp_path: Path) -> None:
    from governance.config import load_settings

    settings = load_settings(_fresh_config(tmp_path))
    assert settings.rehearsal is True and settings.mail.smtp_starttls is False and settings.mail.digest is True
    assert settings.max_file_bytes == 20 * 1024 * 1024 and settings.database_password_env is None
    config = tmp_path / "config.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[web]\nbase_url = "http://127.0.0.1:8080"\nsecret_key_env = "GOV_SECRET_KEY"\n',
                      encoding="utf-8")
    load_settings(config)
    config.write_text(config.read_text(encoding="utf-8").replace('secret_key_env = "GOV_SECRET_KEY"', "secret_key_env = 1"), encoding="utf-8")
    with pytest.raises(DefinitionErrors, match="web.secret_key_env must be text"):
        load_settings(config)


def test_a_config_with_an_absurd_number_is_exit_2_on_the_command_line(network: Gov) -> None:
    _config(network.folder, "retry_base_seconds = 60", "retry_base_seconds = 1000000000000000000000000000000")
    result = network.refused(2, "send")
    assert "config.toml:" in result.err and "retry_base_seconds" in result.err


# -- 10: --file from a device or a FIFO, or too large -----------------------------------------------------------------

def test_a_device_or_a_fifo_is_not_a_document_file(tmp_path: Path) -> None:
    from governance.cli.commands import _read_file

    with pytest.raises(BadInput, match="not a regular file"):
        _read_file(Path("/dev/zero"), 1024)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(BadInput, match="not a regular file"):
        _read_file(fifo, 1024)


def test_a_file_larger_than_max_file_mb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    from governance.cli.commands import _read_file

    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    with pytest.raises(BadInput, match=r"more than the 1 MB .*max_file_mb"):
        _read_file(big, 1024 * 1024)
    small = tmp_path / "small.txt"
    small.write_text("1. ok\n", encoding="utf-8")
    assert _read_file(small, 6) == "1. ok\n"


def test_doc_create_from_a_fifo_answers_at_once_and_writes_nothing(network: Gov, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # no writer ever opens it: a blocking open would wait for ever (gov.refused times out at 120 s)
    _refused(network, "doc", "create", "--type", "agenda", "--title", "A", "--file", str(fifo), says="not a regular file")
    _refused(network, "doc", "create", "--type", "agenda", "--title", "A", "--file", "/dev/zero", says="not a regular file")
    _refused(network, "doc", "revise", "D-1", "--file", "/dev/zero", says="not a regular file")


def test_doc_create_honours_max_file_mb_from_config(network: Gov, tmp_path: Path) -> None:
    _config(network.folder, "max_file_mb = 20", "max_file_mb = 1")
    big = tmp_path / "big.txt"
    big.write_bytes(b"1. " + b"x" * (1024 * 1024))
    _refused(network, "doc", "create", "--type", "agenda", "--title", "A", "--file", str(big), says="max_file_mb")


# -- 11: the SQLite database is private to its owner ---------------------------------------------------------------

def test_a_new_sqlite_database_and_its_wal_are_readable_by_the_owner_only(tmp_path: Path) -> None:
    from sqlalchemy import text

    from governance.store.db import Database

    path = tmp_path / "governance.db"
    database = Database(f"sqlite:///{path}")
    try:
        with database.write() as session:
            session.execute(text("CREATE TABLE t (x INTEGER)"))
            session.execute(text("INSERT INTO t VALUES (1)"))
            wal = Path(f"{path}-wal")
            for made in (path, wal, Path(f"{path}-shm")):
                if made.exists():
                    assert stat.S_IMODE(made.stat().st_mode) == 0o600, made
            assert wal.exists()
    finally:
        database.dispose()


def test_gov_init_creates_the_database_readable_by_the_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "instance"
    result = subprocess.run([GOV or sys.executable, *([] if GOV else ["-m", "governance"]), "init", "--rehearsal", str(folder)],
                            capture_output=True, text=True, env={k: v for k, v in os.environ.items() if not k.startswith("GOV_")})
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((folder / "governance.db").stat().st_mode) == 0o600
