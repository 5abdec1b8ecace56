"""`audit verify` on SQLite reads the middle of each entry as JSON the database writes: its verdicts are those of the
entry-by-entry check, whatever was done to the trail (odd characters, text that is not text, witnesses, rewritten
hashes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

SEC = "sec"

# Values written into an entry behind the engine's back: each must be caught as the entry-by-entry check catches it.
ODD = ["say \"no\"", "back\\slash", "line\nbreak\ttab\x01\x1f", "nul\x00after", "é€\u2028\U0001f600", "", "5"]


def _trail(network: Any, tmp_path: Path) -> None:
    """Entries of every kind: a meeting, a document with its text's hash, a comment, witnesses of each channel."""
    text = tmp_path / "rop.txt"
    text.write_text("1. Purpose.\n\n2. The chair serves two years.\n", encoding="utf-8")
    network.ok("meeting", "create", "--kind", "general", "--title", "3rd Network Meeting", "--start", "2021-06-02T12:00",
               "--end", "2021-06-03T15:00", "--online", "--link", "https://video.example.org/m", actor=SEC, now="2021-03-01T10:00")
    network.ok("doc", "create", "--type", "rop", "--title", "Draft Rules", "--file", str(text), "--meeting", "M-1", actor=SEC,
               now="2021-04-01T10:00")
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-04-01T10:00")
    network.ok("comment", "add", "D-1", "--para", "1", "--text", "Say \"two\" years.\nPlease.", actor="bhr", now="2021-04-02T10:00")


def _verdicts(network: Any, monkeypatch: pytest.MonkeyPatch, anchors: list[tuple[int, str]] | None = None) -> tuple[Any, Any]:
    """The verdict as verify gives it, and as the entry-by-entry check alone gives it (the JSON left unused)."""
    from governance.service import audit
    from governance.store.db import Database

    database = Database(network.url)
    try:
        with database.read() as session:
            fast = _outcome(lambda: audit.verify(session, anchors))
        with monkeypatch.context() as patched:
            patched.setattr(audit, "_compact_ready", lambda session: False)
            with database.read() as session:
                plain = _outcome(lambda: audit.verify(session, anchors))
    finally:
        database.dispose()
    return fast, plain


def _outcome(run: Any) -> Any:
    try:
        return run()
    except Exception as exc:  # what a trail written as no engine writes it does to the check: the same, both ways
        return type(exc)


def _skip_nul(network: Any, value: str) -> None:
    if "\x00" in value and not network.url.startswith("sqlite"):
        pytest.skip("PostgreSQL's text refuses the NUL character at the door")


def _entry(network: Any, trigger: str) -> int:
    return network.sql("SELECT min(seq) FROM audit WHERE \"trigger\" = :t", t=trigger)[0][0]


def test_the_json_is_used_on_sqlite_and_agrees_on_an_untouched_trail(network, tmp_path, monkeypatch):
    from governance.service import audit
    from governance.store.db import Database

    _trail(network, tmp_path)
    database = Database(network.url)
    try:
        with database.read() as session:
            assert audit._compact_ready(session) is network.url.startswith("sqlite")
    finally:
        database.dispose()
    fast, plain = _verdicts(network, monkeypatch)
    assert fast == plain and fast.ok, (fast, plain)
    top = network.j("audit", "head")
    fast, plain = _verdicts(network, monkeypatch, [(top["seq"] - 1, "0" * 64)])
    assert fast == plain and not fast.ok and fast.first_bad == top["seq"] - 1, (fast, plain)


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("column", ["actor", "ref", "\"trigger\"", "from_state", "reason", "rule", "detail", "channel", "via"])
def test_an_odd_value_written_into_an_entry_gets_the_same_verdict(network, tmp_path, monkeypatch, column, value):
    _skip_nul(network, value)
    _trail(network, tmp_path)
    seq = _entry(network, "circulate")
    network.sql(f"UPDATE audit SET {column} = :v WHERE seq = :s", v=value, s=seq)
    fast, plain = _verdicts(network, monkeypatch)
    assert fast == plain, (fast, plain)
    assert not fast.ok and fast.first_bad == seq, fast


@pytest.mark.parametrize("value", ODD)
def test_an_odd_value_with_its_hash_recomputed_gets_the_same_verdict(network, tmp_path, monkeypatch, value):
    """A tamperer who knows the hash rewrites every link after the edit: the database alone cannot tell, either way."""
    from sqlalchemy import create_engine, text

    from governance.service.audit import FIELDS, WITNESSED, _read_time, digest

    _skip_nul(network, value)
    _trail(network, tmp_path)
    seq = _entry(network, "comment")
    network.sql("UPDATE audit SET reason = :v, via = :w WHERE seq = :s", v=value, w=value, s=seq)
    engine = create_engine(network.url)
    try:
        with engine.begin() as conn:
            prev = ""
            for row in [dict(r._mapping) for r in conn.execute(text("SELECT * FROM audit ORDER BY seq"))]:
                row["at"], row["recorded_at"] = _read_time(row["at"]), _read_time(row["recorded_at"])
                row["hash"] = digest({k: row[k] for k in (*FIELDS, *WITNESSED)}, prev)
                conn.execute(text("UPDATE audit SET hash = :h, prev_hash = :p WHERE seq = :s"), {"h": row["hash"], "p": prev, "s": row["seq"]})
                prev = row["hash"]
            conn.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})
    finally:
        engine.dispose()
    fast, plain = _verdicts(network, monkeypatch)
    assert fast == plain and fast.ok, (fast, plain)


def test_a_link_edited_or_an_entry_removed_gets_the_same_verdict(network, tmp_path, monkeypatch):
    _trail(network, tmp_path)
    seq = _entry(network, "circulate")
    network.sql("UPDATE audit SET prev_hash = :h WHERE seq = :s", h="f" * 64, s=seq)
    fast, plain = _verdicts(network, monkeypatch)
    assert fast == plain and not fast.ok and fast.first_bad == seq, (fast, plain)
    network.sql("DELETE FROM audit WHERE seq = :s", s=seq)
    fast, plain = _verdicts(network, monkeypatch)
    assert fast == plain and not fast.ok and fast.first_bad == seq + 1, (fast, plain)


def test_a_comment_text_edited_is_caught_through_the_json_as_without_it(network, tmp_path, monkeypatch):
    _trail(network, tmp_path)
    network.sql("UPDATE comments SET text = 'Say three years.'")
    fast, plain = _verdicts(network, monkeypatch)
    assert fast == plain and not fast.ok and "text of C-1" in fast.reason, (fast, plain)


def test_bytes_in_a_text_column_fare_as_they_did(network, tmp_path, monkeypatch):
    """Bytes where text belongs (SQLite keeps what it is given): SQLite's JSON refuses them, and the rest of the trail
    is read as it always was, with the same outcome."""
    if not network.url.startswith("sqlite"):
        pytest.skip("PostgreSQL's text columns refuse bytes at the door")
    _trail(network, tmp_path)
    seq = _entry(network, "circulate")
    network.sql("UPDATE audit SET reason = CAST(:v AS BLOB) WHERE seq = :s", v="bytes", s=seq)
    fast, plain = _verdicts(network, monkeypatch)
    assert fast == plain, (fast, plain)
