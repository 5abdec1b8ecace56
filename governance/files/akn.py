"""An adopted communiqué or resolution as Akoma Ntoso 3.0 (OASIS LegalDocML): the XML parliaments and
intergovernmental bodies publish their decisions in.

The text is read the way such texts are written: title lines first, then the preamble (the opening formula naming
the meeting, and the recitals: "Recalling ...", "Guided by ..."), then the operative paragraphs, numbered, each
opening with its verb ("Recognises", "Takes note", "Requests"). The XML carries the adopting body, the meeting, the
date of the decision and the reservations made on it, annexed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from governance.documents import heading, outline

NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
ISO_639_2 = {"en": "eng", "ar": "ara", "fr": "fra"}
# Operative verbs of resolutions (in English and French); the longest that opens a paragraph is its verb. A paragraph
# opening otherwise (an Arabic verb, a verb not listed) has its first word as its verb, or what the text sets in bold.
OPERATIVE_VERBS = tuple(sorted((
    "recognises", "recognizes", "stresses", "takes note", "takes note with appreciation", "encourages", "invites",
    "reaffirms", "adopts", "endorses", "recommends", "expresses appreciation", "expresses its appreciation",
    "expresses its gratitude", "requests", "calls upon", "urges", "welcomes", "decides", "notes", "emphasises",
    "emphasizes", "affirms", "commends", "appreciates", "approves", "underlines", "acknowledges", "further requests",
    "reconnaît", "souligne", "prend note", "encourage", "invite", "réaffirme", "adopte", "approuve", "recommande",
    "exprime sa gratitude", "exprime sa reconnaissance", "prie", "demande", "se félicite", "décide",
), key=len, reverse=True))
_NUMBERED = re.compile(r"\s*(\d{1,3})\s*[.)-]\s+(.+)", re.DOTALL)
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_DATE_LINE = re.compile(r"\b(19|20)\d\d\b")


@dataclass(frozen=True)
class Reservation:
    """A reservation or statement a member made on the decision, annexed to it."""

    org: str
    org_name: str
    text: str
    at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    """What the XML says about a document the meeting adopted, and who says it."""

    body_name: str
    body_short: str
    publisher: str  # the secretariat's name: the source of the metadata
    ref: str
    title: str
    doc_type: str  # "communique", "resolution", ...
    lang: str
    version: int
    decision: str  # "adopted", "endorsed", ...
    decided_on: date
    meeting_ref: str
    meeting_title: str
    meeting_start: date
    meeting_end: date
    meeting_place: str
    text: str
    headings: bool
    generated_at: datetime
    reservations: list[Reservation] = field(default_factory=list)


@dataclass(frozen=True)
class Parts:
    """The text taken apart: title lines, opening formula, recitals, operative paragraphs (number, verb, rest)."""

    titles: list[str]
    formula: str | None
    recitals: list[str]
    operative: list[tuple[str, str, str]]
    closing: list[str]


def parts(text: str, headings: bool = False) -> Parts:
    """Where the title ends, the preamble begins and the operative paragraphs are."""
    blocks = [_plain(block) for _, block in outline(text, headings)]
    headed = [bool(headings and heading(b)) for _, b in outline(text, headings)]
    numbered = [i for i, block in enumerate(blocks) if _NUMBERED.fullmatch(block)]
    if not numbered:  # operative paragraphs without numbers: those opening with an operative verb
        numbered = [i for i, block in enumerate(blocks) if _known_verb(block)]
    first = numbered[0] if numbered else len(blocks)
    titles: list[str] = []
    index = 0
    while index < first and (headed[index] or _title_like(blocks[index])):
        titles.append(heading(blocks[index])[1] if headed[index] else blocks[index])
        index += 1
    preamble = blocks[index:first]
    operative: list[tuple[str, str, str]] = []
    closing: list[str] = []
    last = numbered[-1] if numbered else first
    for position in range(first, len(blocks)):
        block = blocks[position]
        if position in numbered:
            match = _NUMBERED.fullmatch(block)
            number, body = (match.group(1), match.group(2)) if match else (str(len(operative) + 1), block)
            verb, rest = _verb(body)
            operative.append((number, verb, rest))
        elif position > last:
            closing.append(block)
        elif operative:  # an unnumbered block inside the operative part belongs to the paragraph before it
            number, verb, rest = operative[-1]
            operative[-1] = (number, verb, rest + "\n" + block)
    return Parts(titles, preamble[0] if preamble else None, preamble[1:], operative, closing)


def _plain(block: str) -> str:
    return block.strip()


def _title_like(block: str) -> bool:
    """A line of the title: short, on one line, not ending as a sentence or clause does."""
    return "\n" not in block and len(block) <= 160 and not block.rstrip().endswith((",", ";", ":", "،", "؛"))


def _known_verb(block: str) -> str | None:
    lowered = _BOLD.sub(r"\1", block).lower()
    return next((verb for verb in OPERATIVE_VERBS if lowered.startswith(verb) and not lowered[len(verb):len(verb) + 1].isalpha()), None)


def _verb(body: str) -> tuple[str, str]:
    """(the opening verb as written, the rest of the paragraph)."""
    bold = re.match(r"\s*\*\*(.+?)\*\*", body)
    if bold:
        return bold.group(1).strip(), body[bold.end():]
    known = _known_verb(body)
    if known:
        return body[:len(known)], body[len(known):]
    word = re.match(r"\s*(\S+)", body)
    return (word.group(1), body[word.end():]) if word else ("", body)


def write_akn(decision: Decision) -> bytes:
    """The decision as an Akoma Ntoso 3.0 `statement`, UTF-8 XML."""
    ET.register_namespace("", NS)
    text = parts(decision.text, decision.headings)
    lang = ISO_639_2.get(decision.lang, decision.lang)
    body = _slug(decision.body_short)
    day = decision.decided_on.isoformat()
    work = f"/akn/int/statement/{_slug(decision.doc_type)}/{body}/{day}/{_slug(decision.ref)}"
    expression = f"{work}/{lang}@{day}"

    root = ET.Element(_q("akomaNtoso"))
    statement = _sub(root, "statement", name=_slug(decision.doc_type) or "statement", contains="originalVersion")
    meta = _sub(statement, "meta")
    identification = _sub(meta, "identification", source="#secretariat")
    frbr = _sub(identification, "FRBRWork")
    _sub(frbr, "FRBRthis", value=f"{work}/!main")
    _sub(frbr, "FRBRuri", value=work)
    _sub(frbr, "FRBRdate", date=day, name="adoption")
    _sub(frbr, "FRBRauthor", href="#body")
    _sub(frbr, "FRBRcountry", value="int")
    _sub(frbr, "FRBRnumber", value=decision.ref)
    _sub(frbr, "FRBRname", value=decision.title)
    frbr = _sub(identification, "FRBRExpression")
    _sub(frbr, "FRBRthis", value=f"{expression}/!main")
    _sub(frbr, "FRBRuri", value=expression)
    _sub(frbr, "FRBRdate", date=day, name="adoption")
    _sub(frbr, "FRBRauthor", href="#body")
    _sub(frbr, "FRBRversionNumber", value=str(decision.version))
    _sub(frbr, "FRBRlanguage", language=lang)
    frbr = _sub(identification, "FRBRManifestation")
    _sub(frbr, "FRBRthis", value=f"{expression}/!main.xml")
    _sub(frbr, "FRBRuri", value=f"{expression}.akn")
    _sub(frbr, "FRBRdate", date=decision.generated_at.astimezone(timezone.utc).date().isoformat(), name="generation")
    _sub(frbr, "FRBRauthor", href="#secretariat")
    lifecycle = _sub(meta, "lifecycle", source="#secretariat")
    _sub(lifecycle, "eventRef", eId="evt_1", date=day, source="#original", type="generation", refersTo="#meeting")
    references = _sub(meta, "references", source="#secretariat")
    _sub(references, "original", eId="original", href=expression, showAs=decision.title)
    _sub(references, "TLCOrganization", eId="body", href=f"/ontology/organization/{body}", showAs=decision.body_name)
    _sub(references, "TLCOrganization", eId="secretariat", href=f"/ontology/organization/{body}/secretariat",
         showAs=decision.publisher)
    _sub(references, "TLCEvent", eId="meeting", href=f"/ontology/event/{body}/{_slug(decision.meeting_ref)}",
         showAs=decision.meeting_title)
    verbs: dict[str, str] = {}
    for _, verb, _ in text.operative:
        key = verb.lower()
        if key not in verbs:
            verbs[key] = f"verb_{len(verbs) + 1}"
            _sub(references, "TLCConcept", eId=verbs[key], href=f"/ontology/concept/operative/{_slug(verb) or verbs[key]}", showAs=verb)
    for index, reservation in enumerate(decision.reservations, start=1):
        _sub(references, "TLCOrganization", eId=f"member_{index}", href=f"/ontology/organization/{_slug(reservation.org)}",
             showAs=reservation.org_name)

    preface = _sub(statement, "preface")
    for index, title in enumerate(text.titles or [decision.title]):
        line = _sub(preface, "p")
        if index and _DATE_LINE.search(title) and len(title) <= 40:
            _sub(line, "docDate", text=title, date=decision.meeting_end.isoformat())
        else:
            _sub(line, "docTitle" if index == 0 else "shortTitle", text=title)
    line = _sub(preface, "p")
    _sub(line, "docProponent", text=decision.body_name, refersTo="#body")
    line = _sub(preface, "p")
    _inline(line, ("session", decision.meeting_title, {"refersTo": "#meeting", "value": decision.meeting_ref}), ", ",
            ("docDate", _span(decision.meeting_start, decision.meeting_end), {"date": decision.meeting_start.isoformat()}),
            *([", ", ("location", decision.meeting_place, {"refersTo": "#meeting"})] if decision.meeting_place else []))
    if text.formula or text.recitals:
        preamble = _sub(statement, "preamble")
        if text.formula:
            _paragraphs(_sub(preamble, "formula", name="opening"), text.formula)
        if text.recitals:
            recitals = _sub(preamble, "recitals")
            for index, recital in enumerate(text.recitals, start=1):
                _paragraphs(_sub(recitals, "recital", eId=f"recital_{index}"), recital)
    main = _sub(statement, "mainBody")
    for number, verb, rest in text.operative:
        eid = f"para_{number}"
        paragraph = _sub(main, "paragraph", eId=eid)
        _sub(paragraph, "num", text=f"{number}.")
        content = _sub(paragraph, "content")
        lines = rest.split("\n")
        first = _sub(content, "p")
        term = _sub(first, "term", text=verb, refersTo=f"#{verbs[verb.lower()]}", eId=f"{eid}__term_1")
        term.tail = lines[0]
        for more in lines[1:]:
            _sub(content, "p", text=more.strip())
    if not text.operative:
        _paragraphs(main, "\n".join(text.closing) or decision.title)
    conclusions = _sub(statement, "conclusions")
    _inline(_sub(conclusions, "p"), f"{decision.decision.capitalize()} by the ",
            ("docAuthority", decision.body_name, {"refersTo": "#body"}), " at its ",
            ("session", decision.meeting_title, {"refersTo": "#meeting", "value": decision.meeting_ref}), " on ",
            ("docDate", _long_date(decision.decided_on), {"date": day}), ".")
    for more in text.closing if text.operative else []:
        _sub(conclusions, "p", text=more)
    if decision.reservations:
        attachments = _sub(statement, "attachments")
        attachment = _sub(attachments, "attachment", eId="att_1")
        annex = _sub(attachment, "doc", name="reservations")
        annex_meta = _sub(annex, "meta")
        identification = _sub(annex_meta, "identification", source="#secretariat")
        for level, uri in (("FRBRWork", f"{work}/!reservations"), ("FRBRExpression", f"{expression}/!reservations"),
                           ("FRBRManifestation", f"{expression}/!reservations.xml")):
            frbr = _sub(identification, level)
            _sub(frbr, "FRBRthis", value=uri)
            _sub(frbr, "FRBRuri", value=uri)
            _sub(frbr, "FRBRdate", date=day, name="adoption")
            _sub(frbr, "FRBRauthor", href="#body")
            if level == "FRBRWork":
                _sub(frbr, "FRBRcountry", value="int")
            if level == "FRBRExpression":
                _sub(frbr, "FRBRlanguage", language=lang)
        annex_preface = _sub(annex, "preface")
        _sub(_sub(annex_preface, "p"), "docTitle", text="Reservations and statements")
        annex_body = _sub(annex, "mainBody")
        for index, reservation in enumerate(decision.reservations, start=1):
            section = _sub(annex_body, "tblock", eId=f"reservation_{index}")
            _sub(_sub(section, "heading"), "organization", text=reservation.org_name, refersTo=f"#member_{index}")
            _paragraphs(section, reservation.text)
    _indent(root, 0)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


# Elements whose content is running text: laid out on one line, so no white space is added inside them.
_RUNNING = {"p", "num", "heading", "FRBRthis"}


def _indent(element: ET.Element, depth: int) -> None:
    if element.tag.rpartition("}")[2] in _RUNNING or not len(element):
        return
    inner = "\n" + "  " * (depth + 1)
    element.text = inner
    for child in element:
        _indent(child, depth + 1)
        child.tail = inner
    element[-1].tail = "\n" + "  " * depth


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, _q(tag), {k: v for k, v in attributes.items()})
    if text is not None:
        element.text = text
    return element


def _inline(parent: ET.Element, *pieces: str | tuple[str, str, dict[str, str]]) -> None:
    """Mixed content: plain text and inline elements (tag, text, attributes) in order."""
    last: ET.Element | None = None
    for piece in pieces:
        if isinstance(piece, str):
            if last is None:
                parent.text = (parent.text or "") + piece
            else:
                last.tail = (last.tail or "") + piece
        else:
            tag, text, attributes = piece
            last = _sub(parent, tag, text=text, **attributes)


def _paragraphs(parent: ET.Element, text: str) -> None:
    for line in text.split("\n"):
        if line.strip():
            _sub(parent, "p", text=line.strip())


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
          "December")


def _span(start: date, end: date) -> str:
    if start == end:
        return _long_date(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}-{end.day} {MONTHS[start.month - 1]} {start.year}"
    return f"{_long_date(start)} - {_long_date(end)}"


def _long_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
