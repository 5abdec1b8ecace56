"""Hostile command lines: dates, references, handles, unicode and huge numbers get an exit code and a sentence, never a traceback."""

from __future__ import annotations

import io
import os
import sys
from contextlib import redirect_stderr, redirect_stdout
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.test_tick import _circulated_draft

EXAMPLES = int(os.environ.get("GOV_FUZZ_EXAMPLES", "60"))
REFUSALS = {2, 3, 4, 5}

# Text a person might paste, and text nobody should: unicode digits, RTL marks, NUL, emoji, enormous numbers.
nasty = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20),
    st.sampled_from(["", " ", "-", "--", "M-", "M-0", "M-99999999999999999999999", "D--1", "x" * 5000, "\x00", "\u202e1-M",
                     "٢٠٢١-٠٣-٠١", "2021-02-30", "2021-13-01T25:61", "99999-01-01", "0001-01-01T00:00", "9999-12-31T23:59:59+14:00",
                     "2021-03-01T09:00+99:00", "1e309", "NaN", "-0", "١٢", "T-1", "A-1", "C-1", "M-1", "D-1", "\n", "'; DROP TABLE audit; --"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
moment = st.one_of(nasty, st.datetimes().map(lambda d: d.isoformat()))


def _gov(folder: Path, args: list[str]) -> tuple[int, str, str]:
    """The real entry point, in this process (a subprocess per example would make the fuzzer slow, not more honest)."""
    from governance.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["gov", "--config", str(folder / "config.toml"), *args]
    code = 0
    try:
        with redirect_stdout(out), redirect_stderr(err):
            main()
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    finally:
        sys.argv = argv
    return code, out.getvalue(), err.getvalue()


def _answered(folder: Path, args: list[str]) -> None:
    code, out, err = _gov(folder, args)
    assert code in {0} | REFUSALS, f"gov {args!r} -> {code}\n{err}"
    assert "Traceback" not in err and "internal error" not in err, f"gov {args!r}\n{err}"
    if code:
        said = err.strip()
        assert said.startswith(("gov:", "Usage:", '{"error"')) or "Error:" in said, f"gov {args!r}: {err!r}"


@pytest.fixture
def fuzzed(network, tmp_path: Path) -> Path:
    _circulated_draft(network, tmp_path)
    network.ok("action", "add", "--title", "Notify focal points", "--owner", "SEN", "--due", "2021-09-30", actor="sec", now="2021-04-02")
    return network.folder


FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(ref=nasty, trigger=nasty, actor=st.sampled_from(["sec", "iskur", "bhr", "nobody"]) | nasty)
def test_fuzzed_references_triggers_and_handles_are_refused_with_a_sentence(fuzzed, ref, trigger, actor):
    _answered(fuzzed, ["--as", actor, "--now", "2021-04-03T10:00", "show", ref])
    _answered(fuzzed, ["--as", actor, "--now", "2021-04-03T10:00", "advance", ref, trigger, "--dry-run"])
    _answered(fuzzed, ["--as", actor, "--now", "2021-04-03T10:00", "--json", "approve", ref, "--dry-run"])


@FUZZ
@given(now=moment, start=moment, end=moment, due=moment)
def test_fuzzed_dates_are_refused_with_a_sentence(fuzzed, now, start, end, due):
    _answered(fuzzed, ["--now", now, "deadlines"])
    _answered(fuzzed, ["--as", "sec", "--now", "2021-04-03T10:00", "meeting", "create", "--kind", "workshop", "--title", "W",
                       "--start", start, "--end", end, "--online"])
    _answered(fuzzed, ["--as", "sec", "--now", "2021-04-03T10:00", "action", "add", "--title", "T", "--owner", "BHR", "--due", due])


@FUZZ
@given(number=st.integers(min_value=-(10**40), max_value=10**40).map(str) | nasty, text=nasty, para=nasty)
def test_fuzzed_numbers_and_texts_are_refused_or_stored_whole(fuzzed, number, text, para):
    _answered(fuzzed, ["--as", "sec", "--now", "2021-04-03T10:00", "term", "designate", "chair", "--org", "BHR", "--months", number])
    _answered(fuzzed, ["audit", "--limit", number])
    _answered(fuzzed, ["--as", "bhr", "--now", "2021-04-03T10:00", "comment", "add", "D-1", "--para", para, "--text", text])
    _answered(fuzzed, ["--as", "sec", "--now", "2021-04-03T10:00", "advance", "D-1", "close_comments", "--expect-version", number])
    _answered(fuzzed, ["--as", "sec", "org", "add", text, "--name", para, "--kind", "member"])
    _answered(fuzzed, ["--as", "sec", "person", "add", text, "--name", para, "--email", number, "--org", "BHR"])


def test_fuzzing_left_the_audit_chain_intact(fuzzed: Any) -> None:
    for args in (["--as", "bhr", "--now", "2021-04-03T10:00", "comment", "add", "D-1", "--para", "٣", "--text", "\u202eنص"],
                 ["--as", "sec", "--now", "2021-04-03T10:00", "action", "add", "--title", "x" * 3000, "--owner", "BHR", "--due", "2021-05-01"]):
        _answered(fuzzed, args)
    code, out, _ = _gov(fuzzed, ["--json", "audit", "verify"])
    assert code == 0 and '"ok": true' in out


# -- At the door (issue 11): bytes that are not UTF-8, control characters, extreme dates, deep TOML ------------------
# Each is bad input for every command that writes: exit 2, one sentence, nothing written, never a traceback.
# A handful of examples per command by default; GOV_FUZZ_EXAMPLES raises it with the rest of the file.
# Not shrunk: an example runs every command, and each failure already names the command and the value.
FEW = settings(max_examples=max(3, EXAMPLES // 20), deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CONTROL = [chr(c) for c in range(0x20)] + [chr(0x7F)] + [chr(c) for c in range(0x80, 0xA0)]
AT = "2021-04-03T10:00"

# Bytes no UTF-8 decoder accepts, wherever they stand; Python hands them to main() as lone surrogates (surrogateescape),
# exactly what os.fsdecode gives here.
invalid_utf8 = st.tuples(st.binary(max_size=6), st.sampled_from([b"\xff", b"\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]),
                         st.binary(max_size=6)).map(lambda parts: os.fsdecode(b"".join(parts)))


def _with_control(multi_line: bool) -> st.SearchStrategy[str]:
    """Text holding a character the field may not hold: any control character (a free text may keep \\n and \\t)."""
    allowed = "\n\t" if multi_line else ""
    bad = [c for c in CONTROL if c not in allowed and c != "\r"] + ([] if multi_line else ["\r", "\u2028", "\u2029"])
    return st.tuples(st.text(max_size=8), st.sampled_from(bad), st.text(max_size=8)).map("".join)


def _poison(multi_line: bool) -> st.SearchStrategy[str]:
    return st.one_of(invalid_utf8, _with_control(multi_line))


# Every text a writing command takes: (label, argv with the value in it, whether the field is a multi-line text).
TEXT_FIELDS: list[tuple[str, Any, bool]] = [
    ("--as", lambda v: ["--as", v, "--now", AT, "org", "add", "NEW", "--name", "N", "--kind", "member"], False),
    ("org add CODE", lambda v: ["--as", "sec", "--now", AT, "org", "add", v, "--name", "N", "--kind", "member"], False),
    ("org add --name", lambda v: ["--as", "sec", "--now", AT, "org", "add", "NEW", "--name", v, "--kind", "member"], False),
    ("org add --country", lambda v: ["--as", "sec", "--now", AT, "org", "add", "NEW", "--name", "N", "--kind", "member", "--country", v], False),
    ("org add --group", lambda v: ["--as", "sec", "--now", AT, "org", "add", "NEW", "--name", "N", "--kind", "member", "--group", v], False),
    ("person add HANDLE", lambda v: ["--as", "sec", "--now", AT, "person", "add", v, "--name", "N", "--email", "n@x.example", "--org", "BHR"], False),
    ("person add --name", lambda v: ["--as", "sec", "--now", AT, "person", "add", "new", "--name", v, "--email", "n@x.example", "--org", "BHR"], False),
    ("person add --email", lambda v: ["--as", "sec", "--now", AT, "person", "add", "new", "--name", "N", "--email", v, "--org", "BHR"], False),
    ("person add --org", lambda v: ["--as", "sec", "--now", AT, "person", "add", "new", "--name", "N", "--email", "n@x.example", "--org", v], False),
    ("person add --lang", lambda v: ["--as", "sec", "--now", AT, "person", "add", "new", "--name", "N", "--email", "n@x.example", "--org", "BHR",
                                     "--lang", v], False),
    ("person add --role", lambda v: ["--as", "sec", "--now", AT, "person", "add", "new", "--name", "N", "--email", "n@x.example", "--org", "BHR",
                                     "--role", v], False),
    ("term designate OFFICE", lambda v: ["--as", "sec", "--now", AT, "term", "designate", v, "--org", "BHR"], False),
    ("term designate --org", lambda v: ["--as", "sec", "--now", AT, "term", "designate", "chair", "--org", v], False),
    ("term designate --reason", lambda v: ["--as", "sec", "--now", AT, "term", "designate", "chair", "--org", "BHR", "--reason", v], True),
    ("meeting create --kind", lambda v: ["--as", "sec", "--now", AT, "meeting", "create", "--kind", v, "--title", "W", "--start", "2021-09-01",
                                         "--end", "2021-09-02"], False),
    ("meeting create --title", lambda v: ["--as", "sec", "--now", AT, "meeting", "create", "--kind", "workshop", "--title", v,
                                          "--start", "2021-09-01", "--end", "2021-09-02"], False),
    ("meeting create --venue", lambda v: ["--as", "sec", "--now", AT, "meeting", "create", "--kind", "workshop", "--title", "W",
                                          "--start", "2021-09-01", "--end", "2021-09-02", "--venue", v], False),
    ("meeting create --follows", lambda v: ["--as", "sec", "--now", AT, "meeting", "create", "--kind", "workshop", "--title", "W",
                                            "--start", "2021-09-01", "--end", "2021-09-02", "--follows", v], False),
    ("meeting reschedule --venue", lambda v: ["--as", "sec", "--now", AT, "meeting", "reschedule", "M-1", "--start", "2021-06-09T12:00",
                                              "--end", "2021-06-10T15:00", "--venue", v], False),
    ("meeting reschedule M-n", lambda v: ["--as", "sec", "--now", AT, "meeting", "reschedule", v, "--start", "2021-06-09T12:00",
                                          "--end", "2021-06-10T15:00"], False),
    ("attend M-n", lambda v: ["--as", "bhr", "--now", AT, "attend", v], False),
    ("doc create --type", lambda v: ["--as", "sec", "--now", AT, "doc", "create", "--type", v, "--title", "T", "--file", "{text}"], False),
    ("doc create --title", lambda v: ["--as", "sec", "--now", AT, "doc", "create", "--type", "agenda", "--title", v, "--file", "{text}"], False),
    ("doc create --meeting", lambda v: ["--as", "sec", "--now", AT, "doc", "create", "--type", "agenda", "--title", "T", "--file", "{text}",
                                        "--meeting", v], False),
    ("doc create --file", lambda v: ["--as", "sec", "--now", AT, "doc", "create", "--type", "agenda", "--title", "T", "--file", v], False),
    ("doc revise --file", lambda v: ["--as", "sec", "--now", AT, "doc", "revise", "D-1", "--file", v], False),
    ("comment add --text", lambda v: ["--as", "bhr", "--now", AT, "comment", "add", "D-1", "--text", v], True),
    ("comment dispose --note", lambda v: ["--as", "sec", "--now", AT, "comment", "dispose", "C-1", "--decision", "noted", "--note", v], True),
    ("action add --title", lambda v: ["--as", "sec", "--now", AT, "action", "add", "--title", v, "--owner", "BHR", "--due", "2021-09-30"], False),
    ("action add --owner", lambda v: ["--as", "sec", "--now", AT, "action", "add", "--title", "T", "--owner", v, "--due", "2021-09-30"], False),
    ("action add --source", lambda v: ["--as", "sec", "--now", AT, "action", "add", "--title", "T", "--owner", "BHR", "--due", "2021-09-30",
                                       "--source", v], False),
    ("advance REF", lambda v: ["--as", "sec", "--now", AT, "advance", v, "cancel"], False),
    ("advance TRIGGER", lambda v: ["--as", "sec", "--now", AT, "advance", "A-1", v], False),
    ("advance --reason", lambda v: ["--as", "sec", "--now", AT, "advance", "A-1", "cancel", "--reason", v], True),
    ("approve --reason", lambda v: ["--as", "iskur", "--now", AT, "approve", "M-1", "--reason", v], True),
    ("reject --reason", lambda v: ["--as", "iskur", "--now", AT, "reject", "M-1", "--reason", v], True),
]

# Moments outside 1900-01-01..2200-12-31, up to the ends of Python's calendar, with and without an offset.
extreme = st.one_of(
    st.sampled_from(["9999-06-01", "9999-12-31T20:00", "9999-12-31T23:59:59+14:00", "0001-01-01", "0001-01-01T00:00-12:00",
                     "1899-12-31T23:59", "2201-01-01"]),
    st.datetimes(max_value=datetime(1899, 12, 31, 23, 59)).map(lambda d: d.isoformat()),
    st.datetimes(min_value=datetime(2201, 1, 1)).map(lambda d: d.isoformat(timespec="minutes")),
    st.dates(min_value=date(2201, 1, 1)).map(lambda d: d.isoformat()),
)
DATE_FIELDS: list[tuple[str, Any]] = [
    ("--now tick", lambda v: ["--now", v, "tick"]),
    ("--now org add", lambda v: ["--as", "sec", "--now", v, "org", "add", "NEW", "--name", "N", "--kind", "member"]),
    ("simulate --until", lambda v: ["--now", AT, "simulate", "--until", v, "--quiet"]),
    ("term designate --start", lambda v: ["--as", "sec", "--now", AT, "term", "designate", "chair", "--org", "BHR", "--start", v]),
    ("meeting create --start", lambda v: ["--as", "sec", "--now", AT, "meeting", "create", "--kind", "workshop", "--title", "W", "--start", v,
                                          "--end", "2021-09-02"]),
    ("meeting create --end", lambda v: ["--as", "sec", "--now", AT, "meeting", "create", "--kind", "workshop", "--title", "W",
                                        "--start", "2021-09-01", "--end", v]),
    ("meeting reschedule --start", lambda v: ["--as", "sec", "--now", AT, "meeting", "reschedule", "M-1", "--start", v, "--end", "2021-06-10"]),
    ("meeting reschedule --end", lambda v: ["--as", "sec", "--now", AT, "meeting", "reschedule", "M-1", "--start", "2021-06-09", "--end", v]),
    ("action add --due", lambda v: ["--as", "sec", "--now", AT, "action", "add", "--title", "T", "--owner", "BHR", "--due", v]),
]


class _Ledger:
    """Counts the rows of every table a change writes, through one engine for the whole test."""

    TABLES = ("audit", "outbox", "deadlines", "organisations", "people", "person_roles", "meetings", "attendance", "documents",
              "document_versions", "comments", "actions", "terms")

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine, text

        self.engine = create_engine(url)
        self.query = text(" UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in self.TABLES))

    def __call__(self) -> list[tuple[str, int]]:
        with self.engine.connect() as conn:
            rows = [tuple(r) for r in conn.execute(self.query)]
            conn.rollback()
        return rows

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def door(network, tmp_path: Path) -> Any:
    """The fuzzed network plus a comment C-1, a valid text file, and a ledger of what the database holds."""
    _circulated_draft(network, tmp_path)
    network.ok("action", "add", "--title", "Notify focal points", "--owner", "SEN", "--due", "2021-09-30", actor="sec", now="2021-04-02")
    network.ok("comment", "add", "D-1", "--text", "Agreed.", "--para", "1", actor="bhr", now="2021-04-02")
    text = tmp_path / "agenda.txt"
    text.write_text("1. Opening.\n", encoding="utf-8")
    ledger = _Ledger(network.url)
    yield network.folder, str(text), ledger
    ledger.close()


def _bad_input(folder: Path, args: list[str], ledger: _Ledger, label: str) -> None:
    before = ledger()
    code, _, err = _gov(folder, args)
    shown = ascii(args)
    assert code == 2, f"{label}: gov {shown} -> {code}\n{err}"
    assert "Traceback" not in err and "internal error" not in err, f"{label}: gov {shown}\n{err}"
    assert err.strip().startswith(("gov:", "Usage:", '{"error"')), f"{label}: gov {shown}: {err!r}"
    assert ledger() == before, f"{label}: gov {shown} wrote something"


@FEW
@given(data=st.data())
def test_invalid_utf8_and_control_characters_in_every_text_of_every_writing_command_are_bad_input(door, data) -> None:
    folder, text, ledger = door
    for label, argv, multi_line in TEXT_FIELDS:
        value = data.draw(_poison(multi_line), label=label)
        args = [text if a == "{text}" else a for a in argv(value)]
        _bad_input(folder, args, ledger, label)


@FEW
@given(data=st.data())
def test_extreme_dates_in_every_date_option_and_in_now_are_bad_input(door, data) -> None:
    folder, _, ledger = door
    for label, argv in DATE_FIELDS:
        _bad_input(folder, argv(data.draw(extreme, label=label)), ledger, label)


@FEW
@given(which=st.sampled_from(["rules", "workflows", "config"]), depth=st.integers(min_value=65, max_value=20_000),
       shape=st.sampled_from(["array", "inline table"]), at_top=st.booleans())
def test_deep_toml_in_rules_workflows_and_config_is_bad_input_with_a_line(door, which, depth, shape, at_top) -> None:
    folder, _, ledger = door
    target = folder / "config.toml" if which == "config" else sorted((folder / which).glob("*.toml"))[0]
    original = target.read_text(encoding="utf-8")
    value = "[" * depth + "]" * depth if shape == "array" else "{a = " * depth + "1" + "}" * depth
    deep = f"deep = {value}\n"
    changed = deep + original if at_top else original + deep
    line = 1 if at_top else original.count("\n") + 1
    target.write_text(changed, encoding="utf-8")
    try:
        for args in (["--as", "sec", "--now", AT, "org", "add", "NEW", "--name", "N", "--kind", "member"], ["--now", AT, "tick"], ["rules", "check"]):
            before = ledger()
            code, _, err = _gov(folder, args)
            assert code == 2 and "Traceback" not in err, f"{which} {shape} {depth}: gov {args} -> {code}\n{err}"
            assert f"{target.name}:{line}: values are nested too deeply" in err, err
            assert ledger() == before
    finally:
        target.write_text(original, encoding="utf-8")
