"""Records can be corrected: people, organisations, meetings and documents, each by one audited change of the
secretariat's; and the slips a first week makes (a shared address, a made-up country, a paragraph that is not there,
a revision that changes nothing, an online meeting without its link) are refused with a sentence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SEC = "sec"
NOW = "2021-03-10T10:00"
LINK = "https://video.example.org/pesnet3"


def _entries(network: Any, trigger: str) -> list[dict[str, Any]]:
    return [e for e in network.j("audit")["entries"] if e["trigger"] == trigger]


def _letters(network: Any, template: str) -> list[dict[str, Any]]:
    return [m for m in network.j("outbox")["messages"] if m["template"] == template]


def _draft(tmp_path: Path, name: str = "rop.txt", text: str = "1. Purpose.\n\n2. Membership.\n\n3. The chair serves two years.\n") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_person_is_corrected_and_the_next_letters_follow_the_new_address_and_language(network, tmp_path):
    edited = network.j("person", "edit", "bhr", "--name", "Ahmed Al Khalifa", "--email", "ahmed@bhr.example", "--lang", "en",
                       "--add-role", "observer", actor=SEC, now=NOW)
    assert edited["email"] == "ahmed@bhr.example" and edited["lang"] == "en" and edited["roles"] == ["focal_point", "observer"]
    assert edited["changed"] is True
    [entry] = _entries(network, "person edit")
    assert entry["actor"] == SEC and entry["detail"]["handle"] == "bhr"
    assert entry["detail"]["before"] == {"name": "Ahmed Al-Khalifa", "email": "bhr@bhr.example", "lang": "ar", "roles": ["focal_point"]}
    assert entry["detail"]["after"] == {"name": "Ahmed Al Khalifa", "email": "ahmed@bhr.example", "lang": "en",
                                        "roles": ["focal_point", "observer"]}
    # The same edit again changes nothing and writes nothing.
    assert network.j("person", "edit", "bhr", "--email", "ahmed@bhr.example", actor=SEC, now=NOW)["changed"] is False
    assert len(_entries(network, "person edit")) == 1

    network.ok("doc", "create", "--type", "rop", "--title", "Draft RoP", "--file", _draft(tmp_path), actor=SEC, now=NOW)
    network.ok("advance", "D-1", "circulate", actor=SEC, now=NOW)
    to_bahrain = [m for m in _letters(network, "document_circulated") if m["to"] in ("ahmed@bhr.example", "bhr@bhr.example")]
    assert [(m["to"], m["lang"]) for m in to_bahrain] == [("ahmed@bhr.example", "en")]

    network.ok("person", "edit", "bhr", "--remove-role", "observer", actor=SEC, now=NOW)
    assert network.j("person", "edit", "bhr", "--lang", "ar", actor=SEC, now=NOW)["roles"] == ["focal_point"]


def test_corrections_are_the_secretariats_and_bad_values_are_refused(network):
    for args in (("person", "edit", "mar", "--name", "X"), ("person", "remove", "mar"), ("org", "edit", "MAR", "--name", "X")):
        refused = network.refused(3, *args, actor="bhr", now=NOW, json_out=True)
        assert "only the secretariat may" in refused.error["message"]
    for args, says in (
        (("person", "edit", "mar", "--email", "egy@EGY.example"), "already the address of egy"),
        (("person", "edit", "mar", "--email", "not an address"), "not an e-mail address"),
        (("person", "edit", "mar", "--lang", "de"), "--lang"),
        (("person", "edit", "mar", "--add-role", "chair"), "unknown role"),
        (("person", "edit", "mar", "--remove-role", "observer"), "does not hold the role observer"),
        (("person", "edit", "mar"), "say what to change"),
        (("person", "edit", "nobody", "--name", "X"), "no person has the handle"),
        (("person", "add", "mar2", "--name", "M", "--email", "MAR@mar.example", "--org", "MAR"), "already the address of mar"),
        (("org", "edit", "MAR", "--country", "XYZ"), "not an ISO 3166-1 alpha-3"),
        (("org", "edit", "MAR", "--country", "MA"), "three letters"),
        (("org", "add", "NEW", "--name", "New", "--kind", "member", "--country", "ZZZ"), "not an ISO 3166-1 alpha-3"),
        (("org", "edit", "NOPE", "--name", "X"), "no organisation"),
    ):
        refused = network.refused(2, *args, actor=SEC, now=NOW, json_out=True)
        assert says in refused.error["message"], refused
    assert _entries(network, "person edit") == [] and _entries(network, "org edit") == []


def test_an_organisation_is_corrected_and_a_blank_clears_its_group(network):
    edited = network.j("org", "edit", "MAR", "--name", "ANAPEC (Morocco)", "--country", "mar", "--group", "Arab", actor=SEC, now=NOW)
    assert (edited["name"], edited["country"], edited["group"], edited["changed"]) == ("ANAPEC (Morocco)", "MAR", "Arab", True)
    cleared = network.j("org", "edit", "MAR", "--group", "", actor=SEC, now=NOW)
    assert cleared["group"] is None
    entries = _entries(network, "org edit")
    assert [e["detail"] for e in entries] == [
        {"code": "MAR", "before": {"name": "ANAPEC, Kingdom of Morocco", "group": None},
         "after": {"name": "ANAPEC (Morocco)", "group": "Arab"}},
        {"code": "MAR", "before": {"group": "Arab"}, "after": {"group": None}},
    ]


def test_a_person_removed_gets_no_letters_no_rights_and_keeps_their_history(network, tmp_path):
    network.ok("doc", "create", "--type", "rop", "--title", "Draft RoP", "--file", _draft(tmp_path), actor=SEC, now=NOW)
    network.ok("advance", "D-1", "circulate", actor=SEC, now=NOW)
    network.ok("comment", "add", "D-1", "--para", "2", "--text", "Two years.", actor="mar", now=NOW)
    removed = network.j("person", "remove", "mar", actor=SEC, now="2021-03-11T10:00")
    assert removed["removed"] == "2021-03-11T10:00+03:00" and removed["roles"] == []
    network.ok("person", "remove", "egy", actor=SEC, now="2021-03-11T10:00")
    entry = _entries(network, "person remove")[0]
    assert entry["detail"]["handle"] == "mar" and entry["detail"]["before"]["roles"] == ["focal_point"]

    acting = network.refused(3, "show", "D-1", actor="mar", now="2021-03-12T10:00", json_out=True)
    assert "mar was removed on 2021-03-11" in acting.error["message"]
    network.refused(3, "comment", "add", "D-1", "--text", "Again.", actor="egy", now="2021-03-12T10:00")
    # Reminders go to the focal points that have not commented: Egypt's removed one is no longer among them.
    network.ok("tick", now="2021-03-26T17:00")
    reminded = {m["to"] for m in _letters(network, "comment_reminder")}
    assert reminded == {"iskur@iskur.example", "bhr@bhr.example", "idn@idn.example", "sen@sen.example"}
    # Their history stands: Morocco's comment, the audit trail, the person listed as removed.
    assert [r["org"] for r in network.j("doc", "matrix", "D-1")["rows"]] == ["MAR"]
    people = {p["handle"]: p for p in network.j("person", "list")["people"]}
    assert people["mar"]["removed"] == "2021-03-11T10:00+03:00" and people["mar"]["roles"] == []
    assert people["bhr"]["removed"] is None
    listed = network.ok("person", "list").out
    assert "2021-03-11" in [line for line in listed.splitlines() if line.startswith("mar ")][0]
    # Removed people change no more; their address may pass to whoever takes over.
    network.refused(4, "person", "edit", "mar", "--name", "X", actor=SEC, now="2021-03-12T10:00")
    network.refused(4, "person", "remove", "mar", actor=SEC, now="2021-03-12T10:00")
    network.ok("person", "add", "mar2", "--name", "Nadia", "--email", "mar@mar.example", "--org", "MAR", "--role", "focal_point",
               actor=SEC, now="2021-03-12T10:00")
    assert network.j("audit", "verify")["ok"] is True


def test_the_last_secretariat_keeps_the_role(network):
    refused = network.refused(4, "person", "remove", SEC, actor=SEC, now=NOW, json_out=True)
    assert "last person with the secretariat role" in refused.error["message"]
    network.refused(4, "person", "edit", SEC, "--remove-role", "secretariat", actor=SEC, now=NOW)
    network.ok("person", "edit", "iskur", "--add-role", "secretariat", actor=SEC, now=NOW)
    network.ok("person", "remove", SEC, actor="iskur", now=NOW)
    network.refused(4, "person", "edit", "iskur", "--remove-role", "secretariat", actor="iskur", now=NOW)


def test_an_online_meeting_needs_its_link_before_it_is_convened(network):
    network.ok("meeting", "create", "--kind", "general", "--title", "3rd Network Meeting", "--start", "2021-06-02T12:00",
               "--end", "2021-06-03T15:00", "--online", actor=SEC, now=NOW)
    refused = network.refused(4, "advance", "M-1", "convene", actor=SEC, now=NOW, json_out=True)
    assert "no video-conference link" in refused.error["message"] and "gov meeting edit M-1 --online --link URL" in refused.error["message"]
    network.ok("meeting", "edit", "M-1", "--link", LINK, actor=SEC, now=NOW)
    assert network.j("advance", "M-1", "convene", actor=SEC, now=NOW)["pending_approval"]["trigger"] == "convene"


def test_a_meeting_is_corrected_and_those_invited_get_the_corrected_entry(network):
    network.ok("meeting", "create", "--kind", "general", "--title", "Meeting", "--start", "2021-06-02T12:00", "--end", "2021-06-03T15:00",
               "--online", "--link", LINK, actor=SEC, now=NOW)
    network.ok("advance", "M-1", "convene", actor=SEC, now=NOW)
    network.ok("reject", "M-1", "--reason", "give it a real title", actor="iskur", now=NOW)

    edited = network.j("meeting", "edit", "M-1", "--title", "3rd Network Meeting", actor=SEC, now=NOW)
    assert (edited["title"], edited["venue"], edited["online"], edited["changed"]) == ("3rd Network Meeting", LINK, True, True)
    assert _letters(network, "meeting_updated") == []  # nothing was sent yet: no one holds an entry to correct
    network.ok("advance", "M-1", "convene", actor=SEC, now=NOW)
    network.ok("approve", "M-1", actor="iskur", now=NOW)
    invited = {m["to"] for m in _letters(network, "meeting_invitation")}

    moved = network.j("meeting", "edit", "M-1", "--venue", "SESRIC, Ankara", actor=SEC, now="2021-03-12T10:00")
    assert (moved["venue"], moved["online"], moved["sequence"]) == ("SESRIC, Ankara", False, 2)
    updated = _letters(network, "meeting_updated")
    assert {m["to"] for m in updated} == invited
    ics = network.ok("export", "ics", "M-1").out
    assert "LOCATION:SESRIC\\, Ankara" in ics and "SEQUENCE:2" in ics
    entry = [e for e in network.j("audit", "M-1")["entries"] if e["trigger"] == "edit"][-1]
    assert entry["detail"] == {"before": {"venue": LINK, "online": True}, "after": {"venue": "SESRIC, Ankara", "online": False}}

    network.refused(2, "meeting", "edit", "M-1", "--link", LINK, actor=SEC, now=NOW)  # held in person now
    network.refused(2, "meeting", "edit", "M-1", "--venue", "Rabat", "--online", actor=SEC, now=NOW)
    network.refused(2, "meeting", "edit", "M-1", "--online", "--link", "video.example.org", actor=SEC, now=NOW)
    # Moving it online again on the way: --online turns it on, --venue off.
    online = network.j("meeting", "reschedule", "M-1", "--start", "2021-06-09T12:00", "--end", "2021-06-10T15:00", "--online",
                       "--link", LINK, actor=SEC, now="2021-03-13T10:00")
    assert (online["venue"], online["online"]) == (LINK, True)
    back = network.j("meeting", "reschedule", "M-1", "--start", "2021-06-09", "--end", "2021-06-10", "--venue", "Rabat",
                     actor=SEC, now="2021-03-13T10:00")
    assert (back["venue"], back["online"], back["start"], back["end"]) == ("Rabat", False, "2021-06-09T09:00+03:00", "2021-06-10T17:00+03:00")

    network.ok("advance", "M-1", "cancel", "--reason", "postponed", actor=SEC, now="2021-03-14T10:00")
    network.ok("approve", "M-1", actor="iskur", now="2021-03-14T10:00")
    final = network.refused(4, "meeting", "edit", "M-1", "--title", "Too late", actor=SEC, now="2021-03-15T10:00", json_out=True)
    assert "cancelled" in final.error["message"]


def test_a_document_title_is_corrected_until_a_final_state(network, tmp_path):
    network.ok("doc", "create", "--type", "rop", "--title", "Draft", "--file", _draft(tmp_path), actor=SEC, now=NOW)
    edited = network.j("doc", "edit", "D-1", "--title", "Draft Rules of Procedure", actor=SEC, now=NOW)
    assert (edited["title"], edited["changed"]) == ("Draft Rules of Procedure", True)
    [entry] = [e for e in network.j("audit", "D-1")["entries"] if e["trigger"] == "edit"]
    assert entry["detail"] == {"before": {"title": "Draft"}, "after": {"title": "Draft Rules of Procedure"}}
    network.refused(2, "doc", "edit", "D-1", "--title", "Two\nlines", actor=SEC, now=NOW)
    network.ok("advance", "D-1", "withdraw", "--reason", "superseded", actor=SEC, now=NOW)
    network.refused(4, "doc", "edit", "D-1", "--title", "Again", actor=SEC, now=NOW)
    network.refused(3, "doc", "edit", "D-1", "--title", "Again", actor="bhr", now=NOW)


def test_a_paragraph_beyond_the_last_and_a_revision_that_changes_nothing_are_refused(network, tmp_path):
    network.ok("doc", "create", "--type", "rop", "--title", "Draft", "--file", _draft(tmp_path), actor=SEC, now=NOW)
    network.ok("advance", "D-1", "circulate", actor=SEC, now=NOW)
    beyond = network.refused(2, "comment", "add", "D-1", "--para", "4", "--text", "x", actor="bhr", now=NOW, json_out=True)
    assert beyond.error["message"].startswith("D-1 has 3 paragraphs")
    network.ok("comment", "add", "D-1", "--para", "3", "--text", "Two years, renewable once.", actor="bhr", now=NOW)
    network.ok("advance", "D-1", "close_comments", actor=SEC, now=NOW)
    same = _draft(tmp_path, "same.txt", "1. Purpose.\r\n\r\n2. Membership.\r\n\r\n3. The chair serves two years.\r\n\r\n")
    refused = network.refused(2, "doc", "revise", "D-1", "--file", same, actor=SEC, now=NOW, json_out=True)
    assert "same text as version 1" in refused.error["message"]
    revised = network.j("doc", "revise", "D-1", "--file", _draft(tmp_path, "v2.txt", "1. Purpose.\n\n2. The chair serves two years, once.\n"),
                        actor=SEC, now=NOW)
    assert revised["version"] == 2
