"""`gov outbox` and the whole `gov audit` trail list a page unless told --all or --limit, and say what they left out."""

from __future__ import annotations

SEC = "sec"
NOW = "2021-03-10T10:00"


def _circulate(gov, tmp_path) -> None:
    text = tmp_path / "d.txt"
    text.write_text("1. Purpose.\n", encoding="utf-8")
    gov.ok("doc", "create", "--type", "report", "--title", "Report", "--file", str(text), actor=SEC, now=NOW)
    gov.ok("advance", "D-1", "circulate", actor=SEC, now=NOW)


def test_the_outbox_lists_the_first_letters_asked_for_and_counts_the_later_ones(network, tmp_path):
    _circulate(network, tmp_path)
    every = network.j("outbox")["messages"]
    assert len(every) > 3 and "more" not in network.j("outbox")  # nothing left out: the answer is as it was
    page = network.j("outbox", "--limit", "3")
    assert [m["id"] for m in page["messages"]] == [m["id"] for m in every[:3]]
    assert page["more"] == len(every) - 3
    text = network.ok("outbox", "--limit", "3").out
    assert f"(the first 3 shown; {len(every) - 3} later letter(s) left out: gov outbox --all, or --limit N)" in text
    pending = network.ok("outbox", "--status", "pending", "--limit", "1").out
    assert "gov outbox --status pending --all" in pending
    assert network.j("outbox", "--all")["messages"] == every
    assert "left out" not in network.ok("outbox", "--all").out


def test_the_trail_lists_its_newest_entries_oldest_first_and_counts_the_older_ones(network, tmp_path):
    _circulate(network, tmp_path)
    every = network.j("audit")["entries"]
    assert "more" not in network.j("audit")
    page = network.j("audit", "--limit", "2")
    assert page["entries"] == every[-2:] and page["more"] == len(every) - 2
    assert f"(the newest 2 shown; {len(every) - 2} older entries left out: gov audit --all, or --limit N)" in network.ok(
        "audit", "--limit", "2").out
    assert network.j("audit", "--all")["entries"] == every


def test_a_records_trail_stays_whole(network, tmp_path):
    _circulate(network, tmp_path)
    story = network.j("audit", "D-1")
    assert [e["trigger"] for e in story["entries"]] == ["create", "circulate"] and "more" not in story
    assert "left out" not in network.ok("audit", "D-1").out


def test_all_and_limit_together_are_refused_in_one_sentence(network):
    for command in (["outbox"], ["audit"]):
        refused = network.refused(2, *command, "--all", "--limit", "5")
        assert "--all and --limit contradict each other" in refused.err


def test_a_trail_longer_than_a_page_shows_its_newest_thousand_by_default(network):
    from governance.config import config_path
    from governance.service import changes
    from governance.service.context import open_instance
    from governance.service.transaction import change

    instance = open_instance(config_path(str(network.config)), NOW)
    try:
        # 1,001 organisations in one change: as many audit entries, written through the service's own path.
        change(instance, SEC, lambda op: [changes.add_org(op, f"O{i}", f"Org {i}", "observer", None, None) for i in range(1001)])
    finally:
        instance.db.dispose()
    head = network.j("audit", "head")["seq"]
    page = network.j("audit")
    assert len(page["entries"]) == 1000 and page["entries"][-1]["seq"] == head
    assert page["more"] == head - 1000
    assert len(network.j("audit", "--all")["entries"]) == head
    assert network.j("audit", "verify")["ok"] is True
