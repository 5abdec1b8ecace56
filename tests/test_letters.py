"""Every letter in every language, rendered in process from a fixed, realistic context and held against its snapshot.

A snapshot is written only when GOV_UPDATE_SNAPSHOTS=1 is set (then read it before committing it); otherwise a
missing one fails. Beside the snapshots: no letter holds an ISO timestamp, nested brackets or "(s)", and an Arabic
letter isolates its Latin-script data in both parts.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from governance.documents import numbered, paragraphs
from governance.mail.render import FSI, PDI, Laid, Renderer, template_names
from governance.service.describe import DECISIONS, INLINE_DRAFT_LIMIT, STEPS, Localised, title_in_letters

SNAPSHOTS = Path(__file__).parent / "snapshots" / "letters"
LANGS = ("en", "ar", "fr")
ZONE = ZoneInfo("Europe/Istanbul")
TEMPLATES = sorted(template_names())


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


ROP = """1. The OIC Public Employment Services Network (OIC-PESNET) is a forum of the public employment services of OIC member states.

2. SESRIC acts as the secretariat of the network.

3. The chair of the network is held by a member for two years, designated by the network meeting."""

BODY = {"name": "OIC Public Employment Services Network", "short_name": "OIC-PESNET"}
PERSON = {"name": "Omar Hassan", "org": "Ministry of Manpower, Arab Republic of Egypt", "handle": "omar"}

MEETING = {
    "ref": "M-3", "state": "planned", "title": "4th Meeting of the OIC-PESNET", "is": "meeting", "kind": "general",
    "kind_title": title_in_letters("Network meeting"), "start": at("2023-06-07T10:00"), "end": at("2023-06-08T15:00"),
    "days": 2, "venue": "SESRIC Headquarters, Ankara (Hall B)", "online": False, "notice_days": 42,
    "notice_rule": "RoP Art. 4 (communiqué §12: the 4th meeting in 2023, two years after the 3rd)",
}
ONLINE_MEETING = dict(MEETING, ref="M-2", title="Online Focal-Point Meeting 2022", kind="focal_point",
                      kind_title=title_in_letters("Focal-point meeting"), start=at("2022-11-16T12:00"), end=at("2022-11-16T15:00"),
                      days=1, venue="https://video.example.org/pesnet-fp (registration 11:30-12:00)", online=True, notice_days=21)


def _draft(ref: str, version: int, text: str, lang: str | None = None) -> dict[str, Any]:
    laid_out = numbered(text)
    return {"version": version, "text": Laid(laid_out), "paragraphs": len(paragraphs(text)),
            "attached": len(laid_out) > INLINE_DRAFT_LIMIT, "filename": f"{ref}-v{version}{'-' + lang if lang else ''}.txt",
            "lang": lang}


# The draft's language versions (gov doc translate): a reader of Arabic or French receives the one in their language.
ROP_AR = """1. شبكة خدمات التوظيف العامة لمنظمة التعاون الإسلامي (OIC-PESNET) منتدى لخدمات التوظيف العامة في الدول الأعضاء في المنظمة.

2. يتولى مركز SESRIC أمانة الشبكة.

3. يتولى أحد الأعضاء رئاسة الشبكة لمدة سنتين، ويعيّنه اجتماع الشبكة."""
ROP_FR = """1. Le Réseau des services publics de l'emploi de l'OCI (OIC-PESNET) est un forum des services publics de l'emploi des États membres de l'OCI.

2. Le SESRIC assure le secrétariat du réseau.

3. La présidence du réseau est exercée par un membre pour deux ans, désigné par la réunion du réseau."""


DOCUMENT = {
    "ref": "D-3", "state": "circulated", "title": "Draft Rules of Procedure of the OIC-PESNET", "is": "document", "type": "rop",
    "version": 2, "meeting": "3rd Meeting of the OIC-PESNET", "text": Laid(ROP), "decision_text": DECISIONS["adopted"],
    "draft": _draft("D-3", 2, ROP),
}
LONG_TEXT = "\n\n".join(f"{n}. Member states exchange experience on digital employment services, labour market information "
                        f"systems and the skills of job seekers, and report on it to the network (item {n})." for n in range(1, 61))
LONG_DOCUMENT = dict(DOCUMENT, ref="D-4", title="Draft Action Plan 2021-2022", version=3, draft=_draft("D-4", 3, LONG_TEXT))
TRANSLATED_DOCUMENT = dict(DOCUMENT, draft=Localised(en=_draft("D-3", 2, ROP), ar=_draft("D-3", 2, ROP_AR, "ar"),
                                                     fr=_draft("D-3", 2, ROP_FR, "fr")))
ACTION = {"ref": "A-2", "state": "open", "title": "Hold an online focal-point meeting to assess the action plan", "is": "action",
          "due": at("2022-06-30T17:00"), "owner": "Statistical, Economic and Social Research and Training Centre for Islamic Countries",
          "source": "M-1"}
TERM = {"ref": "T-2", "state": "active", "title": "T-2", "is": "term", "office": "chair", "office_title": title_in_letters("Chair"),
        "org": "Turkish Employment Agency (İŞKUR)", "start": at("2021-06-03T15:00"), "end": at("2023-06-03T15:00"),
        "article": "RoP Art. 3 (communiqué §11: İŞKUR chairs the network for the next two years)"}
SUCCESSION = {"designated": None, "next": [], "rotation": "designation", "article": TERM["article"],
              "vacancy": {"rule": "outgoing_continues", "acting": "Turkish Employment Agency (İŞKUR)"}}


ACTION_PLAN = """1. Exchange of experience on digital employment services.

2. Capacity building on labour market information systems.

3. A survey of the public employment services of member states."""
COUNT = {"for": 4, "against": 1, "abstain": 1, "members": 7, "taking_part": 6, "quorum": 4, "quorum_met": True, "carried": True,
         "majority": "simple", "of": "voting"}
WRITTEN = {
    "ref": "W-1", "state": "open", "title": "Revised Action Plan 2021-2022", "is": "written", "mode": "silence",
    "until": at("2022-11-21T17:00"), "document_version": 2, "document": "D-6", "document_title": "Revised Action Plan 2021-2022",
    "text": Laid(numbered(ACTION_PLAN)), "paragraphs": 3, "article": "RoP Art. 10 (decisions between meetings, in writing)",
    "fallback": "vote", "follows": "", "followed_by": None, "meeting": None, "objections": {"items": []},
    "reservations": {"items": []}, "count": dict(COUNT, **{"for": 0, "against": 0, "abstain": 0, "taking_part": 0, "carried": False}),
    "notice": {"missing": []},
}
WRITTEN_VOTE = dict(WRITTEN, ref="W-3", mode="vote", title="Terms of reference: working group on labour market information",
                    document="D-7", follows="W-2", until=at("2023-01-24T17:00"), count=COUNT)
OBJECTION = {"org": "Ministry of Manpower, Arab Republic of Egypt", "by": "Omar Hassan", "at": at("2023-01-05T11:00"), "para": 2,
             "kind": "objection", "text": "The working group should report to the network meeting, not to the secretariat alone."}
RESERVATION = {"org": "ANAPEC, Kingdom of Morocco", "by": "Fatima Benali", "at": at("2023-01-20T10:00"), "kind": "reservation",
               "text": "Le Maroc participera au groupe de travail dans la limite de ses ressources."}


def _approval(kind: str, trigger: str, description: str) -> dict[str, Any]:
    return {"trigger": trigger, "description": description, "requested_by": "Ayşe Demir", "step": STEPS[(kind, trigger)]}


def _duration(**span: int) -> Localised:
    from babel.dates import format_timedelta

    return Localised({lang: format_timedelta(timedelta(**span), locale=lang) for lang in LANGS})


def contexts() -> dict[str, tuple[str | None, dict[str, Any]]]:
    """Each case: the reference the letter is about and what it is given. A name with a dot is a variant of a letter."""
    comment_deadline = {"name": "comment_reminder", "due": at("2021-04-17T17:00"), "days_left": 3, "limit": at("2021-04-17T17:00")}
    failures = [{"to": "omar@egy.example", "subject": "[OIC-PESNET] M-3: Invitation: 4th Meeting of the OIC-PESNET, Wednesday, 7 June 2023",
                 "error": "550 5.1.1 mailbox unavailable", "attempts": 6},
                {"to": "awa@sen.example", "subject": "[OIC-PESNET] M-3: Invitation : 4th Meeting of the OIC-PESNET, mercredi 7 juin 2023",
                 "error": "550 5.1.1 mailbox unavailable", "attempts": 1}]
    cases: dict[str, tuple[str | None, dict[str, Any]]] = {
        "action_escalation": ("A-2", {"record": dict(ACTION, state="overdue")}),
        "action_overdue": ("A-2", {"record": dict(ACTION, state="overdue")}),
        "action_reminder": ("A-2", {"record": ACTION, "deadline": {"name": "action_reminder", "due": ACTION["due"], "days_left": 7}}),
        "approval_refused": ("M-3", {"record": MEETING, "approval": _approval("meeting", "convene", "Send the invitations."),
                                     "reason": "The dates clash with the Islamic Conference of Labour Ministers."}),
        "approval_refused.term": ("T-3", {"record": dict(TERM, ref="T-3", title="T-3", state="proposed", org="Ministry of Manpower, Arab Republic of Egypt",
                                                         start=at("2023-06-03T15:00"), end=at("2025-06-03T15:00")),
                                          "approval": _approval("term", "revoke", "Withdraw a designation."),
                                          "reason": "The rotation in the rules applies."}),
        "approval_requested": ("M-3", {"record": MEETING, "approval": _approval("meeting", "convene", "Send the invitations."),
                                       "reason": "Hosted by SESRIC in Ankara; the venue is confirmed."}),
        "approval_requested.document": ("D-3", {"record": dict(DOCUMENT, state="adopted"),
                                                "approval": _approval("document", "publish", "Send the final version."), "reason": None}),
        "approval_requested.term": ("T-3", {"record": dict(TERM, ref="T-3", title="T-3", state="proposed", org="Ministry of Manpower, Arab Republic of Egypt",
                                                           start=at("2023-06-03T15:00"), end=at("2025-06-03T15:00")),
                                            "approval": _approval("term", "confirm", "Confirm a designation."),
                                            "reason": "Designated by the 4th meeting (communiqué §3)."}),
        "comment_reminder": ("D-3", {"record": DOCUMENT, "deadline": comment_deadline}),
        "comment_reminder.attached": ("D-4", {"record": LONG_DOCUMENT, "deadline": comment_deadline}),
        "comment_reminder.translated": ("D-3", {"record": TRANSLATED_DOCUMENT, "deadline": comment_deadline}),
        "comments_closed": ("D-3", {"record": dict(DOCUMENT, state="comments_closed"), "stats": {"comments": 3, "organisations": 2, "silent": 1}}),
        "comments_closed.none": ("D-3", {"record": dict(DOCUMENT, state="comments_closed"), "stats": {"comments": 0, "organisations": 0, "silent": 7}}),
        "deadline_failed": ("D-3", {"row": {"ref": "D-3", "name": "comment_reminder", "kind": "reminder", "due": at("2021-04-14T17:00"),
                                            "reason": "LookupError: no template 'comment_reminder_v2' in any language",
                                            "template": "comment_reminder_v2", "audience": "silent_commenters", "fire": None}}),
        "delivery_failed": (None, {"failures": failures}),
        "digest": (None, {"items": [], "created": at("2021-04-14T17:00")}),  # filled in by test_digest_letter_lists_each_reminder_once
        "document_circulated": ("D-3", {"record": DOCUMENT, "deadlines": {"comment_deadline": at("2021-04-17T17:00")}}),
        "document_circulated.attached": ("D-4", {"record": LONG_DOCUMENT, "deadlines": {"comment_deadline": at("2021-04-17T17:00")}}),
        "document_circulated.translated": ("D-3", {"record": TRANSLATED_DOCUMENT, "deadlines": {"comment_deadline": at("2021-04-17T17:00")}}),
        "document_published": ("D-3", {"record": dict(DOCUMENT, state="published")}),
        "mail_outage": (None, {"outage": {"since": at("2021-03-11T10:05"), "error": "cannot reach the SMTP server 127.0.0.1:25 (Connection refused)",
                                          "retry": _duration(hours=72)}}),
        "mail_restored": (None, {"outage": {"since": at("2021-03-11T10:05"), "until": at("2021-03-14T09:30"), "lasted": _duration(days=3),
                                            "error": "cannot reach the SMTP server 127.0.0.1:25 (Connection refused)", "waited": 17}}),
        "meeting_cancelled": ("M-3", {"record": dict(MEETING, state="cancelled"), "reason": "Merged with the workshop (see M-4)."}),
        "meeting_close_due": ("M-3", {"record": dict(MEETING, state="in_session")}),
        "meeting_convene_by": ("M-3", {"record": MEETING, "deadline": {"name": "convene_by", "due": at("2023-04-26T10:00"), "days_left": 7}}),
        "meeting_invitation": ("M-3", {"record": dict(MEETING, state="convened")}),
        "meeting_invitation.online": ("M-2", {"record": dict(ONLINE_MEETING, state="convened")}),
        "meeting_not_opened": ("M-3", {"record": dict(MEETING, state="convened")}),
        "meeting_notice_limit": ("M-3", {"record": MEETING}),
        "meeting_updated": ("M-3", {"record": dict(MEETING, state="convened"),
                                    "previous": {"start": at("2023-05-31T10:00"), "end": at("2023-06-01T15:00"), "venue": MEETING["venue"], "online": False}}),
        "meeting_updated.venue": ("M-2", {"record": dict(ONLINE_MEETING, state="convened"),
                                          "previous": {"title": "Online Focal-Point Meeting", "venue": "https://video.example.org/old", "online": True,
                                                       "start": ONLINE_MEETING["start"], "end": ONLINE_MEETING["end"]}}),
        "office_vacant": ("T-2", {"record": dict(TERM, state="ended", succession=SUCCESSION)}),
        "office_vacant.secretariat": ("T-2", {"record": dict(TERM, state="ended", succession=dict(
            SUCCESSION, rotation="order", next=["Ministry of Manpower, Arab Republic of Egypt"], vacancy={"rule": "secretariat_acts", "acting": ""}))}),
        "term_ended": ("T-2", {"record": dict(TERM, state="ended")}),
        "term_ending": ("T-2", {"record": dict(TERM, succession=SUCCESSION), "deadline": {"name": "term_ending", "due": TERM["end"], "days_left": 30}}),
        "term_ending.designated": ("T-2", {"record": dict(TERM, succession=dict(SUCCESSION, designated={
            "org": "Ministry of Manpower, Arab Republic of Egypt", "ref": "T-3", "start": at("2023-06-03T15:00")})),
            "deadline": {"name": "term_ending", "due": TERM["end"], "days_left": 1}}),
        "term_started": ("T-2", {"record": TERM}),
        "written_silence": ("W-1", {"record": WRITTEN, "reason": "Revised after the online focal-point meeting of October 2022."}),
        "written_silence.relayed": ("W-1", {"record": WRITTEN, "relayed": {"failed": ["Omar Hassan"],
                                                                            "org": "Ministry of Manpower, Arab Republic of Egypt"}}),
        "written_silence.long": ("W-1", {"record": dict(WRITTEN, text="", paragraphs=60)}),
        "written_vote": ("W-3", {"record": dict(WRITTEN_VOTE, state="open", count=dict(COUNT, **{"for": 0, "against": 0, "abstain": 0}))}),
        "written_vote.two_thirds": ("W-4", {"record": dict(WRITTEN_VOTE, ref="W-4", follows="", count=dict(COUNT, majority="two_thirds", of="members")),
                                            "reason": "Urgent: the survey must start before the 4th meeting."}),
        "written_reminder": ("W-3", {"record": WRITTEN_VOTE, "deadline": {"name": "vote_reminder", "due": WRITTEN_VOTE["until"],
                                                                         "days_left": 3, "limit": WRITTEN_VOTE["until"]}}),
        "written_broken": ("W-2", {"record": dict(WRITTEN_VOTE, ref="W-2", state="broken", mode="silence", follows="",
                                                  objections={"items": [OBJECTION]},
                                                  followed_by={"ref": "W-3", "until": WRITTEN_VOTE["until"]})}),
        "written_broken.meeting": ("W-2", {"record": dict(WRITTEN_VOTE, ref="W-2", state="broken", mode="silence", follows="", fallback="meeting",
                                                          objections={"items": [dict(OBJECTION, kind="amendment", para=None)]},
                                                          meeting={"ref": "M-3", "title": MEETING["title"], "start": MEETING["start"]})}),
        "written_adopted": ("W-1", {"record": dict(WRITTEN, state="adopted")}),
        "written_adopted.vote": ("W-3", {"record": dict(WRITTEN_VOTE, state="adopted", reservations={"items": [RESERVATION]})}),
        "written_not_adopted": ("W-3", {"record": dict(WRITTEN_VOTE, state="not_adopted", count=dict(
            COUNT, **{"for": 1, "against": 0, "abstain": 1, "taking_part": 2, "quorum_met": False, "carried": False}))}),
        "written_withdrawn": ("W-1", {"record": dict(WRITTEN, state="withdrawn"), "reason": "The text will be revised after the survey."}),
        "written_spoken": ("W-3", {"record": WRITTEN_VOTE, "spoken": {"act": "vote", "position": "against", "by": "Huda Al-Sayed",
                                                                      "org": "Civil Service Bureau, Kingdom of Bahrain",
                                                                      "text": "The working group needs a budget first."}}),
        "written_spoken.reservation": ("W-3", {"record": dict(WRITTEN_VOTE, state="adopted"), "spoken": {
            "act": "reservation", "position": None, "by": "Fatima Benali", "org": "ANAPEC, Kingdom of Morocco", "text": RESERVATION["text"]}}),
        "written_unreached": ("W-1", {"record": WRITTEN, "unreached": [
            {"org": "Ministry of Manpower, Arab Republic of Egypt", "code": "EGY", "failed": ["Omar Hassan"], "relayed": ["Nadia Farouk"]},
            {"org": "Agence nationale pour la promotion de l'emploi des jeunes, Senegal", "code": "SEN", "failed": ["Awa Diop"], "relayed": []},
            {"org": "Social Security Organisation (SOCSO), Malaysia", "code": "MYS", "failed": [], "relayed": []}]}),
        "written_notice_missing": ("W-1", {"record": dict(WRITTEN, notice={"missing": ["Social Security Organisation (SOCSO), Malaysia"]})}),
    }
    base = {"body": BODY, "person": PERSON, "record": {}, "actor": "Ayşe Demir", "reason": None, "deadline": {}, "deadlines": {},
            "approval": {}, "stats": {}, "successor": None, "vacancy": None}
    return {name: (ref, dict(base, **extra)) for name, (ref, extra) in cases.items()}


CASES = contexts()


def renderer() -> Renderer:
    return Renderer(ZONE, "OIC-PESNET", "en", LANGS)


def render(case: str, lang: str) -> Any:
    ref, context = CASES[case]
    if case == "digest":
        context = dict(context, items=_digest_items(lang))
    return renderer().render(case.split(".")[0], lang, context, ref)


def _digest_items(lang: str) -> list[dict[str, Any]]:
    """What merge_reminders hands the digest: two reminders, each without its greeting and sign-off."""
    from governance.mail.digest import core as _core, topic as _topic
    from governance.mail.render import Laid

    items = []
    for case in ("comment_reminder", "action_reminder"):
        ref, context = CASES[case]
        letter = renderer().render(case, lang, context, ref)
        greeting, closing = renderer().frame(case, lang, {"person": PERSON, "body": BODY})
        items.append({"subject": Laid(_topic(letter.subject, "OIC-PESNET", ref)), "text": Laid(_core(letter.text, greeting, closing)), "ref": ref})
    return items


def snapshot(letter: Any) -> str:
    return f"Subject: {letter.subject}\n\n----- text -----\n{letter.text}\n----- html -----\n{letter.html}\n"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_letter_matches_its_snapshot(case: str, lang: str) -> None:
    letter = render(case, lang)
    assert letter.lang == lang
    path = SNAPSHOTS / lang / f"{case}.txt"
    got = snapshot(letter)
    if os.environ.get("GOV_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.is_file(), f"no snapshot {path.relative_to(SNAPSHOTS.parent.parent)}: render it with GOV_UPDATE_SNAPSHOTS=1 and read it"
    assert got == path.read_text(encoding="utf-8")


def test_every_letter_has_a_case() -> None:
    assert {name.split(".")[0] for name in CASES} == set(TEMPLATES)


ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _nesting(line: str) -> int:
    depth = deepest = 0
    for ch in line:
        if ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth = max(depth - 1, 0)
    return deepest


@pytest.mark.parametrize("lang", LANGS)
def test_no_letter_holds_an_iso_timestamp_nested_brackets_or_a_plural_in_brackets(lang: str) -> None:
    for case in CASES:
        letter = render(case, lang)
        for part in (letter.subject, letter.text):
            visible = part.replace(FSI, "").replace(PDI, "")
            assert not ISO.search(visible), (case, ISO.search(visible))
            assert "((" not in visible and "))" not in visible, case
            assert "(s)" not in visible and "(e)s" not in visible, case
            deep = [line for line in visible.splitlines() if _nesting(line) > 1 and not line.startswith("[")]
            assert not deep, (case, deep)


def test_arabic_letters_isolate_latin_data_in_text_and_html() -> None:
    letter = render("meeting_invitation", "ar")
    assert f"{FSI}4th Meeting of the OIC-PESNET{PDI}" in letter.text
    assert f"{FSI}SESRIC Headquarters, Ankara (Hall B){PDI}" in letter.text
    assert f"أمانة {FSI}OIC-PESNET{PDI}" in letter.text
    assert "<bdi>4th Meeting of the OIC-PESNET</bdi>" in letter.html and "<bdi>SESRIC Headquarters, Ankara (Hall B)</bdi>" in letter.html
    page = letter.html.split("<body", 1)[1]  # the <title> holds text only: there the isolates stay as characters
    assert FSI not in page and PDI not in page
    moment = re.search(f"{FSI}[^{PDI}]*12|{FSI}[^{PDI}]*10:00[^{PDI}]*{PDI}", letter.text)
    assert moment, letter.text  # the time travels isolated with its date
    # A document's text is a block of its own, each line set in its own direction: not data inside a sentence.
    blocks = set(ROP.splitlines()) | set(numbered(ROP).splitlines()) | set(numbered(ACTION_PLAN).splitlines()) | set(numbered(ROP_AR).splitlines())
    for case in CASES:
        arabic = render(case, "ar")
        for line in arabic.text.splitlines():
            stripped = re.sub(f"{FSI}[^{PDI}]*{PDI}", "", line)
            if line in blocks or line.lstrip().startswith("gov "):
                continue
            latin = re.findall(r"[A-Za-z]{2,}", stripped)
            # What remains outside isolates is the template's own Arabic (and the odd command name in backticks).
            assert all(word in ("gov", "outbox", "status", "failed", "retry", "pending", "deadlines", "all", "rules", "check",
                                "doc", "revise", "config", "toml", "mail", "UTC", "CODE", "DATE", "N") for word in latin), (case, line)


def test_english_and_french_letters_carry_no_isolates_for_latin_data() -> None:
    for lang in ("en", "fr"):
        letter = render("meeting_invitation", lang)
        assert FSI not in letter.text and "<bdi>" not in letter.html


def test_commands_in_a_letter_carry_no_invisible_character() -> None:
    for lang in LANGS:
        for case in CASES:
            for line in render(case, lang).text.splitlines():
                if line.lstrip().startswith("gov "):
                    assert not re.search("[\u2066-\u2069\u200e\u200f]", line), (case, lang, line)


def test_french_letters_elide_before_a_vowel() -> None:
    text = render("document_circulated", "fr").text
    assert "Le Secrétariat de l'OIC-PESNET" in text and "du OIC" not in text
    for case in CASES:
        letter = render(case, "fr")
        assert not re.search(r"\b(du|de|le|la|que) [AEIOUÉÈÎİ]", letter.text.replace(FSI, "").replace(PDI, "")), case


@pytest.mark.parametrize(("count", "lang", "expected"), [
    (0, "en", "No comment arrived"), (1, "en", "One comment arrived"), (2, "en", "2 comments arrived"),
    (0, "fr", "Aucune observation"), (1, "fr", "Une observation"), (5, "fr", "5 observations"),
    (0, "ar", "لم ترد أي ملاحظة"), (1, "ar", "ملاحظة واحدة"), (2, "ar", "ملاحظتان"), (3, "ar", "3 ملاحظات"),
    (11, "ar", "11 ملاحظة"), (100, "ar", "100 ملاحظة"),
])
def test_counts_take_the_plural_form_their_language_gives_them(count: int, lang: str, expected: str) -> None:
    ref, context = CASES["comments_closed"]
    letter = renderer().render("comments_closed", lang, dict(context, stats={"comments": count, "organisations": 1, "silent": 0}), ref)
    assert expected in letter.text, letter.text


def test_a_short_draft_travels_numbered_in_the_letter_and_a_long_one_is_announced_as_attached() -> None:
    short = render("document_circulated", "en").text
    assert "[1] 1. The OIC Public Employment Services Network" in short and "[3] 3. The chair" in short
    long = render("document_circulated.attached", "en").text
    assert "attached to this letter as D-4-v3.txt" in long and "[1]" not in long and "60 numbered paragraphs" in long
    for lang in LANGS:
        assert "D-4-v3.txt" in render("comment_reminder.attached", lang).text


def test_approval_request_says_what_is_to_be_approved() -> None:
    meeting = render("approval_requested", "en").text
    for phrase in ("4th Meeting of the OIC-PESNET", "Network meeting", "Wednesday, 7 June 2023, 10:00", "Thursday, 8 June 2023, 15:00",
                   "SESRIC Headquarters, Ankara", "convening", "Reason given: Hosted by SESRIC"):
        assert phrase in meeting, phrase
    document = render("approval_requested.document", "en").text
    assert "version 2" in document and "publishing the final version" in document and "Draft Rules of Procedure" in document
    term = render("approval_requested.term", "fr").text
    assert "Ministry of Manpower" in term and "3 juin 2025" in term


def test_digest_letter_lists_each_reminder_once_without_their_greetings_and_sign_offs() -> None:
    for lang in LANGS:
        text = render("digest", lang).text
        greeting, closing = renderer().frame("comment_reminder", lang, {"person": PERSON, "body": BODY})
        assert greeting and closing
        assert text.startswith(greeting) and text.rstrip().endswith(closing), text
        inner = text.rstrip()[len(greeting):-len(closing)]
        assert greeting not in inner and closing not in inner, text  # the merged letters' own are gone
        assert "gov comment add D-3" in text and "gov advance A-2 complete" in text


# -- the paragraphs a comment's --para counts ------------------------------------------------------------------------

def test_paragraphs_are_the_blocks_between_blank_lines() -> None:
    assert paragraphs("") == [] and paragraphs("\n \n\t\n") == []
    assert paragraphs("One.") == ["One."]
    assert paragraphs("\n\nOne line\nand its second.  \n\n \n\n  Two, indented.\n\n\nThree.\n") == [
        "One line\nand its second.", "  Two, indented.", "Three."]
    assert paragraphs("A.\r\n\r\nB.\rstill B.") == ["A.", "B.\nstill B."]  # as Windows and old Mac systems end lines
    assert paragraphs("A.\n\u00a0\nB.") == ["A.", "B."]  # a line of white space of any kind is blank
    assert numbered("A.\n\nB.") == "[1] A.\n\n[2] B."


# -- a draft in a real circulation: queued, built, delivered -----------------------------------------------------------

def _letters(network: Any) -> list[Any]:
    import email
    from email import policy

    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted((network.folder / "mail").rglob("*.eml"))]


def test_a_long_draft_goes_out_attached_as_a_numbered_text_file_and_a_short_one_in_the_letter(network, tmp_path) -> None:
    long_text = "\n\n".join(f"Article {n}. " + "The members of the network cooperate in good faith. " * 3 for n in range(1, 51))
    short_text = "Background.\n\nObjectives of the meeting."
    (tmp_path / "long.txt").write_text(long_text, encoding="utf-8")
    (tmp_path / "short.txt").write_text(short_text, encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "Draft Rules of Procedure", "--file", str(tmp_path / "long.txt"),
               actor="sec", now="2021-04-01T10:00")
    network.ok("doc", "create", "--type", "concept_note", "--title", "Concept note", "--file", str(tmp_path / "short.txt"),
               actor="sec", now="2021-04-01T10:00")
    network.ok("advance", "D-1", "circulate", actor="sec", now="2021-04-01T10:00")
    network.ok("advance", "D-2", "circulate", actor="sec", now="2021-04-01T10:00")
    rows = network.sql("SELECT ref, lang, attachment_name, attachment, body_text FROM outbox WHERE template = 'document_circulated'")
    assert rows and {r[0] for r in rows} == {"D-1", "D-2"}
    for ref, lang, name, attachment, body in rows:
        if ref == "D-1":
            assert name == "D-1-v1.txt" and attachment == numbered(long_text) + "\n"
            assert "D-1-v1.txt" in body and "[50] Article 50." not in body
        else:
            assert name is None and attachment is None
            assert "[1] Background.\n\n[2] Objectives of the meeting." in body
    network.ok("send", now="2021-04-01T10:05")
    letters = [m for m in _letters(network) if m["X-Governance-Ref"] == "D-1"]
    assert letters
    for letter in letters:
        files = [part for part in letter.iter_attachments() if part.get_filename() == "D-1-v1.txt"]
        assert len(files) == 1 and files[0].get_content_type() == "text/plain" and files[0].get_content_charset() == "utf-8"
        assert files[0].get_content() == numbered(long_text) + "\n"
        assert files[0]["Content-Disposition"].startswith("attachment")
    arabic = next(m for m in letters if m["Content-Language"] == "ar")
    assert "<bdi>D-1-v1.txt</bdi>" in arabic.get_body(("html",)).get_content()


def test_a_digest_keeps_one_greeting_and_one_sign_off_and_carries_the_attached_draft(network, tmp_path) -> None:
    long_text = "\n\n".join(f"Item {n}. " + "Members exchange experience on employment services. " * 3 for n in range(1, 51))
    (tmp_path / "long.txt").write_text(long_text, encoding="utf-8")
    (tmp_path / "short.txt").write_text("1. Text.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "Draft Rules of Procedure", "--file", str(tmp_path / "long.txt"),
               actor="sec", now="2021-04-01T10:00")
    network.ok("doc", "create", "--type", "action_plan", "--title", "Draft Action Plan", "--file", str(tmp_path / "short.txt"),
               actor="sec", now="2021-04-01T10:00")
    network.ok("advance", "D-1", "circulate", actor="sec", now="2021-04-01T10:00")
    network.ok("advance", "D-2", "circulate", actor="sec", now="2021-04-01T10:00")
    reminders = [d for d in network.j("deadlines", "--all", now="2021-04-01T10:00")["deadlines"] if d["name"] == "comment_reminder"]
    first = min(d["due"] for d in reminders)
    network.ok("tick", now=first)
    network.ok("send", now=first)
    rows = network.sql("SELECT lang, body_text, attachment_name FROM outbox WHERE template = 'digest' AND recipient = 'mar@mar.example'")
    assert len(rows) == 1
    lang, text, attachment = rows[0]
    assert lang == "fr" and attachment == "D-1-v1.txt"
    assert text.count("Madame, Monsieur,\n") == 1 and text.count("Le Secrétariat de l'OIC-PESNET") == 1
    assert text.count("Veuillez agréer") == 1 and "gov comment add D-1" in text and "gov comment add D-2" in text
    arabic = network.sql("SELECT body_text FROM outbox WHERE template = 'digest' AND recipient = 'bhr@bhr.example'")[0][0]
    assert arabic.count("تحية طيبة وبعد") == 1 and arabic.count("وتفضلوا بقبول") == 1


def test_a_letter_with_a_calendar_entry_and_a_draft_carries_both_and_a_name_that_cannot_escape() -> None:
    from datetime import timezone
    from email import message_from_bytes, policy
    from types import SimpleNamespace

    from governance.mail.message import build

    row = SimpleNamespace(id=3, body_text="Texte\n", body_html="<p>Texte</p>", ics="BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
                          recipient="a@b.example", recipient_name="A", subject="S", ref="D-3", lang="fr", template="document_circulated",
                          created_at=datetime(2021, 3, 1, tzinfo=timezone.utc), audit_head=None,
                          attachment_name="../D-3\nv2:.txt", attachment="[1] Premier paragraphe — é.\n")
    letter = message_from_bytes(build(row, "secretariat@example.org", "OIC-PESNET").as_bytes(), policy=policy.default)
    parts = list(letter.iter_attachments())
    assert [p.get_content_type() for p in parts] == ["text/calendar", "text/plain"]
    assert parts[1].get_filename() == "D-3 v2-.txt" and parts[1].get_content() == row.attachment
    assert letter.get_body(("plain",)).get_content() == "Texte\n"
