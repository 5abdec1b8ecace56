"""Hostile command lines: dates, references, handles, unicode and huge numbers get an exit code and a sentence, never a traceback."""

from __future__ import annotations

import io
import os
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
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
