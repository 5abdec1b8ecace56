"""The newcomer's path: `gov demo` replays OIC-PESNET 2021-2023, and `show` and refusals say what to do next."""

from __future__ import annotations

import email
import shlex
import subprocess
from email import policy

from tests.conftest import Gov


def test_demo_replays_the_cycle_prints_its_timeline_and_leaves_letters_in_three_languages(tmp_path):
    folder = tmp_path / "demo"
    gov = Gov(tmp_path)  # run from the parent: the demo makes its own folder
    plain = gov("demo", "--dir", str(folder))
    assert plain.code == 0, plain
    timeline = plain.out
    for moment in ("circulated: comment period opens", "comments on D-3 §4 (in Arabic)", "(in French)", "reminder comment_reminder",
                   "-> comments_closed", "adopted by consensus", "endorsed", "A-2 (focal-point meeting, due June 2022)",
                   "A-1 deadline due: -> overdue", "A-1 escalation", "T-2 reminder term_ending", "T-2 deadline term_end: -> ended",
                   "Summary", "Explore further:"):
        assert moment in timeline, moment
    # The hints paste as they stand: each runs and succeeds.
    hints = timeline.split("Explore further:", 1)[1].strip().split("\n\n")[0].splitlines()
    assert len(hints) == 4
    # It ends with the command that serves its instance (tests/test_web_serve.py runs it).
    assert timeline.strip().splitlines()[-1].strip().endswith(f"--config {folder / 'config.toml'} serve")
    for hint in hints:
        ran = subprocess.run(shlex.split(hint), capture_output=True, text=True, timeout=120)
        assert ran.returncode == 0, (hint, ran.stderr)
    summary = gov.j("demo", "--dir", str(tmp_path / "again"))
    assert summary["records"]["meeting"]["closed"] == 2 and summary["records"]["document"]["published"] == 2
    assert summary["records"]["term"] == {"ended": 2} and summary["records"]["action"]["overdue"] >= 1
    assert summary["records"]["written"] == {"adopted": 2, "broken": 1}
    assert set(summary["letters_by_language"]) == {"en", "ar", "fr"}
    letters = sorted((folder / "mail" / "new").glob("*.eml"))
    assert len(letters) == sum(summary["letters_by_language"].values()) == summary["letters_delivered"]
    arabic = [m for m in (email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in letters) if m["Content-Language"] == "ar"]
    assert arabic and 'dir="rtl"' in arabic[0].get_body(("html",)).get_content()
    assert Gov(folder).j("audit", "verify")["ok"] is True


def test_demo_adopts_the_revised_action_plan_by_silence_and_puts_a_broken_silence_to_a_vote(tmp_path):
    folder = tmp_path / "demo"
    timeline = Gov(tmp_path)("demo", "--dir", str(folder)).out
    for moment in ("W-1: D-6 to the members by silence procedure", "tick: W-1 deadline deadline: -> adopted",
                   "silence on W-2 is broken", "opens W-3, a written vote", "tick: W-3 reminder vote_reminder: wrote to 2",
                   "tick: W-3 deadline deadline: -> adopted", "the letters each written procedure produced"):
        assert moment in timeline, moment
    note = timeline.split("the letters each written procedure produced", 1)[1].split("Summary", 1)[0]
    assert "W-1 (silence on D-6): adopted; 9 written_adopted, 7 written_silence" in note
    assert "W-2 (silence on D-7): broken; 9 written_broken, 8 written_silence" in note
    assert "W-3 (vote on D-7): adopted;" in note and "2 written_spoken" in note and "8 written_vote" in note
    gov = Gov(folder)
    vote = gov.j("show", "W-3", actor="ayse")
    assert vote["count"]["for"] == 4 and vote["count"]["abstain"] == 1 and vote["count"]["against"] == 0
    assert [p["by"] for p in vote["earlier_positions"]] == ["omar"] and {"org": "EGY", "by": "nadia"}.items() <= vote["positions"][2].items()
    assert vote["reservations"][0]["org"] == "MAR" and vote["follows"] == "W-2"
    assert gov.j("show", "D-6", actor="ayse")["state"] == "adopted" and gov.j("show", "D-7", actor="ayse")["state"] == "adopted"


def test_demo_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine", encoding="utf-8")
    refused = Gov(tmp_path)("demo", "--dir", str(tmp_path / "busy"))
    assert refused.code == 2 and "not empty" in refused.err and (tmp_path / "busy" / "notes.txt").read_text() == "mine"


def test_show_tells_each_person_what_they_may_do_and_by_when(network, tmp_path):
    from tests.test_tick import _circulated_draft

    _circulated_draft(network, tmp_path)
    focal = network.j("show", "D-1", actor="bhr", now="2021-04-02T10:00")
    assert focal["commands"] == ["gov comment add D-1 --text TEXT --para N"]
    assert focal["by"]["name"] == "comment_deadline" and focal["by"]["fires"] == "close_comments"
    text = network.ok("show", "D-1", actor="bhr", now="2021-04-02T10:00").out
    assert "you may now: gov comment add D-1" in text and "by when: " in text
    network.ok("advance", "M-1", "convene", actor="sec", now="2021-04-02T10:00")
    chair = network.j("show", "M-1", actor="iskur", now="2021-04-02T11:00")
    assert "gov approve M-1" in chair["commands"] and "gov reject M-1 --reason TEXT" in chair["commands"]


def test_a_refusal_suggests_the_command_that_would_work(network):
    network.ok("meeting", "create", "--kind", "general", "--title", "3rd", "--start", "2021-06-02T12:00", "--end", "2021-06-03T15:00",
               "--online", "--link", "https://video.example.org/m", actor="sec", now="2021-03-10T10:00")
    typo = network.refused(2, "advance", "M-1", "conven", actor="sec", now="2021-03-10T10:00")
    assert "try: gov advance M-1 convene" in typo.err
    assert "try: gov approvals" in network.refused(4, "approve", "M-1", actor="iskur", now="2021-03-10T10:00").err
    assert "try: gov meeting list" in network.refused(2, "show", "M-7", actor="sec").err
    assert "try: gov show M-1" in network.refused(3, "advance", "M-1", "convene", actor="bhr", now="2021-03-10T10:00").err
