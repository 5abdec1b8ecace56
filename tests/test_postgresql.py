"""PostgreSQL as a first-class store: migrations, the service path, tick and the audit chain."""

from __future__ import annotations

import threading

from tests.conftest import MEMBERS


def test_init_on_postgresql_is_idempotent_and_migrates_to_head(pg_gov):
    from governance.store.db import SCHEMA_HEAD

    again = pg_gov.j("init", str(pg_gov.folder))
    assert again["schema_before"] == again["schema"] == SCHEMA_HEAD


def test_meeting_and_document_lifecycle_with_tick_on_postgresql(pg_gov, tmp_path):
    g = pg_gov
    g.ok("org", "add", "SESRIC", "--name", "SESRIC", "--kind", "secretariat")
    g.ok("person", "add", "sec", "--name", "Ayşe", "--email", "sec@sesric.example", "--org", "SESRIC", "--role", "secretariat")
    for code, name, country, handle, person, lang in MEMBERS[:3]:
        g.ok("org", "add", code, "--name", name, "--kind", "member", actor="sec")
        g.ok("person", "add", handle, "--name", person, "--email", f"{handle}@x.example", "--org", code, "--lang", lang,
             "--role", "focal_point", actor="sec")
    g.ok("term", "designate", "chair", "--org", "ISKUR", "--start", "2021-03-01", actor="sec", now="2021-03-01")
    assert [f["name"] for f in g.j("tick", now="2021-03-01T00:00")["fired"]] == ["term_start"]
    g.ok("meeting", "create", "--kind", "general", "--title", "3rd", "--start", "2021-06-02T12:00", "--end", "2021-06-03T15:00",
         "--online", actor="sec", now="2021-03-02")
    assert g.j("advance", "M-1", "convene", actor="sec", now="2021-03-02")["pending_approval"] == {"trigger": "convene", "by": "sec"}
    assert g.j("approve", "M-1", actor="iskur", now="2021-03-03")["state"] == "convened"
    text = tmp_path / "rop.txt"
    text.write_text("1. Text.\n", encoding="utf-8")
    g.ok("doc", "create", "--type", "rop", "--title", "RoP", "--file", str(text), "--meeting", "M-1", actor="sec", now="2021-03-04")
    g.ok("advance", "D-1", "circulate", actor="sec", now="2021-03-04")
    g.ok("comment", "add", "D-1", "--text", "تعليق", "--para", "1", actor="bhr", now="2021-03-05")
    fired = g.j("tick", now="2021-04-10")["fired"]
    assert ("D-1", "comment_deadline") in [(f["ref"], f["name"]) for f in fired]
    assert g.j("tick", now="2021-04-10")["fired"] == []
    assert g.j("show", "D-1")["state"] == "comments_closed"
    langs = {m["lang"] for m in g.j("outbox")["messages"]}
    assert "en" in langs
    assert g.j("audit", "verify") ["ok"] is True


def test_concurrent_approvals_on_postgresql_change_the_record_once(pg_gov):
    g = pg_gov
    g.ok("org", "add", "SESRIC", "--name", "SESRIC", "--kind", "secretariat")
    g.ok("person", "add", "sec", "--name", "Ayşe", "--email", "sec@sesric.example", "--org", "SESRIC", "--role", "secretariat")
    g.ok("org", "add", "ISKUR", "--name", "İŞKUR", "--kind", "member", actor="sec")
    for handle in ("c1", "c2"):
        g.ok("person", "add", handle, "--name", handle, "--email", f"{handle}@x.example", "--org", "ISKUR", "--role", "focal_point", actor="sec")
    g.ok("term", "designate", "chair", "--org", "ISKUR", "--start", "2021-03-01", actor="sec", now="2021-03-01")
    g.ok("tick", now="2021-03-01")
    g.ok("meeting", "create", "--kind", "general", "--title", "3rd", "--start", "2021-06-02T12:00", "--end", "2021-06-03T15:00",
         "--online", actor="sec", now="2021-03-02")
    g.ok("advance", "M-1", "convene", actor="sec", now="2021-03-02")
    results = {}

    def approve(handle):
        results[handle] = g("approve", "M-1", actor=handle, now="2021-03-03")

    threads = [threading.Thread(target=approve, args=(h,)) for h in ("c1", "c2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.code for r in results.values())
    assert codes[0] == 0 and codes[1] in (4, 5), results
    entries = [e for e in g.j("audit", "M-1")["entries"] if e["trigger"] == "convene"]
    assert len(entries) == 1
    invitations = [m for m in g.j("outbox")["messages"] if m["template"] == "meeting_invitation"]
    assert len(invitations) == 2  # c1 and c2, once each
    assert g.j("audit", "verify")["ok"] is True
