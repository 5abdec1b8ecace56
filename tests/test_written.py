"""Decisions between meetings, in writing (W-n): silence kept or broken, written votes counted by member organisation,
proof of notice, and the races a deadline invites. In process against the service, on both stores."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.service.written_count import Tally, count, needed_share
from tests.conftest import Gov

SEC = "sec"
NOW = "2021-04-01T10:00"
UNTIL = "2021-04-15T17:00"  # fourteen days on ([decisions.written] silence_days and vote_days), at the rules' deadline hour
TEXT = "1. A working group on labour market information systems is set up.\n\n2. It reports twice a year.\n\n3. Its first report goes to the 4th meeting.\n"


def _document(network: Gov, tmp_path: Path, title: str = "Terms of reference: working group") -> str:
    path = tmp_path / f"{abs(hash(title))}.txt"
    path.write_text(TEXT, encoding="utf-8")
    return network.j("doc", "create", "--type", "report", "--title", title, "--file", str(path), actor=SEC, now=NOW)["ref"]


def _start(network: Gov, tmp_path: Path, mode: str = "silence", *extra: str) -> dict[str, Any]:
    document = _document(network, tmp_path)
    return network.j("written", "start", document, "--mode", mode, *extra, actor=SEC, now=NOW)


def _rules(network: Gov, old: str, new: str) -> None:
    path = network.folder / "rules" / "oic-pesnet.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _alternate(network: Gov, handle: str = "bhr2", org: str = "BHR", lang: str = "ar") -> None:
    network.ok("person", "add", handle, "--name", f"Alternate {handle}", "--email", f"{handle}@{org.lower()}.example", "--org", org,
               "--lang", lang, "--role", "alternate", actor=SEC, now=NOW)


def _letters(network: Gov, template: str, ref: str | None = None) -> list[tuple[str, str]]:
    rows = network.sql("SELECT recipient, body_text, ref FROM outbox WHERE template = :t ORDER BY id", t=template)
    return [(to, body) for to, body, on in rows if ref is None or on == ref]


def _vote(network: Gov, ref: str, actor: str, position: str, now: str = "2021-04-02T10:00", *extra: str) -> dict[str, Any]:
    return network.j("written", "vote", ref, "--position", position, *extra, actor=actor, now=now)


MEMBERS = ("iskur", "bhr", "mar", "egy", "idn", "sen")  # the focal points of the six members (tests/conftest.py)


# -- silence ------------------------------------------------------------------------------------------------------------

def test_silence_kept_to_the_deadline_adopts_the_procedure_and_its_document_through_its_workflow_citing_the_rule(network, tmp_path):
    started = _start(network, tmp_path, "silence", "--reason", "Agreed at the focal-point meeting.")
    assert {"ref": "W-1", "state": "open", "pending_approval": None, "document": "D-1", "mode": "silence"}.items() <= started.items()
    assert started["until"] == "2021-04-15T17:00+03:00"
    assert network.j("show", "D-1")["state"] == "in_writing"
    notices = _letters(network, "written_silence")
    assert sorted(to.split("@")[0] for to, _ in notices) == sorted(MEMBERS)  # every member's focal point, nobody else
    assert all("gov written object W-1 --para N" in body for _, body in notices)
    (tmp_path / "revised.txt").write_text("1. Another text.\n", encoding="utf-8")
    network.refused(4, "doc", "revise", "D-1", "--file", str(tmp_path / "revised.txt"), actor=SEC, now=NOW)  # its text is locked
    network.ok("send", now="2021-04-01T10:05")
    early = network.j("tick", now="2021-04-15T16:59")["fired"]
    assert [f["status"] for f in early if f["ref"] == "W-1"] == ["skipped"]  # a vote's reminder: a silence procedure has none
    assert network.j("show", "W-1")["state"] == "open"
    fired = network.j("tick", now=UNTIL)["fired"]
    assert {"ref": "W-1", "name": "deadline", "kind": "deadline"}.items() <= fired[0].items()
    assert network.j("show", "W-1")["state"] == "adopted"
    document = network.j("audit", "D-1")["entries"]
    adoption = [e for e in document if e["trigger"] == "adopt_in_writing"][0]
    assert adoption["to"] == "adopted" and adoption["rule"].startswith("RoP Art. 10") and adoption["reason"].startswith("W-1 adopted")
    assert network.j("show", "D-1")["state"] == "adopted"
    adopted = _letters(network, "written_adopted")
    assert {to.split("@")[0] for to, _ in adopted} == set(MEMBERS) | {"sec"}
    assert "no member objected by the deadline" in dict(adopted)["idn@idn.example"]
    assert network.j("audit", "verify")["ok"] is True


def test_an_objection_breaks_silence_at_once_and_everyone_is_told_who_and_why_then_a_linked_vote_opens(network, tmp_path):
    _start(network, tmp_path)
    broke = network.j("written", "object", "W-1", "--text", "The group should report to the network meeting.", "--para", "2",
                      actor="egy", now="2021-04-03T10:00")
    assert broke["state"] == "broken" and broke["followed_by"] == "W-2"
    assert {"org": "EGY", "by": "egy", "para": 2, "kind": "objection"}.items() <= broke["objection"].items()
    shown = network.j("show", "W-1", actor=SEC)
    assert shown["objections"][0]["text"] == "The group should report to the network meeting." and shown["followed_by"] == "W-2"
    audit = network.j("audit", "W-1")["entries"]
    assert [e["trigger"] for e in audit[-2:]] == ["object", "break_silence"] and audit[-1]["actor"] == "egy"
    told = dict(_letters(network, "written_broken"))
    assert set(told) == {f"{h}@{h}.example" for h in MEMBERS} | {"sec@sesric.example"}  # every member, the chair (İŞKUR's), the secretariat
    assert "Omar Hassan, for Ministry of Manpower, Egypt, objected to paragraph 2" in told["idn@idn.example"]
    assert "a written vote of the members, W-2" in told["idn@idn.example"]
    vote = network.j("show", "W-2", actor=SEC)
    assert (vote["state"], vote["mode"], vote["follows"], vote["document"]) == ("open", "vote", "W-1", "D-1")
    assert len(_letters(network, "written_vote", "W-2")) == len(MEMBERS)
    assert network.j("show", "D-1")["state"] == "in_writing"  # the same text, still before the members
    network.refused(4, "written", "object", "W-1", "--text", "Me too.", actor="mar", now="2021-04-03T11:00")


def test_with_the_meeting_fallback_the_document_comes_back_onto_the_next_meetings_agenda(network, tmp_path):
    _rules(network, 'fallback = "vote"', 'fallback = "meeting"')
    network.ok("meeting", "create", "--kind", "general", "--title", "4th Network Meeting", "--start", "2021-09-01T10:00",
               "--end", "2021-09-02T16:00", "--venue", "Ankara", actor=SEC, now=NOW)
    _start(network, tmp_path)
    network.ok("written", "object", "W-1", "--text", "Not before the meeting.", "--amendment", actor="mar", now="2021-04-02T10:00")
    assert network.j("show", "W-1")["state"] == "broken" and network.j("show", "W-1")["followed_by"] is None
    document = network.j("show", "D-1")
    assert document["state"] == "comments_closed" and document["fields"]["meeting"] == "M-1"
    assert network.j("audit", "D-1")["entries"][-1]["trigger"] == "to_meeting"
    assert "to the agenda of the next meeting, 4th Network Meeting" in dict(_letters(network, "written_broken"))["idn@idn.example"]


# -- votes --------------------------------------------------------------------------------------------------------------

def test_a_member_speaks_once_its_latest_position_before_the_deadline_counts_and_its_others_are_told(network, tmp_path):
    _alternate(network)
    _start(network, tmp_path, "vote")
    _vote(network, "W-1", "bhr", "against", "2021-04-02T10:00", "--statement", "Dates are missing.")
    replaced = _vote(network, "W-1", "bhr2", "for", "2021-04-05T10:00")
    assert replaced["position"] == {"org": "BHR", "by": "bhr2", "at": "2021-04-05T10:00+03:00", "position": "for", "statement": None}
    shown = network.j("show", "W-1", actor=SEC)
    assert [(p["org"], p["position"], p["by"]) for p in shown["positions"]] == [("BHR", "for", "bhr2")]
    assert [(p["org"], p["position"], p["by"]) for p in shown["earlier_positions"]] == [("BHR", "against", "bhr")]
    votes = [e for e in network.j("audit", "W-1")["entries"] if e["trigger"] == "vote"]
    assert [e["actor"] for e in votes] == ["bhr", "bhr2"] and votes[1]["detail"]["replaces"]["position"] == "against"
    told = _letters(network, "written_spoken")
    assert [to for to, _ in told] == ["bhr2@bhr.example", "bhr@bhr.example"]  # each time, the member's other voice
    for handle in ("iskur", "mar"):
        _vote(network, "W-1", handle, "for")
    _vote(network, "W-1", "egy", "abstain")
    network.refused(4, "written", "vote", "W-1", "--position", "against", actor="sen", now=UNTIL)  # the deadline has come
    network.ok("tick", now=UNTIL)
    closed = network.j("show", "W-1", actor=SEC)
    assert closed["state"] == "adopted" and closed["count"] == {"for": 3, "against": 0, "abstain": 1, "members": 6, "taking_part": 4,
                                                                "quorum": 3, "carried": True, "why": "carried: 3 for, 0 against, 1 abstaining"}
    adopt = [e for e in network.j("audit", "W-1")["entries"] if e["trigger"] == "adopt"][0]
    assert adopt["actor"] == "system" and adopt["detail"]["votes"] == {"for": 3, "against": 0, "abstaining": 1}
    assert "3 members voted for, 0 against and 1 abstaining; 4 of the 6 members took part" in dict(_letters(network, "written_adopted"))["idn@idn.example"]


def test_a_vote_short_of_its_quorum_is_not_adopted_and_its_document_comes_back(network, tmp_path):
    _start(network, tmp_path, "vote")
    _vote(network, "W-1", "iskur", "for")
    _vote(network, "W-1", "bhr", "for")
    fired = network.j("tick", now=UNTIL)["fired"]
    outcomes = [(f["name"], f["outcome"]) for f in fired if f["ref"] == "W-1"][-2:]
    assert outcomes[0][0] == "deadline" and outcomes[0][1].startswith(
        "cannot adopt W-1: the vote is not carried: no quorum: 2 of 6 members took part, 3 needed")
    assert outcomes[1] == ("vote_count", "-> not_adopted")
    assert network.j("show", "D-1")["state"] == "comments_closed"
    letter = dict(_letters(network, "written_not_adopted"))["mar@mar.example"]
    assert "2 membres ont voté pour" in letter and "soit moins que les 3 requis pour le quorum" in letter


@pytest.mark.parametrize(("majority", "of", "votes", "adopted"), [
    ("simple", "voting", ("for", "for", "for", "against", "against"), True),
    ("two_thirds", "voting", ("for", "for", "for", "against", "against"), False),
    ("two_thirds", "voting", ("for", "for", "for", "for", "against", "against"), True),
    ("simple", "members", ("for", "for", "for", "abstain"), False),  # three of six members is not more than half
    ("simple", "members", ("for", "for", "for", "for"), True),
], ids=["simple-of-voting", "two-thirds-short", "two-thirds-met", "half-of-all-members-is-not-a-majority", "majority-of-all-members"])
def test_the_majority_the_rules_name_decides_the_outcome(network, tmp_path, majority, of, votes, adopted):
    _rules(network, 'majority = "simple"', f'majority = "{majority}"')
    _rules(network, 'majority_of = "voting"', f'majority_of = "{of}"')
    _start(network, tmp_path, "vote")
    for handle, position in zip(MEMBERS, votes):
        _vote(network, "W-1", handle, position)
    network.ok("tick", now=UNTIL)
    assert network.j("show", "W-1")["state"] == ("adopted" if adopted else "not_adopted")


def test_reminders_go_only_to_the_members_that_have_not_voted(network, tmp_path):
    _alternate(network)
    _start(network, tmp_path, "vote")
    for handle in ("iskur", "bhr2", "mar"):
        _vote(network, "W-1", handle, "for")
    network.ok("tick", now="2021-04-12T17:00")  # three days before ([decisions.written] reminder_days_before)
    reminded = [to for to, _ in _letters(network, "written_reminder")]
    assert sorted(reminded) == ["egy@egy.example", "idn@idn.example", "sen@sen.example"]  # not BHR: its alternate spoke


def test_silence_procedures_send_no_vote_reminders(network, tmp_path):
    _start(network, tmp_path)
    network.ok("tick", now="2021-04-12T17:00")
    assert _letters(network, "written_reminder") == []


# -- who speaks, and when -------------------------------------------------------------------------------------------------

def test_only_a_members_focal_point_or_alternate_speaks_and_only_as_the_mode_and_the_deadline_allow(network, tmp_path):
    _start(network, tmp_path)
    audit_before = len(network.j("audit")["entries"])
    assert "focal point or alternate" in network.refused(3, "written", "object", "W-1", "--text", "No.", actor=SEC, now=NOW).err
    network.refused(3, "written", "object", "W-1", "--text", "No.", actor="ilo", now=NOW)  # an observer does not decide
    assert "silence procedure" in network.refused(4, "written", "vote", "W-1", "--position", "for", actor="bhr", now=NOW).err
    assert "paragraphs 1 to 3" in network.refused(2, "written", "object", "W-1", "--text", "No.", "--para", "9", actor="bhr", now=NOW).err
    network.refused(2, "written", "object", "W-1", "--text", "  ", actor="bhr", now=NOW)
    network.refused(2, "written", "vote", "W-1", "--position", "maybe", actor="bhr", now=NOW)
    network.refused(2, "written", "object", "D-1", "--text", "No.", actor="bhr", now=NOW)
    refused = network.refused(4, "written", "object", "W-1", "--text", "Too late.", actor="bhr", now=UNTIL, json_out=True)
    assert "deadline" in refused.error["message"] and refused.error["rule"].startswith("RoP Art. 10")
    network.refused(3, "advance", "W-1", "break_silence", actor=SEC, now=NOW)
    network.refused(4, "advance", "W-1", "break_silence", actor="bhr", now=NOW)  # silence is broken by an objection on record
    assert len(network.j("audit")["entries"]) == audit_before
    _document(network, tmp_path, "Second text")
    network.ok("written", "start", "D-2", "--mode", "vote", actor=SEC, now=NOW)
    assert "votes against" in network.refused(4, "written", "object", "W-2", "--text", "No.", actor="bhr", now=NOW).err
    network.refused(2, "written", "start", "D-2", "--mode", "show", actor=SEC, now=NOW)
    network.refused(4, "written", "start", "D-1", "--mode", "vote", actor=SEC, now=NOW)  # already before the members
    network.refused(2, "written", "start", "D-1", "--mode", "vote", "--until", "2021-03-01", actor=SEC, now=NOW)
    network.refused(3, "written", "start", "D-1", "--mode", "vote", actor="bhr", now=NOW)


def test_a_withdrawn_procedure_hands_its_document_back_and_tells_the_members(network, tmp_path):
    _start(network, tmp_path)
    network.refused(2, "written", "withdraw", "W-1", "--reason", " ", actor=SEC, now=NOW)
    assert network.j("written", "withdraw", "W-1", "--reason", "A new draft follows.", actor=SEC, now="2021-04-02T10:00")["state"] == "withdrawn"
    assert network.j("show", "D-1")["state"] == "comments_closed"
    assert len(_letters(network, "written_withdrawn")) == len(MEMBERS)
    assert [d for d in network.j("deadlines")["deadlines"] if d["ref"] == "W-1"] == []  # its rows went with it


def test_reservations_are_annexed_to_the_decision_and_printed_with_it(network, tmp_path):
    _start(network, tmp_path, "vote")
    for handle in ("iskur", "bhr", "mar"):
        _vote(network, "W-1", handle, "for")
    network.ok("written", "reserve", "W-1", "--text", "Le Maroc participera dans la limite de ses ressources.", actor="mar",
               now="2021-04-03T10:00")
    network.ok("tick", now=UNTIL)
    letter = dict(_letters(network, "written_adopted"))["idn@idn.example"]
    assert "Annexed to the decision:" in letter and "reservation: Le Maroc participera" in letter
    annexed = network.j("written", "reserve", "W-1", "--text", "Bahrain reads §2 as twice a year at most.", "--kind", "statement",
                        actor="bhr", now="2021-04-20T10:00")
    assert annexed["state"] == "adopted" and annexed["reservation"]["kind"] == "statement"
    assert [(r["org"], r["kind"]) for r in network.j("show", "W-1")["reservations"]] == [("MAR", "reservation"), ("BHR", "statement")]


def test_when_the_rules_ask_the_chair_approves_before_anything_goes_out(network, tmp_path):
    _rules(network, 'approval = "none"', 'approval = "chair"')
    started = _start(network, tmp_path)
    assert started["state"] == "proposed" and started["pending_approval"] == {"trigger": "launch", "by": SEC}
    assert _letters(network, "written_silence") == [] and [to for to, _ in _letters(network, "approval_requested")] == ["iskur@iskur.example"]
    assert network.j("show", "D-1")["state"] == "draft"
    network.ok("approve", "W-1", actor="iskur", now="2021-04-02T10:00")
    shown = network.j("show", "W-1")
    assert shown["state"] == "open" and shown["until"] == "2021-04-16T17:00+03:00"  # counted from the opening
    assert len(_letters(network, "written_silence")) == len(MEMBERS)


# -- proof of notice ---------------------------------------------------------------------------------------------------

def test_no_adoption_by_silence_while_a_member_has_had_no_delivered_notice_and_the_secretariat_is_told(network, tmp_path):
    _start(network, tmp_path)
    fired = {f["name"]: f for f in network.j("tick", now=UNTIL)["fired"]}  # nothing was ever sent
    assert "cannot be adopted by silence while BHR, EGY, IDN, ISKUR, MAR, SEN have had no delivered notice" in fired["deadline"]["outcome"]
    assert network.j("show", "W-1")["state"] == "open"
    assert [to for to, _ in _letters(network, "written_notice_missing")] == ["sec@sesric.example"]
    refused = network.refused(4, "advance", "W-1", "adopt", actor=SEC, now="2021-04-15T18:00", json_out=True)
    assert "no delivered notice" in refused.error["message"] and refused.error["rule"].startswith("RoP Art. 10 (decisions between")
    network.ok("send", now="2021-04-15T18:00")
    assert all(row["delivered"] for row in network.j("show", "W-1")["notice"])
    assert network.j("advance", "W-1", "adopt", actor=SEC, now="2021-04-15T18:05")["state"] == "adopted"


def test_an_undelivered_notice_is_relayed_to_the_members_alternates_and_the_secretariat_is_told(network, tmp_path):
    from tests.test_delivery_faults import Server
    from tests.test_mail import _send, _use_smtp

    server = Server()
    server.start()
    try:
        _use_smtp(network, server.port)
        _alternate(network, "egy2", "EGY", "en")
        _start(network, tmp_path)
        server.handler.refuse = {"egy@egy.example": "550 5.1.1 mailbox unavailable", "sen@sen.example": "550 5.1.1 mailbox unavailable"}
        _send(network, "2021-04-01T10:05")
        relayed = _letters(network, "written_silence")[len(MEMBERS) + 1:]
        assert [to for to, _ in relayed] == ["egy2@egy.example"]  # Senegal has no one else to write to
        assert "The letter opening this procedure to Omar Hassan, of Ministry of Manpower, Egypt, could not be delivered" in relayed[0][1]
        told = dict(_letters(network, "written_unreached"))["sec@sesric.example"]
        assert "the letter to Omar Hassan could not be delivered; Alternate egy2 was written to in its place" in told
        assert "Agence nationale pour l'emploi, Senegal: the letter to Awa Diop could not be delivered, and the member has no other" in told
        entry = [e for e in network.j("audit", "W-1")["entries"] if e["trigger"] == "notice_relayed"]
        assert [e["detail"]["org"] for e in entry] == ["EGY", "SEN"] and entry[0]["detail"]["relayed"] == ["egy2"]
        _send(network, "2021-04-01T10:10")
        notice = {row["org"]: row["delivered"] for row in network.j("show", "W-1")["notice"]}
        assert notice["EGY"] is True and notice["SEN"] is False
        network.ok("tick", now=UNTIL)
        assert network.j("show", "W-1")["state"] == "open"  # Senegal was never reached
    finally:
        server.stop()


# -- races ---------------------------------------------------------------------------------------------------------------

def _at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; each result, or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - a refusal is one of the outcomes under test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _acting(network: Gov, now: str, actor: str | None, work: Callable[[Any], Any]) -> Callable[[], Any]:
    def call() -> Any:
        from governance.service.context import open_instance
        from governance.service.transaction import change

        instance = open_instance(network.config, now)
        try:
            return change(instance, actor, work)[0]
        finally:
            instance.db.dispose()

    return call


def test_an_objection_in_the_deadlines_last_second_and_the_close_never_both_stand(network, tmp_path):
    from governance.errors import GovError
    from governance.service import written
    from governance.service.tick import tick

    _start(network, tmp_path)
    network.ok("send", now="2021-04-01T10:05")

    def close() -> Any:
        from governance.service.context import open_instance

        instance = open_instance(network.config, UNTIL)
        try:
            return tick(instance)
        finally:
            instance.db.dispose()

    objection, _closed = _at_once(_acting(network, "2021-04-15T16:59:59", "bhr", lambda op: written.object_(op, "W-1", "Last second.")),
                                  close)
    state = network.j("show", "W-1")["state"]
    objections = network.sql("SELECT count(*) FROM written_objections")[0][0]
    if state == "broken":
        assert objections == 1 and network.j("show", "W-2")["mode"] == "vote" and network.j("show", "D-1")["state"] == "in_writing"
    else:
        assert state == "adopted" and objections == 0 and isinstance(objection, GovError)
        assert network.j("show", "D-1")["state"] == "adopted"
    assert network.j("audit", "verify")["ok"] is True


def test_two_voices_of_one_member_at_once_leave_one_position_that_counts(network, tmp_path):
    from governance.service import written

    _alternate(network)
    _start(network, tmp_path, "vote")
    results = _at_once(_acting(network, "2021-04-02T10:00", "bhr", lambda op: written.vote(op, "W-1", "against").id),
                       _acting(network, "2021-04-02T10:00", "bhr2", lambda op: written.vote(op, "W-1", "for").id))
    assert all(isinstance(r, int) for r in results), results
    current = network.sql("SELECT org_id FROM written_positions WHERE superseded_at IS NULL")
    assert len(current) == 1 and len(network.sql("SELECT id FROM written_positions")) == 2
    assert len(network.j("show", "W-1")["positions"]) == 1 and len(network.j("show", "W-1")["earlier_positions"]) == 1
    assert [e["actor"] for e in network.j("audit", "W-1")["entries"] if e["trigger"] == "vote"] in (["bhr", "bhr2"], ["bhr2", "bhr"])


# -- the CLI contract, as a process ---------------------------------------------------------------------------------------

def test_the_written_commands_answer_the_json_keys_cli_md_names(network, tmp_path):
    gov = network.as_process()
    _alternate(network)
    _document(network, tmp_path)
    started = gov.j("written", "start", "D-1", "--mode", "vote", "--until", "2021-04-10", actor=SEC, now=NOW)
    assert started["ref"] == "W-1" and started["state"] == "open" and started["until"] == "2021-04-10T17:00+03:00"
    assert gov.j("written", "vote", "W-1", "--position", "for", "--statement", "Yes.", actor="bhr2", now=NOW)["position"]["org"] == "BHR"
    shown = gov.j("show", "W-1", actor="bhr", now=NOW)
    assert shown["positions"] == [{"org": "BHR", "position": "for", "by": "bhr2", "at": "2021-04-01T10:00+03:00", "statement": "Yes."}]
    assert shown["objections"] == [] and shown["reservations"] == [] and "gov written vote W-1 --position for|against|abstain" in shown["commands"]
    refused = gov("written", "vote", "W-1", "--position", "for", actor=SEC, now=NOW, json_out=True)
    assert refused.code == 3 and refused.error["rule"].startswith("RoP Art. 10") and "Traceback" not in refused.err
    assert gov.j("written", "withdraw", "W-1", "--reason", "Superseded.", actor=SEC, now=NOW) == {
        "ref": "W-1", "state": "withdrawn", "pending_approval": None}


# -- the count, as arithmetic ----------------------------------------------------------------------------------------------

tallies = st.builds(lambda f, a, b, extra: Tally(f, a, b, f + a + b + extra),
                    st.integers(0, 40), st.integers(0, 40), st.integers(0, 40), st.integers(0, 40))
rules = st.sampled_from(["simple", "two_thirds"]), st.sampled_from(["voting", "members"]), st.sampled_from([0.0, 0.25, 0.5, 2 / 3, 1.0])


@settings(max_examples=400, deadline=None)
@given(tally=tallies, majority=rules[0], base=rules[1], quorum=rules[2])
def test_one_more_vote_for_never_loses_a_carried_vote_and_one_more_against_never_carries_a_lost_one(tally, majority, base, quorum):
    verdict = count(tally, majority, base, quorum)
    if verdict.carried:
        assert count(Tally(tally.in_favour + 1, tally.against, tally.abstaining, tally.members + 1), majority, base, quorum).carried
    if verdict.quorum_met and not verdict.carried:
        assert not count(Tally(tally.in_favour, tally.against + 1, tally.abstaining, tally.members + 1), majority, base, quorum).carried


@settings(max_examples=400, deadline=None)
@given(tally=tallies, base=rules[1], quorum=rules[2])
def test_two_thirds_carries_only_what_a_simple_majority_carries(tally, base, quorum):
    if count(tally, "two_thirds", base, quorum).carried:
        assert count(tally, "simple", base, quorum).carried


@settings(max_examples=400, deadline=None)
@given(tally=tallies, majority=rules[0], quorum=rules[2])
def test_a_majority_of_all_members_is_a_majority_of_those_voting_too(tally, majority, quorum):
    if count(tally, majority, "members", quorum).carried:
        assert count(tally, majority, "voting", quorum).carried


@settings(max_examples=400, deadline=None)
@given(tally=tallies, majority=rules[0], base=rules[1], quorum=rules[2])
def test_nothing_is_carried_without_a_quorum_or_a_vote_for(tally, majority, base, quorum):
    verdict = count(tally, majority, base, quorum)
    if verdict.carried:
        assert tally.in_favour >= 1 and tally.taking_part >= max(needed_share(quorum, tally.members), 1)
        assert 3 * tally.in_favour >= 2 * (tally.in_favour + tally.against) or majority == "simple"
        assert tally.in_favour > tally.against


@pytest.mark.parametrize(("tally", "majority", "base", "carried"), [
    (Tally(4, 2, 0, 7), "two_thirds", "voting", True),   # exactly two for each one against
    (Tally(3, 2, 0, 7), "two_thirds", "voting", False),
    (Tally(4, 0, 0, 7), "simple", "members", True),      # four of seven is more than half
    (Tally(3, 0, 3, 6), "simple", "members", False),     # three of six is half, not more
    (Tally(5, 0, 0, 7), "two_thirds", "members", True),  # five of seven is at least two-thirds (4.67)
    (Tally(4, 0, 0, 7), "two_thirds", "members", False),
    (Tally(2, 1, 0, 7), "simple", "voting", False),      # three of seven take part: no quorum at one half (four needed)
], ids=["two-for-each-against", "short-of-two-thirds", "four-of-seven", "half-is-not-a-majority", "five-of-seven", "four-of-seven-short",
        "no-quorum"])
def test_the_count_by_hand(tally, majority, base, carried):
    assert count(tally, majority, base, 0.5).carried is carried


def test_an_instance_made_before_written_procedures_opens_without_them_and_says_how_to_add_them(gov, tmp_path) -> None:
    """An older instance: no written.toml, a document workflow without the triggers a procedure fires. It opens and
    works as before; `written start` says what to bring in; with written.toml alone, rules check names the triggers."""
    import re as _re

    from governance.config import shipped_defaults

    workflows = gov.folder / "workflows"
    (workflows / "written.toml").unlink()
    document = (workflows / "document.toml").read_text(encoding="utf-8")
    for trigger in ("submit_in_writing", "adopt_in_writing", "return_from_writing"):
        document = _re.sub(rf"(?ms)^\[triggers\.{trigger}\]\n.*?(?=^\[|\Z)", "", document)
    document = _re.sub(r"(?ms)^\[states\.in_writing\]\n.*?(?=^\[|\Z)", "", document)
    (workflows / "document.toml").write_text(document, encoding="utf-8")
    assert gov("rules", "check").code == 0, gov("rules", "check")
    gov.ok("org", "add", "SESRIC", "--name", "SESRIC", "--kind", "secretariat", "--country", "TUR", now="2021-03-01T09:00")
    gov.ok("person", "add", "sec", "--name", "Sec", "--email", "sec@sesric.example", "--org", "SESRIC", "--role", "secretariat",
           now="2021-03-01T09:00")
    text = tmp_path / "d.txt"
    text.write_text("1. One.\n", encoding="utf-8")
    gov.ok("doc", "create", "--type", "rop", "--title", "Draft", "--file", str(text), actor="sec", now="2021-03-01T09:00")
    refused = gov.refused(2, "written", "start", "D-1", "--mode", "silence", actor="sec", now="2021-03-01T09:00")
    assert "no written.toml" in refused.err
    (workflows / "written.toml").write_text((shipped_defaults() / "workflows" / "written.toml").read_text(encoding="utf-8"),
                                            encoding="utf-8")
    checked = gov("rules", "check")
    assert checked.code == 2 and "no trigger 'adopt_in_writing'; the written workflow relies on it" in checked.out + checked.err
