"""Succession and cadence: rotation policies, governed designation, vacancies, and the meetings the rules require."""

from __future__ import annotations

import re

import pytest

SEC = "sec"


def _set_rule(network, table: str, key: str, value: str) -> None:
    path = network.folder / "rules" / "oic-pesnet.toml"
    text = path.read_text(encoding="utf-8")
    section = text.index(f"[{table}]")
    end = text.find("\n[", section + 1)
    end = len(text) if end < 0 else end
    block = re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", text[section:end], count=1)
    path.write_text(text[:section] + block + text[end:], encoding="utf-8")


def _walk_terms(network, expected_next: list[list[str]]) -> list[str]:
    """Designate whoever the rules point to, three times over; return the holders."""
    holders = []
    start_year = 2023
    for i, expected in enumerate(expected_next):
        nxt = network.j("term", "next", "chair", now=f"{start_year + 2 * i - 1}-12-01")
        assert nxt["next"] == expected, nxt
        network.ok("term", "designate", "chair", "--org", expected[0], actor=SEC, now=f"{start_year + 2 * i - 1}-12-01")
        network.ok("tick", now=f"{start_year + 2 * i}-03-02")
        holders.append(expected[0])
    return holders


def test_rotation_by_order_passes_the_chair_along_the_list_for_three_terms(network):
    _set_rule(network, "offices.chair", "rotation", '"order"')
    _set_rule(network, "offices.chair", "order", '["ISKUR", "BHR", "MAR", "EGY"]')
    network.ok("rules", "check")
    # İŞKUR holds T-1 (March 2021 - March 2023): BHR, MAR, EGY follow.
    assert _walk_terms(network, [["BHR"], ["MAR"], ["EGY"]]) == ["BHR", "MAR", "EGY"]
    states = [(t["org"], t["state"]) for t in network.j("term", "list", now="2027-03-02")["terms"]]
    assert states == [("ISKUR", "ended"), ("BHR", "ended"), ("MAR", "ended"), ("EGY", "active")]


def test_rotation_by_groups_passes_the_chair_between_groups_in_turn(network):
    network.ok("org", "add", "MLI", "--name", "ANPE Mali", "--kind", "member", "--group", "African", actor=SEC)
    network.ok("org", "add", "JOR", "--name", "Ministry of Labour, Jordan", "--kind", "member", "--group", "Arab", actor=SEC)
    network.ok("org", "add", "PAK", "--name", "Ministry of Overseas Pakistanis", "--kind", "member", "--group", "Asian", actor=SEC)
    _set_rule(network, "offices.chair", "rotation", '"groups"')
    _set_rule(network, "offices.chair", "groups", '["Arab", "African", "Asian"]')
    # İŞKUR has no group: the rotation starts with the first group.
    assert _walk_terms(network, [["JOR"], ["MLI"], ["PAK"]]) == ["JOR", "MLI", "PAK"]
    reason = network.j("term", "next", "chair", now="2028-01-01")["reason"]
    assert "from the Asian group to the Arab group" in reason


def test_designation_rotation_names_no_successor_and_a_meeting_designates(network):
    nxt = network.j("term", "next", "chair")
    assert nxt["next"] == [] and "designated by a general meeting" in nxt["reason"] and nxt["rule"].startswith("RoP Art. 3")
    for org, year in (("EGY", 2023), ("MAR", 2025), ("SEN", 2027)):
        network.ok("term", "designate", "chair", "--org", org, actor=SEC, now=f"{year - 1}-12-01")
        network.ok("tick", now=f"{year}-03-02")
    holders = [(t["org"], t["start"][:10]) for t in network.j("term", "list")["terms"]]
    assert holders == [("ISKUR", "2021-03-01"), ("EGY", "2023-03-01"), ("MAR", "2025-03-01"), ("SEN", "2027-03-01")]


def test_designating_outside_the_rotation_needs_a_reason_and_the_chairs_approval(network):
    _set_rule(network, "offices.chair", "rotation", '"order"')
    _set_rule(network, "offices.chair", "order", '["ISKUR", "BHR", "MAR"]')
    refused = network.refused(4, "term", "designate", "chair", "--org", "MAR", actor=SEC, json_out=True, now="2022-12-01")
    assert "the rules point to BHR" in refused.error["message"] and refused.error["rule"].startswith("RoP Art. 3")
    asked = network.j("term", "designate", "chair", "--org", "MAR", "--reason", "BHR declined", actor=SEC, now="2022-12-01")
    assert asked["state"] == "proposed" and asked["pending_approval"] == {"trigger": "confirm", "by": SEC}
    network.refused(3, "approve", asked["ref"], actor="bhr", now="2022-12-02")
    assert network.j("approve", asked["ref"], actor="iskur", now="2022-12-02")["state"] == "designated"
    entries = [e["trigger"] for e in network.j("audit", asked["ref"])["entries"]]
    assert entries == ["create", "request:confirm", "confirm"]


def test_terms_never_overlap_and_an_advance_designation_starts_when_the_current_term_ends(network):
    designated = network.j("term", "designate", "chair", "--org", "EGY", actor=SEC, now="2022-06-01")
    assert designated["start"] == "2023-03-01T00:00+03:00"
    network.refused(4, "term", "designate", "chair", "--org", "MAR", "--start", "2024-01-01", actor=SEC, now="2022-06-02")


@pytest.mark.parametrize("rule, acting_approver, idle_approver", [
    ("outgoing_continues", "iskur", SEC),
    ("secretariat_acts", SEC, "iskur"),
], ids=["outgoing-continues", "secretariat-acts"])
def test_vacancy_follows_the_rules_until_a_designation(network, rule, acting_approver, idle_approver):
    _set_rule(network, "offices.chair", "vacancy", f'"{rule}"')
    network.ok("tick", now="2023-03-01T00:00")
    status = network.j("status", now="2023-03-01T00:01")
    vacancy = status["offices"][0]["vacancy"]
    assert vacancy["rule"] == rule and vacancy["since"] == "2023-03-01T00:00+03:00"
    assert "VACANT" in network.ok("term", "list", now="2023-03-01T00:01").out
    # Who approves while the office is vacant depends on the rule.
    network.ok("meeting", "create", "--kind", "workshop", "--title", "Workshop", "--start", "2023-06-01T10:00",
               "--end", "2023-06-01T16:00", "--online", "--link", "https://video.example.org/m", actor=SEC, now="2023-03-02")
    convened = network.j("advance", "M-1", "convene", actor=SEC, now="2023-03-02")
    if rule == "outgoing_continues":
        assert convened["pending_approval"] == {"trigger": "convene", "by": SEC}
        network.refused(3, "approve", "M-1", actor=idle_approver, now="2023-03-02T01:00")
        network.ok("approve", "M-1", actor=acting_approver, now="2023-03-02T01:00")
    else:  # the secretariat holds the chair's approvals itself while the office is vacant
        assert convened["state"] == "convened" and convened["pending_approval"] is None
        network.refused(3, "advance", "M-1", "open", actor=idle_approver, now="2023-06-01T10:00")
    # The escalation repeats monthly while vacant, and stops after a designation.
    fired = network.j("simulate", "--until", "2023-05-15", now="2023-03-02T02:00")["fired"]
    assert [f["name"] for f in fired if f["ref"] == "T-1"] == ["vacancy", "vacancy"]
    network.ok("term", "designate", "chair", "--org", "BHR", "--start", "2023-05-20", actor=SEC, now="2023-05-15")
    later = network.j("simulate", "--until", "2023-08-01", now="2023-05-15")["fired"]
    vacancies = [f for f in later if f["name"] == "vacancy"]
    assert [f["status"] for f in vacancies] == ["skipped"]
    assert network.j("status", now="2023-08-01")["offices"][0]["vacancy"] is None


def test_closing_a_general_meeting_plans_the_focal_point_and_next_general_meetings(network):
    network.ok("meeting", "create", "--kind", "general", "--title", "3rd Network Meeting", "--start", "2021-06-02T12:00",
               "--end", "2021-06-03T15:00", "--online", "--link", "https://video.example.org/m", actor=SEC, now="2021-03-10")
    network.ok("advance", "M-1", "convene", actor=SEC, now="2021-03-10")
    network.ok("approve", "M-1", actor="iskur", now="2021-03-11")
    network.ok("advance", "M-1", "open", actor="iskur", now="2021-06-02T12:00")
    network.ok("advance", "M-1", "close", actor="iskur", now="2021-06-03T15:00")
    actions = {a["title"]: a for a in network.j("action", "list")["records"]}
    assert set(actions) == {"Hold the next network meeting", "Hold the next focal-point meeting"}
    focal = network.j("show", actions["Hold the next focal-point meeting"]["ref"])
    general = network.j("show", actions["Hold the next network meeting"]["ref"])
    assert focal["fields"]["due"].startswith("2022-06-03") and general["fields"]["due"].startswith("2023-06-03")
    assert focal["fields"]["owner"] == "SESRIC" and focal["fields"]["source"].startswith("M-1")
    assert {d["name"] for d in focal["deadlines"]} == {"due", "due_reminder"}
    # Convening a focal-point meeting in time satisfies the first; the second stays open.
    network.ok("meeting", "create", "--kind", "focal_point", "--title", "Online focal-point meeting", "--start", "2022-05-10T11:00",
               "--end", "2022-05-10T14:00", "--online", "--link", "https://video.example.org/m", "--follows", "M-1", actor=SEC, now="2022-03-01")
    network.ok("advance", "M-2", "convene", actor=SEC, now="2022-03-01")
    network.ok("approve", "M-2", actor="iskur", now="2022-03-02")
    assert network.j("show", focal["ref"])["state"] == "done"
    assert network.j("show", general["ref"])["state"] == "open"
    done = [e for e in network.j("audit", focal["ref"])["entries"] if e["trigger"] == "complete"][0]
    assert done["reason"] == "M-2 convened"
    # Convening the next general meeting satisfies the second.
    network.ok("meeting", "create", "--kind", "general", "--title", "4th Network Meeting", "--start", "2023-05-24T10:00",
               "--end", "2023-05-25T17:00", "--venue", "Istanbul", "--follows", "M-1", actor=SEC, now="2023-03-01")
    network.ok("advance", "M-3", "convene", actor=SEC, now="2023-03-01")
    network.ok("approve", "M-3", actor="iskur", now="2023-03-02")
    assert network.j("show", general["ref"])["state"] == "done"
    done = [e for e in network.j("audit", general["ref"])["entries"] if e["trigger"] == "complete"][0]
    assert done["reason"] == "M-3 convened"
