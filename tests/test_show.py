"""`gov show` answers for every record kind, in text and JSON, with and without someone acting."""

from __future__ import annotations

import pytest

SEC = "sec"


@pytest.fixture
def one_of_each(network, tmp_path):
    network.ok("meeting", "create", "--kind", "general", "--title", "3rd Network Meeting", "--start", "2021-06-02T12:00",
               "--end", "2021-06-03T15:00", "--online", "--link", "https://video.example.org/m", actor=SEC, now="2021-03-10T10:00")
    draft = tmp_path / "rop.txt"
    draft.write_text("1. Purpose.\n\n2. The chair serves two years.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "Rules of Procedure", "--file", str(draft), actor=SEC, now="2021-03-10T10:00")
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-03-10T10:05")
    network.ok("comment", "add", "D-1", "--para", "2", "--text", "Two years, renewable once.", actor="bhr", now="2021-03-11T10:00")
    network.ok("action", "add", "--title", "Send the report", "--owner", "BHR", "--due", "2021-04-01", actor=SEC, now="2021-03-10T10:00")
    return network


@pytest.mark.parametrize("ref", ["M-1", "D-1", "C-1", "A-1", "T-1"])
@pytest.mark.parametrize("actor", [None, SEC, "bhr"])
def test_show_answers_every_kind_in_text_and_json_with_and_without_an_actor(one_of_each, ref, actor):
    text = one_of_each.ok("show", ref, actor=actor, now="2021-03-12T10:00")
    assert text.out.startswith(ref) and "Traceback" not in text.err
    data = one_of_each.j("show", ref, actor=actor, now="2021-03-12T10:00")
    assert {"ref", "kind", "state", "allowed", "pending_approval", "deadlines"} <= set(data)
    assert data["ref"] == ref


def test_the_secretariat_is_shown_how_to_dispose_of_an_open_comment(one_of_each):
    assert any("comment dispose C-1" in c for c in one_of_each.j("show", "C-1", actor=SEC, now="2021-03-12T10:00")["commands"])
    assert one_of_each.j("show", "C-1", actor="bhr", now="2021-03-12T10:00")["commands"] == []


def test_lists_show_when_and_whose_and_a_documents_audit_includes_its_comments(one_of_each):
    meetings = one_of_each.j("meeting", "list")["records"]
    assert meetings[0]["when"].startswith("2021-06-02 12:00 to 2021-06-03") and meetings[0]["who"] == "online"
    actions = one_of_each.j("action", "list")["records"]
    assert actions[0]["who"] == "BHR" and actions[0]["when"].startswith("due 2021-04-01")
    assert "BHR" in one_of_each.ok("action", "list").out
    story = one_of_each.j("audit", "D-1")["entries"]
    assert [e["ref"] for e in story] == ["D-1", "D-1", "C-1"]
