"""Evidence that holds: live instances on the real clock, who acted through which channel, witnesses outside the database."""

from __future__ import annotations

import email
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GOV, Gov

SEC = "sec"


def _meeting(network: Gov) -> None:
    network.ok("meeting", "create", "--kind", "general", "--title", "3rd Network Meeting", "--start", "2021-06-02T12:00",
               "--end", "2021-06-03T15:00", "--online", "--link", "https://video.example.org/m", actor=SEC, now="2021-03-10T10:00")


def _document(network: Gov, tmp_path: Path) -> None:
    draft = tmp_path / "rop.txt"
    draft.write_text("Article 1. The network meets every two years.\n\nArticle 2. The chair serves two years.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "Rules of Procedure", "--file", str(draft), actor=SEC, now="2021-03-10T10:00")


def _live(tmp_path: Path) -> Gov:
    folder = tmp_path / "live"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOV_")}
    done = subprocess.run([GOV or sys.executable, *([] if GOV else ["-m", "governance"]), "init", str(folder)],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return Gov(folder)


def test_a_live_instance_refuses_now_for_every_write_and_lets_reads_look_elsewhere(tmp_path):
    live = _live(tmp_path)
    assert "rehearsal = false" in live.config.read_text(encoding="utf-8")
    refused = live.refused(3, "org", "add", "SESRIC", "--name", "SESRIC", "--kind", "secretariat", now="2020-01-01T09:00")
    assert "live instance" in refused.err and "--rehearsal" in refused.err
    live.refused(3, "org", "add", "SESRIC", "--name", "SESRIC", "--kind", "secretariat", env={"GOV_NOW": "2020-01-01T09:00"})
    live.refused(3, "tick", now="2030-01-01T09:00")
    live.refused(3, "send", now="2030-01-01T09:00")
    live.refused(3, "simulate", "--until", "2030-01-01T09:00")  # firing future deadlines early walks round the rules
    assert live.sql("SELECT count(*) FROM audit")[0][0] == 0
    live.ok("org", "add", "SESRIC", "--name", "SESRIC", "--kind", "secretariat")
    assert live.j("status", now="2030-01-01T09:00")["now"].startswith("2030-01-01")
    live.ok("deadlines", now="2030-01-01T09:00")
    # A live record cannot be turned into a rehearsal, whose past could then be rewritten.
    again = live("init", "--rehearsal", str(live.folder))
    assert again.code == 2 and "live instance" in again.err


def test_every_entry_records_the_wall_clock_and_the_channel_and_both_are_in_the_hash(network):
    _meeting(network)
    entries = network.j("audit")["entries"]
    mine = [e for e in entries if e["ref"] == "M-1"]
    assert mine and all(e["channel"] == "cli" and e["via"] for e in mine)
    assert all(e["recorded_at"] and not e["recorded_at"].startswith("2021") for e in mine)  # the wall clock, not --now
    network.ok("action", "add", "--title", "Send the report", "--owner", "BHR", "--due", "2021-04-01", actor=SEC, now="2021-03-10T10:00")
    network.ok("tick", now="2021-04-05T10:00")
    engine = [e for e in network.j("audit", "A-1")["entries"] if e["actor"] == "system"]  # tick turned it overdue
    assert engine and all(e["channel"] == "engine" for e in engine)
    last = entries[-1]["seq"]
    network.sql("UPDATE audit SET channel = 'web' WHERE seq = :seq", seq=last)
    assert network("audit", "verify").code == 6
    network.sql("UPDATE audit SET channel = 'cli' WHERE seq = :seq", seq=last)
    network.sql("UPDATE audit SET via = 'someone else' WHERE seq = :seq", seq=last)
    assert network("audit", "verify").code == 6


def test_every_letter_carries_the_chains_head_and_it_verifies_as_an_anchor(network):
    _meeting(network)
    network.ok("advance", "M-1", "convene", actor=SEC, now="2021-03-10T11:00")
    network.ok("approve", "M-1", actor="iskur", now="2021-03-10T12:00")
    heads = {row[0] for row in network.sql("SELECT audit_head FROM outbox")}
    assert heads and None not in heads
    top = network.j("audit", "head")
    assert f"{top['seq']}:{top['hash']}" in heads  # the approval's letters carry the head their own change wrote
    anchors = [arg for head in sorted(heads) for arg in ("--anchor", head)]
    assert network.j("audit", "verify", *anchors)["ok"] is True
    network.ok("send", now="2021-03-10T12:05")
    letters = list((network.folder / "mail").rglob("*.eml"))
    assert letters
    witness = "".join(email.message_from_bytes(letters[0].read_bytes())["X-Gov-Audit-Head"].split())  # unfolded
    assert witness in heads


def test_cutting_the_tail_and_moving_the_head_is_caught_by_a_witness(network):
    _meeting(network)
    top = network.j("audit", "head")
    anchor = f"{top['seq']}:{top['hash']}"
    before = network.sql("SELECT seq, hash FROM audit WHERE seq = :seq", seq=top["seq"] - 1)[0]
    network.sql("DELETE FROM meetings")
    network.sql("DELETE FROM deadlines WHERE ref = 'M-1'")
    network.sql("DELETE FROM audit WHERE seq = :seq", seq=top["seq"])
    network.sql("UPDATE audit_head SET seq = :seq, hash = :hash", seq=before[0], hash=before[1])
    assert network.j("audit", "verify")["ok"] is True  # the database alone cannot tell...
    caught = network("audit", "verify", "--anchor", anchor, json_out=True)
    assert caught.code == 6 and "Traceback" not in caught.err  # ...but the witness in a letter can
    assert caught.json == {"ok": False, "first_bad": top["seq"], "reason": caught.json["reason"], "entries": top["seq"] - 1}
    assert "removed" in caught.json["reason"]


def test_recomputing_the_chain_after_an_edit_is_caught_by_a_witness(network):
    from sqlalchemy import create_engine, text

    from governance.service.audit import FIELDS, WITNESSED, digest

    _meeting(network)
    top = network.j("audit", "head")
    network.sql("UPDATE audit SET reason = 'backdated' WHERE seq = 2")
    engine = create_engine(network.url)
    with engine.begin() as conn:  # a tamperer who knows the hash function rewrites every link after the edit
        rows = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM audit ORDER BY seq"))]
        prev = ""
        for row in rows:
            from governance.service.audit import _read_time

            row["at"], row["recorded_at"] = _read_time(row["at"]), _read_time(row["recorded_at"])
            row["hash"] = prev = digest({k: row[k] for k in (*FIELDS, *WITNESSED)}, prev)
            row["prev_hash"] = rows[rows.index(row) - 1]["hash"] if row["seq"] > 1 else ""
            conn.execute(text("UPDATE audit SET hash = :h, prev_hash = :p WHERE seq = :s"), {"h": row["hash"], "p": row["prev_hash"], "s": row["seq"]})
        conn.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})
    engine.dispose()
    assert network.j("audit", "verify")["ok"] is True
    caught = network("audit", "verify", "--anchor", f"{top['seq']}:{top['hash']}", json_out=True)
    assert caught.code == 6 and caught.json["ok"] is False and "rewritten" in caught.json["reason"]


def test_editing_a_records_state_or_a_text_in_the_tables_is_caught(network, tmp_path):
    _meeting(network)
    _document(network, tmp_path)
    assert network.j("audit", "verify")["ok"] is True
    network.sql("UPDATE meetings SET state = 'closed' WHERE id = 1")
    caught = network("audit", "verify", json_out=True)
    assert caught.code == 6 and "M-1 is stored as 'closed'" in caught.json["reason"]
    network.sql("UPDATE meetings SET state = 'planned' WHERE id = 1")
    network.sql("UPDATE document_versions SET text = 'Article 1. The chair serves for life.' WHERE document_id = 1")
    caught = network("audit", "verify", json_out=True)
    assert caught.code == 6 and "text of D-1 version 1" in caught.json["reason"]
    assert "Traceback" not in caught.err


def test_a_garbled_time_or_a_missing_head_is_exit_6_with_a_sentence(network):
    if network.on_sqlite:  # PostgreSQL's column type refuses a garbled time at the door
        network.sql("UPDATE audit SET at = 'yesterday-ish' WHERE seq = 3")
        garbled = network("audit", "verify", json_out=True)
        assert garbled.code == 6 and garbled.json["first_bad"] == 3 and "cannot be read" in garbled.json["reason"]
        assert "Traceback" not in garbled.err
        network.sql("DELETE FROM audit WHERE seq >= 3")
        network.sql("UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit WHERE seq = 2)")
    network.sql("DELETE FROM audit_head")
    missing = network("audit", "verify", json_out=True)
    assert missing.code == 6 and "head" in missing.json["reason"] and "Traceback" not in missing.err
    assert network("audit", "head").code == 6


@pytest.mark.parametrize("anchor", ["12", "x:abc", "3:" + "g" * 64, ""])
def test_a_malformed_anchor_is_bad_input(network, anchor):
    result = network.refused(2, "audit", "verify", "--anchor", anchor)
    assert "SEQ:HASH" in result.err


def test_entries_written_before_the_witnesses_keep_their_hash():
    from datetime import datetime, timezone

    from governance.service.audit import digest

    old = {"seq": 1, "at": datetime(2021, 3, 1, tzinfo=timezone.utc), "actor": "sec", "ref": None, "trigger": "org add",
           "from_state": None, "to_state": None, "reason": None, "rule": None, "detail": json.dumps({"code": "SESRIC"})}
    # The hash an entry of schema 0003 was written with, before recorded_at, channel and via existed.
    assert digest(old, "") == digest(dict(old, recorded_at=None, channel=None, via=None), "")
    assert digest(old, "") != digest(dict(old, recorded_at=None, channel="cli", via=None), "")
