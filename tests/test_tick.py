"""Time: deadline rows fire once, in due order, through the service path; reminders reach only the silent."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

SEC = "sec"


def _circulated_draft(network, tmp_path: Path, now: str = "2021-04-01T10:00") -> None:
    text = tmp_path / "rop.txt"
    text.write_text("1. Purpose.\n\n2. The chair serves two years.\n", encoding="utf-8")
    network.ok("meeting", "create", "--kind", "general", "--title", "3rd Network Meeting", "--start", "2021-06-02T12:00",
               "--end", "2021-06-03T15:00", "--online", "--link", "https://video.example.org/m", actor=SEC, now="2021-03-01T10:00")
    network.ok("doc", "create", "--type", "rop", "--title", "Draft Rules of Procedure", "--file", str(text), "--meeting", "M-1",
               actor=SEC, now=now)
    network.ok("advance", "D-1", "circulate", actor=SEC, now=now)


def _of(report: dict, ref: str) -> list[dict]:
    return [f for f in report["fired"] if f["ref"] == ref]


def _mail(network, template: str) -> list[dict]:
    return [m for m in network.j("outbox")["messages"] if m["template"] == template]


def test_comment_reminders_reach_only_silent_focal_points_then_tick_closes_comments(network, tmp_path):
    _circulated_draft(network, tmp_path)
    # Comment period 30 days from 1 April 10:00: deadline 1 May at [body] deadline_time (17:00); reminders 14 and 3 days before.
    rows = {r["name"]: r for r in network.j("show", "D-1")["deadlines"]}
    assert rows["comment_deadline"]["due"] == "2021-05-01T17:00+03:00"
    network.ok("comment", "add", "D-1", "--para", "2", "--text", "نقترح مدة سنتين قابلة للتجديد", actor="bhr", now="2021-04-05T09:00")
    network.ok("comment", "add", "D-1", "--text", "D'accord.", actor="mar", now="2021-04-06T09:00")

    first = network.j("tick", now="2021-04-17T17:00")
    assert [(f["ref"], f["name"], f["kind"]) for f in _of(first, "D-1")] == [("D-1", "comment_reminder", "reminder")]
    reminded = {m["to"] for m in _mail(network, "comment_reminder")}
    assert reminded == {"iskur@iskur.example", "egy@egy.example", "idn@idn.example", "sen@sen.example"}
    assert sum(f["letters"] for f in _of(first, "D-1")) == 4

    network.ok("comment", "add", "D-1", "--text", "No comments.", actor="egy", now="2021-04-20T09:00")
    network.j("tick", now="2021-04-28T17:00")
    second_round = [m["to"] for m in _mail(network, "comment_reminder")][4:]
    assert sorted(second_round) == ["idn@idn.example", "iskur@iskur.example", "sen@sen.example"]

    closed = network.j("tick", now="2021-05-01T17:00")
    assert [(f["name"], f["kind"]) for f in _of(closed, "D-1")] == [("comment_deadline", "deadline")]
    assert network.j("show", "D-1")["state"] == "comments_closed"
    entry = [e for e in network.j("audit", "D-1")["entries"] if e["trigger"] == "close_comments"][0]
    assert entry["actor"] == "system" and entry["rule"].startswith("RoP Art. 7")
    network.refused(4, "comment", "add", "D-1", "--text", "late", actor="sen", now="2021-05-02T09:00")


def test_tick_twice_at_the_same_moment_fires_nothing_the_second_time(network, tmp_path):
    _circulated_draft(network, tmp_path)
    first = network.j("tick", now="2021-05-02T00:00")
    assert len(_of(first, "D-1")) == 3
    assert sum(first["counts"].values()) == len(first["fired"])
    again = network.j("tick", now="2021-05-02T00:00")
    assert again == {"now": again["now"], "fired": [], "queued_mail": 0, "counts": {"fired": 0, "skipped": 0, "failed": 0}}


def test_two_week_outage_fires_everything_missed_once_in_due_order(network, tmp_path):
    _circulated_draft(network, tmp_path)
    network.ok("action", "add", "--title", "Notify focal point", "--owner", "SEN", "--due", "2021-04-20", actor=SEC, now="2021-04-01T10:00")
    # Nothing ticks from 1 April to 3 May; then one tick catches up.
    caught = network.j("tick", now="2021-05-03T12:00")["fired"]
    order = [(f["ref"], f["name"]) for f in caught]
    dues = [f["due"] for f in caught]
    assert dues == sorted(dues)
    assert order.count(("D-1", "comment_deadline")) == 1 and order.count(("A-1", "due")) == 1
    statuses = {(f["ref"], f["name"], f["due"]): f["status"] for f in caught}
    # Reminders whose moment passed during the outage say nothing late; the deadlines still fire.
    assert statuses[("D-1", "comment_deadline", "2021-05-01T17:00+03:00")] == "fired"
    assert network.j("show", "D-1")["state"] == "comments_closed"
    assert network.j("show", "A-1")["state"] == "overdue"
    assert network.j("tick", now="2021-05-03T12:00")["fired"] == []


def test_action_is_reminded_turns_overdue_and_escalates_to_chair_and_secretariat(network):
    network.ok("action", "add", "--title", "Hold the online focal-point meeting", "--owner", "SESRIC", "--due", "2022-06-30",
               "--source", "T-1", actor=SEC, now="2021-06-03T15:00")
    fired = network.j("simulate", "--until", "2022-06-29", now="2021-06-03T15:00")["fired"]
    assert [(f["name"], f["kind"]) for f in fired] == [("due_reminder", "reminder"), ("due_reminder", "reminder")]
    assert {m["to"] for m in _mail(network, "action_reminder")} == {"sec@sesric.example"}

    # Due on 30 June: due by the end of that day, not overdue while it lasts.
    assert [f for f in network.j("tick", now="2022-06-30T23:59")["fired"] if f["ref"] == "A-1"] == []
    overdue = network.j("tick", now="2022-07-01T00:00")
    assert [(f["name"], f["kind"]) for f in overdue["fired"]] == [("due", "deadline")]
    assert network.j("show", "A-1")["state"] == "overdue"
    assert {m["to"] for m in _mail(network, "action_overdue")} == {"sec@sesric.example", "iskur@iskur.example"}

    escalated = network.j("tick", now="2022-07-31T17:00")  # 30 days after it turned overdue, at deadline_time
    assert [(f["name"], f["kind"]) for f in escalated["fired"]] == [("escalation", "escalation")]
    assert {m["to"] for m in _mail(network, "action_escalation")} == {"sec@sesric.example", "iskur@iskur.example"}
    # The escalation comes back every escalate_every_days until the action is done; done ends it.
    assert [d["name"] for d in network.j("show", "A-1")["deadlines"]] == ["escalation"]
    network.ok("advance", "A-1", "complete", actor=SEC, now="2022-08-01T00:00")
    assert network.j("show", "A-1")["deadlines"] == []
    assert [f for f in network.j("tick", now="2022-12-31T00:00")["fired"] if f["ref"] == "A-1"] == []


def test_done_action_is_never_reminded_or_turned_overdue(network):
    network.ok("action", "add", "--title", "Send the report", "--owner", "BHR", "--due", "2021-09-01", actor=SEC, now="2021-06-03T15:00")
    network.ok("advance", "A-1", "complete", actor="bhr", now="2021-06-10T00:00")
    assert [f for f in network.j("simulate", "--until", "2022-01-01", now="2021-06-10T00:00")["fired"] if f["ref"] == "A-1"] == []
    assert _mail(network, "action_reminder") == [] and network.j("show", "A-1")["state"] == "done"


def test_chair_term_goes_from_designated_to_ended_and_its_holder_loses_the_chair(network):
    # İŞKUR's term (T-1) runs from 1 March 2021 for 24 months; designate the next one in advance.
    network.ok("org", "add", "IRN", "--name", "Ministry of Labour, Iran", "--kind", "member", actor=SEC, now="2022-12-01T00:00")
    network.ok("person", "add", "irn", "--name", "Reza Karimi", "--email", "irn@irn.example", "--org", "IRN", "--role", "focal_point",
               actor=SEC, now="2022-12-01T00:00")
    network.ok("term", "designate", "chair", "--org", "IRN", "--start", "2023-03-01", actor=SEC, now="2022-12-02T00:00")
    warned = network.j("tick", now="2022-12-02T00:00")["fired"]
    assert [(f["ref"], f["name"]) for f in warned] == [("T-1", "term_ending")]
    letter = _mail(network, "term_ending")
    assert [m["to"] for m in letter] == ["sec@sesric.example"]

    network.j("tick", now="2023-03-01T00:00")
    terms = {t["ref"]: t["state"] for t in network.j("term", "list")["terms"]}
    assert terms == {"T-1": "ended", "T-2": "active"}
    # İŞKUR's people no longer have the chair's powers; Iran's do.
    network.ok("meeting", "create", "--kind", "workshop", "--title", "Workshop", "--start", "2023-06-01T10:00", "--end", "2023-06-01T16:00",
               "--online", "--link", "https://video.example.org/m", actor=SEC, now="2023-03-02T00:00")
    network.ok("advance", "M-1", "convene", actor=SEC, now="2023-03-02T00:00")
    network.refused(3, "approve", "M-1", actor="iskur", now="2023-03-02T01:00")
    network.ok("approve", "M-1", actor="irn", now="2023-03-02T01:00")


def test_fired_trigger_whose_guard_fails_is_skipped_with_its_reason_not_retried(network):
    network.ok("action", "add", "--title", "Send the national report", "--owner", "BHR", "--due", "2021-09-30T12:00",
               actor=SEC, now="2021-06-03T15:00")
    # The due row was written for 30 September; the action's due time then moves on (as an old row outlives its
    # record's change), so when the row fires, `lapse`'s guard (the due time reached) no longer holds.
    later = datetime(2021, 12, 31, 9, 0, tzinfo=timezone.utc)
    network.sql("UPDATE actions SET due = :due WHERE id = 1", due=later.replace(tzinfo=None) if network.on_sqlite else later)
    fired = [f for f in network.j("tick", now="2021-09-30T12:05")["fired"] if f["name"] == "due"]
    assert [(f["status"], f["ref"]) for f in fired] == [("skipped", "A-1")]
    assert "cannot lapse A-1" in fired[0]["outcome"]
    assert network.j("show", "A-1")["state"] == "open"
    again = network.j("tick", now="2021-10-01T12:05")["fired"]
    assert [f for f in again if f["name"] == "due"] == []  # recorded once, never retried
    rows = [r for r in network.j("deadlines", "--all")["deadlines"] if r["ref"] == "A-1" and r["name"] == "due"]
    assert [r["status"] for r in rows] == ["skipped"]


def test_closing_comments_by_hand_cancels_the_deadline_row(network, tmp_path):
    _circulated_draft(network, tmp_path)
    network.ok("advance", "D-1", "close_comments", actor=SEC, now="2021-04-10T00:00")
    # Closing by hand cancels the deadline row; a fresh circulation gets a fresh period.
    assert [d["name"] for d in network.j("show", "D-1")["deadlines"]] == []
    all_rows = network.j("deadlines", "--all")["deadlines"]
    assert {r["status"] for r in all_rows if r["ref"] == "D-1"} == {"cancelled"}


def test_dry_run_shows_deadlines_and_letters_and_writes_nothing(network):
    network.ok("meeting", "create", "--kind", "general", "--title", "4th Network Meeting", "--start", "2023-06-06T10:00",
               "--end", "2023-06-07T16:00", "--online", "--link", "https://video.example.org/m", actor=SEC, now="2023-01-10T10:00")
    before = len(network.j("audit")["entries"])
    network.ok("advance", "M-1", "convene", actor=SEC, now="2023-01-11T10:00")
    preview = network.j("approve", "M-1", "--dry-run", actor="iskur", now="2023-01-11T11:00")
    assert preview["dry_run"] is True and preview["state"] == "convened"
    assert {d["name"] for d in preview["deadlines_cancelled"]} == {"notice_limit", "convene_by"}
    assert {(m["to"], m["lang"]) for m in preview["mail"]} >= {("bhr@bhr.example", "ar"), ("mar@mar.example", "fr"), ("jean@ilo.example", "en")}
    assert network.j("show", "M-1")["state"] == "planned"
    assert len(network.j("audit")["entries"]) == before + 1  # only the request, not the dry run


def test_status_says_the_scheduler_looks_dead_when_due_rows_wait(network, tmp_path):
    _circulated_draft(network, tmp_path)
    quiet = network("status", now="2021-04-02T00:00")
    assert quiet.code == 0 and "keeping up" in quiet.out
    dead = network("status", now="2021-04-20T00:00")
    assert "scheduler looks dead" in dead.out
    assert "scheduler looks dead" in network("deadlines", now="2021-04-20T00:00").err
    assert "scheduler looks dead" in network("show", "D-1", now="2021-04-20T00:00").err
    network.ok("tick", now="2021-04-20T00:00")
    assert network.j("status", now="2021-04-20T00:01")["scheduler_dead"] is False


def _break_rows(network) -> None:
    """Rows the files no longer back, as an edited workflow file or a hand in SQL leaves them; the first two sort first."""
    for name, kind, fire, audience, template in [("lost_audience", "escalation", None, "nosuch_audience", "comment_reminder"),
                                                 ("lost_trigger", "deadline", "nosuch_trigger", None, None)]:
        network.sql("INSERT INTO deadlines (ref, name, kind, due, status, scope, fire, audience, template, rule, created_at) "
                    "SELECT ref, :name, :kind, created_at, 'pending', scope, :fire, :audience, :template, rule, created_at "
                    "FROM deadlines WHERE ref = 'D-1' AND name = 'comment_deadline'",
                    name=name, kind=kind, fire=fire, audience=audience, template=template)
    first_reminder = network.sql("SELECT min(id) FROM deadlines WHERE ref = 'D-1' AND name = 'comment_reminder'")[0][0]
    network.sql("UPDATE deadlines SET template = 'nosuch_template' WHERE id = :id", id=first_reminder)


def test_broken_rows_due_first_fail_with_their_reason_and_every_row_after_them_still_fires(network, tmp_path):
    _circulated_draft(network, tmp_path)
    for handle, lang in (("sec_ar", "ar"), ("sec_fr", "fr")):
        network.ok("person", "add", handle, "--name", f"Secretariat {lang}", "--email", f"{handle}@sesric.example", "--org", "SESRIC",
                   "--lang", lang, "--role", "secretariat", actor=SEC, now="2021-04-01T11:00")
    _break_rows(network)
    before = len(network.j("outbox")["messages"])

    report = network.j("tick", now="2021-04-28T17:00")
    rows = [(f["name"], f["status"]) for f in _of(report, "D-1")]
    assert rows == [("lost_audience", "failed"), ("lost_trigger", "failed"), ("comment_reminder", "failed"),
                    ("comment_reminder", "fired")], report
    reasons = {f["name"] + ("" if f["status"] == "fired" else f"/{f['status']}"): f["outcome"] for f in _of(report, "D-1")}
    assert reasons["lost_audience/failed"].startswith("LookupError: ") and "nosuch_audience" in reasons["lost_audience/failed"]
    assert reasons["lost_trigger/failed"].startswith("LookupError: ") and "nosuch_trigger" in reasons["lost_trigger/failed"]
    assert reasons["comment_reminder/failed"].startswith("LookupError: ") and "nosuch_template" in reasons["comment_reminder/failed"]
    assert all("\n" not in r and "Traceback" not in r for r in reasons.values())
    # The row due after the broken ones wrote to every focal point, none having commented.
    assert len(_mail(network, "comment_reminder")) == 6

    told = _mail(network, "deadline_failed")
    assert sorted({(m["to"], m["lang"]) for m in told}) == [("sec@sesric.example", "en"), ("sec_ar@sesric.example", "ar"),
                                                             ("sec_fr@sesric.example", "fr")]
    assert len(told) == 9 and all(m["ref"] == "D-1" for m in told)
    assert {m["subject"] for m in told} == {"[OIC-PESNET] D-1: A deadline could not be acted on",
                                            "[OIC-PESNET] D-1: تعذّر تنفيذ أحد المواعيد",
                                            "[OIC-PESNET] D-1: Une échéance n'a pas pu être traitée"}
    assert report["queued_mail"] == len(network.j("outbox")["messages"]) - before
    assert sum(f["letters"] for f in _of(report, "D-1")) == 6 + 9

    listed = {(r["name"], r["status"]) for r in network.j("deadlines", "--all")["deadlines"] if r["ref"] == "D-1"}
    assert {("lost_audience", "failed"), ("lost_trigger", "failed"), ("comment_reminder", "failed")} <= listed
    assert not any(r["status"] == "failed" for r in network.j("deadlines")["deadlines"])
    audited = [e for e in network.j("audit", "D-1")["entries"] if e["trigger"] == "deadline_failed"]
    assert [e["detail"]["deadline"] for e in audited] == ["lost_audience", "lost_trigger", "comment_reminder"]
    assert all(e["actor"] == "system" and e["reason"].startswith("LookupError") for e in audited)

    # A failed row is never retried: the same tick again changes nothing, and a later one fires only what is due.
    again = network.j("tick", now="2021-04-28T17:00")
    assert again["fired"] == [] and again["queued_mail"] == 0
    closed = network.j("tick", now="2021-05-01T17:00")
    assert [(f["name"], f["status"]) for f in _of(closed, "D-1")] == [("comment_deadline", "fired")]
    assert network.j("show", "D-1")["state"] == "comments_closed"
    assert len(_mail(network, "deadline_failed")) == 9
    assert network.j("status", now="2021-05-01T17:00")["deadlines_failed"] == 3
    assert network.j("audit", "verify")["ok"] is True


def test_a_row_whose_record_is_gone_fails_alone(network, tmp_path):
    _circulated_draft(network, tmp_path)
    network.sql("UPDATE deadlines SET ref = 'D-99' WHERE ref = 'D-1' AND name = 'comment_reminder'")
    report = network.j("tick", now="2021-05-01T17:00")
    rows = [f for f in report["fired"] if f["ref"] in ("D-1", "D-99")]
    assert [(f["ref"], f["name"], f["status"]) for f in rows] == [
        ("D-99", "comment_reminder", "failed"), ("D-99", "comment_reminder", "failed"), ("D-1", "comment_deadline", "fired")]
    assert rows[0]["outcome"] == "BadInput: there is no document D-99."


def test_deadlines_lists_the_soonest_hundred_by_default_says_more_wait_and_limit_shows_them(network):
    from tests.test_scheduler import _make_actions

    _make_actions(network)  # hundreds of pending rows
    pending = network.sql("SELECT count(*) FROM deadlines WHERE status = 'pending'")[0][0]
    assert pending > 100
    first = network.j("deadlines", now="2021-03-02T09:00")
    assert len(first["deadlines"]) == 100 and first["more"] is True and first["limit"] == 100
    assert [d["due"] for d in first["deadlines"]] == sorted(d["due"] for d in first["deadlines"])
    every = network.j("deadlines", "--limit", str(pending), now="2021-03-02T09:00")
    assert len(every["deadlines"]) == pending and every["more"] is False
    assert every["deadlines"][:100] == first["deadlines"]
    assert set(every["deadlines"][0]) >= {"ref", "name", "kind", "due", "status"}
    text = network.ok("deadlines", now="2021-03-02T09:00").out
    assert "more wait: gov deadlines --limit 1000" in text


def test_in_one_batch_a_letter_after_the_chair_changes_hands_goes_to_the_new_chair(network):
    """Tick looks audiences up once per batch: a row that hands the office over (the next term's start) must make the
    rows after it in the same batch write to the new holder, not to the one a row before it looked up."""
    def overdue_action(title: str, now: str) -> None:  # due at the very moment the chair changes hands
        network.ok("action", "add", "--title", title, "--owner", "EGY", "--due", "2023-03-01T00:00", actor=SEC, now=now)

    overdue_action("Before the designation", "2021-06-01T09:00")  # A-1: its row fires before the terms' rows
    network.ok("term", "designate", "chair", "--org", "BHR", "--start", "2023-03-01", actor=SEC, now="2021-06-01T10:00")
    overdue_action("After the designation", "2021-06-02T10:00")  # its row fires after them
    network.ok("tick", now="2023-02-28T23:00")  # everything before (reminders) out of the way
    fired = [(f["ref"], f["name"]) for f in network.j("tick", now="2023-03-01T00:00")["fired"]]
    assert fired.index(("A-1", "due")) < fired.index(("T-2", "term_start")) < fired.index(("A-2", "due")), fired
    letters = [(m["subject"], m["to"]) for m in network.j("outbox")["messages"] if m["template"] == "action_overdue"]
    after = {to for subject, to in letters if "A-2:" in subject}
    assert "bhr@bhr.example" in after and "iskur@iskur.example" not in after, letters
