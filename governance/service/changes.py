"""Every change a person (or the engine) can make, one function each; each runs inside one operation."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, func, select

from governance.clock import add_months, day_end, day_start, local_day, meeting_times, shown, start_of_day
from governance.countries import is_country
from governance.errors import BadInput, NotAllowedNow, NotPermitted
from governance.textcheck import is_email, line_problem, text_problem
from governance.service import audit, engine, lookup
from governance.service.calendars import calendar_changed, meeting_on_closed_days, moved_due, timezone_option, working_due
from governance.service.context import Operation
from governance.service.guards import Votes
from governance.workflows import records
from governance.workflows.records import CONFIRM, TERM_STATES
from governance.store.models import (
    Action,
    Attendance,
    Comment,
    Document,
    DocumentVersion,
    Meeting,
    Organisation,
    Person,
    PersonRole,
    Term,
    WorkflowRecord,
)

ORG_KINDS = ("member", "secretariat", "observer")
DISPOSITIONS = ("accepted", "partly", "rejected", "noted")
MAX_TEXT = 2_000_000
# The longest value each column takes (governance/store/models.py): PostgreSQL refuses a longer one mid-transaction.
NAME_MAX, TITLE_MAX, VENUE_MAX, GROUP_MAX, SOURCE_MAX = 300, 500, 500, 100, 300
FREE_TEXT_MAX = 100_000  # reasons, comments, notes
_COUNTRY = re.compile(r"[A-Za-z]{3}")
_LINK = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
# The audit trail names the engine itself with these words; a person holding one would be mistaken for it.
RESERVED_HANDLES = frozenset({"system", "setup", "engine"})


def _acting(op: Operation) -> None:
    if op.actor.person is None and not op.actor.handle:
        raise BadInput("no one is acting: pass --as HANDLE (or set GOV_ACTOR)")


def _require(op: Operation, role: str, doing: str, rule: str | None = None) -> None:
    _acting(op)
    if role not in op.actor.roles:
        raise NotPermitted(f"{op.actor.handle or 'nobody'} may not {doing}: only the {role} may", rule=rule)


def _serialise(op: Operation, name: str) -> None:
    """Make the changes that check `name` and then write on its word wait for one another (PostgreSQL; SQLite's
    writers already take the write lock up front): a transaction-scoped advisory lock, released at commit or rollback."""
    if not op.instance.db.is_sqlite:
        op.session.execute(select(func.pg_advisory_xact_lock(func.hashtext(name))))


def _bootstrap_or_secretariat(op: Operation, doing: str) -> None:
    """Setting up people is the secretariat's job; before anyone holds that role, anyone may begin."""
    anyone = op.session.scalar(select(exists().where(PersonRole.role == op.rules.secretariat)))
    if anyone:
        _require(op, op.rules.secretariat, doing)


def single_line(value: str | None, what: str, limit: int) -> str:
    """A one-line field (a name, a title, a venue): no control character or line break, trimmed, not empty, within its column.

    Checked before trimming: a name ending in a line break is refused, not quietly mended, so what is stored is what was meant.
    """
    problem = line_problem(value or "")
    if problem:
        raise BadInput(f"{what} {problem}")
    return _sized((value or "").strip(), what, limit)


def multi_line(value: str | None, what: str, limit: int = FREE_TEXT_MAX) -> str:
    """A free text (a reason, a comment, a note): line breaks and tabs allowed, no other control character; not empty."""
    text = (value or "").replace("\r\n", "\n")
    problem = text_problem(text)
    if problem:
        raise BadInput(f"{what} {problem}")
    return _sized(text.strip(), what, limit)


def optional_line(value: str | None, what: str, limit: int) -> str | None:
    """A one-line field that may be left out: None or blank stays None (a blank of control characters is still refused)."""
    if value is None or (not value.strip() and line_problem(value) is None):
        return None
    return single_line(value, what, limit)


def optional_text(value: str | None, what: str, limit: int = FREE_TEXT_MAX) -> str | None:
    """A free text that may be left out: None or blank stays None (a blank of control characters is still refused)."""
    if value is None or (not value.strip() and text_problem(value.replace("\r\n", "\n")) is None):
        return None
    return multi_line(value, what, limit)


def _sized(text: str, what: str, limit: int) -> str:
    if not text:
        raise BadInput(f"{what} must not be empty")
    if len(text) > limit:
        raise BadInput(f"{what} is too long ({len(text)} characters, at most {limit})")
    return text


def _text(value: str, what: str, limit: int = TITLE_MAX) -> str:
    """Free text for the callers that take it as it comes (comments): control characters other than line breaks and tabs refused."""
    return multi_line(value, what, limit)


def add_org(op: Operation, code: str, name: str, kind: str, country: str | None, group: str | None,
            weekend: str | None = None, holidays: str | None = None) -> Organisation:
    _bootstrap_or_secretariat(op, "add organisations")
    if lookup.CODE.fullmatch(code or "") is None:
        raise BadInput(f"organisation code {code!r} must be letters, digits, '.', '_' or '-' (at most 64), starting with a letter or digit")
    if kind not in ORG_KINDS:
        raise BadInput(f"--kind must be one of {', '.join(ORG_KINDS)}, not {kind!r}")
    name = single_line(name, "--name", NAME_MAX)
    country = _country(country)
    group = optional_line(group, "--group", GROUP_MAX)
    if op.session.scalar(select(exists().where(Organisation.code == code))):
        raise BadInput(f"an organisation with the code {code!r} already exists")
    org = Organisation(code=code, name=name, kind=kind, country=country, group=group, created_at=op.now)
    org.weekend, org.holidays = _own_calendar(None, None, weekend, holidays)
    op.session.add(org)
    calendar = {"weekend": org.weekend, "holidays": org.holidays} if org.weekend or org.holidays else {}
    op.audit.append(audit.entry(op.now, op.actor.handle or "setup", None, "org add", None, None, None, None,
                                {"code": code, "name": org.name, "kind": kind, "country": org.country, "group": org.group,
                                 **calendar}))
    return org


def _own_calendar(weekend: str | None, holidays: str | None, new_weekend: str | None,
                  new_holidays: str | None) -> tuple[str | None, str | None]:
    """An organisation's weekend and holidays after --weekend and --holidays ("none" clears): holidays given alone
    bring their country's weekend with them, as the holidays package knows it (Friday and Saturday for Bahrain)."""
    from governance.service.calendars import country_weekend, holidays_option, weekend_option

    given_weekend, given_holidays = weekend_option(new_weekend), holidays_option(new_holidays)
    if given_holidays is not None:
        holidays = given_holidays or None
        if given_weekend is None and holidays and not weekend:
            given_weekend = country_weekend(holidays.split(",")[0])
    if given_weekend is not None:
        weekend = given_weekend or None
    return weekend, holidays


def _country(country: str | None) -> str | None:
    """An ISO 3166-1 alpha-3 code, stored upper case; None when not given."""
    if country is None:
        return None
    if _COUNTRY.fullmatch(country) is None:
        raise BadInput(f"--country must be an ISO 3166 alpha-3 code of three letters such as TUR, not {country!r}")
    if not is_country(country):
        raise BadInput(f"--country {country!r} is not an ISO 3166-1 alpha-3 country code (TUR is Türkiye, MAR Morocco, IDN Indonesia)")
    return country.upper()


def _email(op: Operation, email: str, person: Person | None = None) -> str:
    """An address checked for form, and held by no one else: two people at one address would read each other's letters.

    People removed are left out: their address may pass to whoever now does their job.
    """
    email = single_line(email, "--email", 320)
    if not is_email(email):
        raise BadInput(f"--email {email!r} is not an e-mail address (one plain address such as name@example.org)")
    _serialise(op, f"email:{email.lower()}")  # two people given one address at once would both find it free
    query = select(Person.handle).where(func.lower(Person.email) == email.lower(), Person.removed_at.is_(None))
    if person is not None:
        query = query.where(Person.id != person.id)
    other = op.session.scalar(query.limit(1))
    if other is not None:
        raise BadInput(f"{email} is already the address of {other}; each person needs an address of their own")
    return email


def _languages(op: Operation, lang: str | None) -> str | None:
    languages = op.rules.languages
    if lang is not None and lang not in languages:
        raise BadInput(f"--lang must be one of the body's languages ({', '.join(languages)}), not {lang!r}")
    return lang


def _roles(op: Operation, roles: list[str]) -> list[str]:
    known = op.rules.standing_roles()
    for role in roles:
        if role not in known:
            extra = " (offices such as the chair come with a term: `gov term designate`)" if role in op.rules.offices() else ""
            raise BadInput(f"unknown role {role!r}; roles are {', '.join(known)}{extra}")
    return list(dict.fromkeys(roles))


def add_person(op: Operation, handle: str, name: str, email: str, org_code: str, lang: str | None, roles: list[str],
               timezone: str | None = None) -> Person:
    _bootstrap_or_secretariat(op, "add people")
    if lookup.CODE.fullmatch(handle or "") is None:
        raise BadInput(f"handle {handle!r} must be letters, digits, '.', '_' or '-' (at most 64)")
    if handle.lower() in RESERVED_HANDLES:
        raise BadInput(f"the handle {handle!r} is reserved: the audit trail uses it for the engine itself")
    name = single_line(name, "--name", NAME_MAX)
    lang = _languages(op, lang)
    roles = _roles(op, roles)
    org = lookup.organisation(op.session, org_code)
    if op.session.scalar(select(exists().where(Person.handle == handle))):
        raise BadInput(f"a person with the handle {handle!r} already exists")
    email = _email(op, email)
    zone = timezone_option(timezone, op.rules) or None
    person = Person(handle=handle, name=name, email=email, org_id=org.id, lang=lang, timezone=zone, created_at=op.now)
    person.roles = [PersonRole(role=r) for r in dict.fromkeys(roles)]
    op.session.add(person)
    op.audit.append(audit.entry(op.now, op.actor.handle or "setup", None, "person add", None, None, None, None,
                                {"handle": handle, "org": org.code, "roles": sorted(set(roles)), "lang": lang,
                                 **({"timezone": zone} if zone else {})}))
    return person


def designate_term(op: Operation, office: str, org_code: str, start: datetime | date | None, months: int | None, reason: str | None) -> Term:
    """Designate the next holder of an office. Outside the rotation the rules set, it needs a reason and the chair's approval.

    A day given alone starts at its first moment in the body's zone. A designation whose start has come takes effect
    in the same change: the term is active when the command returns, not at the next tick.
    """
    from governance.service.succession import candidates, latest_term

    if office not in op.rules.offices():
        raise BadInput(f"unknown office {office!r} (offices: {', '.join(op.rules.offices())})")
    provision = op.rules.provision(f"offices.{office}")
    _require(op, op.rules.secretariat, f"designate the {office}", provision.cite())
    org = lookup.organisation(op.session, org_code)
    if org.kind != "member":
        raise NotAllowedNow(f"{org.code} is not a member organisation and cannot hold the office of {office}", rule=provision.cite())
    if months is not None and not 1 <= months <= 240:
        raise BadInput("--months must be from 1 to 240")
    if not op.instance.db.is_sqlite:
        # The overlap check reads other terms and then adds one: two designations at once (for different
        # organisations) would both pass it. An office has no row to lock, so a transaction-scoped advisory lock
        # on its name serialises the designations of one office; it is released at commit or rollback.
        # (An exclusion constraint would need btree_gist and a migration; the lock also covers the rotation
        # check below.) Activation needs no lock: it only moves a term the non-overlap check already admitted.
        # SQLite needs none: its writers already take the database's write lock up front (BEGIN IMMEDIATE).
        _serialise(op, f"office:{office}")
    zone = op.rules.zone
    if start is None:  # a designation made in advance starts when the current term ends
        current = latest_term(op.session, office, TERM_STATES.waiting + TERM_STATES.holding)
        if current is not None:
            start = current.end
        else:
            # Today's designation starts with today, not at the minute it was typed; after a term that ended
            # earlier today, when that one ended.
            start = start_of_day(local_day(op.now, zone), zone)
            ended = latest_term(op.session, office, TERM_STATES.ended)
            if ended is not None and ended.end > start:
                start = ended.end
    else:
        start = day_start(start, zone)
    length = months or provision["term_months"]
    end = add_months(start, length, op.rules.zone)
    overlapping = op.session.scalar(
        select(Term).where(Term.office == office, Term.state.in_(TERM_STATES.waiting + TERM_STATES.holding), Term.start < end,
                           Term.end > start).limit(1)
    )
    if overlapping is not None:
        raise NotAllowedNow(
            f"terms of the {office} cannot overlap: {overlapping.ref} ({overlapping.org.code}) runs "
            f"{shown(overlapping.start, op.rules.zone)} to {shown(overlapping.end, op.rules.zone)}",
            rule=provision.cite(),
        )
    pointed = candidates(op.session, op.rules, office)
    outside = provision["rotation"] != "designation" and org.code not in pointed["next"]
    if outside and not (reason and reason.strip()):
        raise NotAllowedNow(
            f"the rules point to {', '.join(pointed['next']) or 'no one'} as the next {office}, not {org.code} "
            f"({pointed['reason']}); to designate {org.code} anyway, give --reason and the chair must approve",
            rule=provision.cite(),
        )
    term = Term(office=office, org_id=org.id, start=start, end=end, reason=reason, created_at=op.now)
    term.org = org
    detail = {"office": office, "org": org.code, "start": start, "end": end, "months": length, "rotation": pointed["next"]}
    if outside:
        # It waits, in the state the confirming trigger leaves, for that trigger (and its approval).
        confirm = op.instance.workflows[records.of_model(Term).kind].triggers[CONFIRM]
        engine.enter_initial(op, term, dict(detail, outside_rotation=True), reason, state=confirm.sources[0])
        engine.advance(op, term, confirm.name, reason)
    else:
        engine.enter_initial(op, term, detail, reason)
    _fire_what_is_due(op, term)
    return term


def _fire_what_is_due(op: Operation, record: WorkflowRecord) -> None:
    """Fire, in this change, the deadline rows the record's state has just written and whose moment has already come
    (a term designated from a day already begun is active at once), as `tick` would: by the engine, citing the rule.

    A row whose trigger is refused now is left pending; tick records why when it comes to it.
    """
    from governance.errors import GovError
    from governance.service.actors import SYSTEM

    fired: set[tuple[str, str]] = set()
    while True:
        due = [row for row in op.deadlines if row["ref"] == record.ref and row["scope"] == record.state and row["fire"]
               and row["status"] == "pending" and row["due"] <= op.now and (row["scope"], row["name"]) not in fired]
        if not due:
            return
        row = min(due, key=lambda r: r["due"])
        fired.add((row["scope"], row["name"]))  # a state that re-enters itself would write the same row again
        rule = row["rule"]
        provision = records.of_model(type(record)).provision
        if rule is None and provision:
            rule = op.rules.provision(provision.format_map({"record": record})).cite()
        acting, first = op.actor, len(op.audit)
        op.actor = SYSTEM  # the rule acts, not the person who designated: the audit trail says so
        try:
            engine.advance(op, record, row["fire"], reason=f"{row['name']} reached", rule=rule)
        except GovError:
            return
        finally:
            op.actor = acting
        for entry in op.audit[first:]:
            entry["channel"], entry["via"] = "engine", None


def create_meeting(op: Operation, kind: str, title: str, start: datetime | date, end: datetime | date, venue: str | None, online: bool,
                   follows: str | None = None, link: str | None = None) -> Meeting:
    """Plan a meeting. Days given alone mean the working day (`clock.meeting_times`: 09:00 to 17:00 local), so
    `--start D --end D` is a one-day meeting. An online meeting's venue is its video-conference link (`--link`)."""
    if single_line(kind, "--kind", 40) not in op.rules.meeting_kinds():
        raise BadInput(f"unknown meeting kind {kind!r} (kinds: {', '.join(op.rules.meeting_kinds())})")
    _require(op, op.rules.secretariat, "create meetings")
    start, end = _span(op, start, end)
    title = single_line(title, "--title", TITLE_MAX)
    venue, online = _place(venue, online, link, None)
    previous = lookup.record(op.session, follows, ("meeting",)) if follows else None
    meeting = Meeting(kind=kind, title=title, start=start, end=end, venue=venue,
                      online=online, follows_id=previous.id if previous else None, created_at=op.now)
    engine.enter_initial(op, meeting, {"kind": kind, "title": meeting.title, "start": start, "end": end,
                                       "venue": meeting.venue, "online": online, "follows": follows})
    if start <= op.now:
        op.warnings.append(f"{meeting.ref} starts in the past ({shown(start, op.rules.zone)}, now {shown(op.now, op.rules.zone)}): "
                           "it cannot be convened with notice; cancel it or reschedule it")
    op.warnings.extend(meeting_on_closed_days(op, meeting))
    return meeting


def _span(op: Operation, start: datetime | date, end: datetime | date) -> tuple[datetime, datetime]:
    """A meeting's start and end as moments (days alone: its working hours), the end after the start."""
    begin, finish = meeting_times(start, end, op.rules.zone)
    if finish <= begin:
        zone = op.rules.zone
        raise BadInput(f"--end ({shown(finish, zone)}) must be after --start ({shown(begin, zone)})"
                       + ("; a day given alone runs 09:00 to 17:00" if not isinstance(start, datetime) or not isinstance(end, datetime) else ""))
    return begin, finish


def _place(venue: str | None, online: bool, link: str | None, meeting: Meeting | None) -> tuple[str | None, bool]:
    """Where a meeting takes place, as (venue, online): a place (`--venue`, which makes it in person), or online
    (`--online`) with its video-conference link (`--link`), which is then its venue. `meeting`: the one being
    changed (None: a new one); what is not given stays as it is."""
    if link is not None:
        link = single_line(link, "--link", VENUE_MAX)
        if _LINK.fullmatch(link) is None:
            raise BadInput(f"--link must be a web address starting with https:// (or http://), not {link!r}")
    if meeting is None:  # a new meeting: --venue and --online together name an online meeting and its room or link
        if link is not None and not online:
            raise BadInput("--link goes with --online: an online meeting's video-conference link")
        if link is not None and venue is not None:
            raise BadInput("an online meeting's venue is its link: give --link or --venue, not both")
        return (link if link is not None else optional_line(venue, "--venue", VENUE_MAX)), bool(online)
    if venue is not None and (online or link is not None):
        raise BadInput("give --venue for a meeting in person, or --online (with --link URL) for an online one, not both")
    if venue is not None:  # a place: the meeting is held there (given blank, the place is to be confirmed)
        return optional_line(venue, "--venue", VENUE_MAX), False
    if link is not None:
        if not (online or meeting.online):
            raise BadInput(f"--link goes with --online: {meeting.ref} is held in person (make it online with --online --link URL)")
        return link, True
    if online and not meeting.online:  # now online, its link to follow: the old place no longer applies
        return None, True
    return meeting.venue, meeting.online


def attend(op: Operation, meeting_ref: str) -> tuple[Meeting, bool]:
    meeting = lookup.record(op.session, meeting_ref, ("meeting",))
    _acting(op)
    if meeting.state not in op.instance.workflows[meeting.kind_name].flagged("takes_attendance"):
        raise NotAllowedNow(f"{meeting.ref} is {meeting.state.replace('_', ' ')}; attendance is registered once it is convened and until it closes")
    org = op.actor.person.org
    if op.session.get(Attendance, (meeting.id, org.id)) is not None:
        return meeting, False
    op.session.add(Attendance(meeting_id=meeting.id, org_id=org.id, person_id=op.actor.person.id, at=op.now))
    op.audit.append(audit.entry(op.now, op.actor.handle, meeting.ref, "attend", meeting.state, meeting.state, None, None, {"org": org.code}))
    return meeting, True


def create_document(op: Operation, doc_type: str, title: str, text: str, filename: str, meeting_ref: str | None,
                    headings: bool = False, original: dict[str, Any] | None = None) -> Document:
    """A new document whose first version is `text`; `headings` (a Word file's text) and `original` (that file's
    name, size and hash, for the audit entry) come from service/document_files.py."""
    if single_line(doc_type, "--type", 40) not in op.rules.document_types():
        raise BadInput(f"unknown document type {doc_type!r} (types: {', '.join(op.rules.document_types())})")
    _require(op, op.rules.secretariat, "create documents")
    meeting = lookup.record(op.session, meeting_ref, ("meeting",)) if meeting_ref else None
    body = _document_text(text)
    document = Document(type=doc_type, title=single_line(title, "--title", TITLE_MAX), meeting_id=meeting.id if meeting else None,
                        current_version=1, circulation=0, created_at=op.now)
    engine.enter_initial(op, document, {"type": doc_type, "title": document.title, "meeting": meeting_ref, "file": filename,
                                        "version": 1, "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(),
                                        **({"original": original} if original else {})})
    op.session.add(_version(op, document, 1, body, filename, headings))
    return document


def revise_document(op: Operation, ref: str, text: str, filename: str, headings: bool = False,
                    original: dict[str, Any] | None = None) -> Document:
    document = lookup.record(op.session, ref, ("document",))
    _require(op, op.rules.secretariat, "revise documents")
    if document.state in op.instance.workflows[document.kind_name].flagged("text_locked"):
        raise NotAllowedNow(f"{document.ref} is out for comments; close the comment period before revising it (gov advance {document.ref} close_comments)")
    if op.instance.workflows["document"].states[document.state].final:
        raise NotAllowedNow(f"{document.ref} is {document.state}; its text can no longer change")
    body = _document_text(text)
    current = op.session.get(DocumentVersion, (document.id, document.current_version)) if document.current_version else None
    if current is not None and _same_text(current.text, body):
        raise BadInput(f"the file has the same text as version {current.number} of {document.ref}; "
                       f"a revision must change something (nothing was written)")
    number = document.current_version + 1
    op.session.add(_version(op, document, number, body, filename, headings))
    document.current_version = number
    op.audit.append(audit.entry(op.now, op.actor.handle, document.ref, "revise", document.state, document.state, None, None,
                                {"version": number, "file": filename, "sha256": hashlib.sha256(body.encode()).hexdigest(),
                                 **({"original": original} if original else {})}))
    return document


def _same_text(a: str, b: str) -> bool:
    """Texts that differ only in line endings or in blank space at their ends say the same thing."""
    return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


def _document_text(text: str) -> str:
    if not text.strip():
        raise BadInput("the file is empty")
    if len(text) > MAX_TEXT:
        raise BadInput(f"the file is too large ({len(text)} characters, at most {MAX_TEXT})")
    if "\x00" in text:
        raise BadInput("the file is not text (it contains NUL characters)")
    return text


def _version(op: Operation, document: Document, number: int, text: str, filename: str, headings: bool = False) -> DocumentVersion:
    return DocumentVersion(document_id=document.id, number=number, text=text, filename=filename[:500],
                           sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), created_by=op.actor.handle, created_at=op.now,
                           headings=headings)


def add_comment(op: Operation, ref: str, text: str, para: int | None, proposal: str | None = None) -> Comment:
    found = lookup.record(op.session, ref, ("document",))
    # The state and the comment deadline are checked below and a comment added on their word, so the document row is
    # locked first: a close_comments (which updates that row) either committed before and its state is read here
    # (populate_existing re-reads the committed row under the lock), or it waits until this comment has committed.
    # On SQLite FOR UPDATE is dropped; its writers already serialise with BEGIN IMMEDIATE.
    document = op.session.get(Document, found.id, with_for_update=True, populate_existing=True)
    documents = op.rules.provision("documents")
    commenters = set(documents["commenters"])
    _acting(op)
    if op.actor.person is None or not (op.actor.roles & commenters):
        raise NotPermitted(f"{op.actor.handle or 'nobody'} may not comment: comments come from {', '.join(sorted(commenters))}",
                           rule=documents.cite())
    if document.state not in op.instance.workflows[document.kind_name].flagged("accepts_comments"):
        raise NotAllowedNow(f"{document.ref} is {document.state.replace('_', ' ')}; comments are taken only while it is circulated",
                            rule=documents.cite())
    from governance.store.models import Deadline

    # The period ends at the deadline row the state keeps (the row that closes it), whatever the file names it.
    closes = op.session.scalar(select(Deadline.due).where(Deadline.ref == document.ref, Deadline.scope == document.state,
                                                          Deadline.kind == "deadline", Deadline.fire.is_not(None),
                                                          Deadline.status == "pending").order_by(Deadline.due).limit(1))
    if closes is not None and op.now >= closes:
        raise NotAllowedNow(f"the comment period of {document.ref} ended {shown(closes, op.rules.zone)}", rule=documents.cite())
    if para is not None and not 1 <= para <= 100_000:
        raise BadInput("--para must be a paragraph number from 1")
    if para is not None:
        from governance.documents import paragraphs

        version = op.session.get(DocumentVersion, (document.id, document.current_version))
        count = len(paragraphs(version.text, version.headings)) if version is not None else 0
        if para > count:
            raise BadInput(f"{document.ref} has {count} paragraph{'' if count == 1 else 's'} (version {document.current_version}); "
                           f"--para {para} is beyond its last")
    comment = Comment(document_id=document.id, document_version=document.current_version, circulation=document.circulation,
                      org_id=op.actor.person.org_id, person_id=op.actor.person.id, para=para,
                      text=_text(text, "--text", 100_000), proposal=optional_text(proposal, "the proposed change"), created_at=op.now)
    op.session.add(comment)
    op.session.flush()
    op.audit.append(audit.entry(op.now, op.actor.handle, comment.ref, "comment", None, None, None, documents.cite(),
                                {"document": document.ref, "version": document.current_version, "para": para,
                                 "org": op.actor.person.org.code, "sha256": hashlib.sha256(comment.text.encode()).hexdigest()}))
    return comment


def dispose_comment(op: Operation, ref: str, decision: str, note: str | None) -> Comment:
    comment = lookup.record(op.session, ref, ("comment",))
    _require(op, op.rules.secretariat, "dispose of comments")
    if decision not in DISPOSITIONS:
        raise BadInput(f"--decision must be one of {', '.join(DISPOSITIONS)}, not {decision!r}")
    document = op.session.get(Document, comment.document_id)
    if op.instance.workflows["document"].states[document.state].final:
        raise NotAllowedNow(f"{document.ref} is {document.state}; its comments can no longer be disposed of")
    before = comment.decision
    comment.decision = decision
    comment.note = optional_text(note, "--note")
    comment.disposed_by = op.actor.handle
    op.audit.append(audit.entry(op.now, op.actor.handle, comment.ref, "dispose", before, decision, comment.note, None,
                                {"document": document.ref}))
    return comment


def add_action(op: Operation, title: str, owner_code: str, due: datetime | date, source: str | None) -> Action:
    """A follow-up due by a moment; a day given alone is due by its end in the body's zone (23:59:59 local), so the
    action is not overdue while its day lasts."""
    _require(op, op.rules.secretariat, "add actions")
    given = due = day_end(due, op.rules.zone)
    owner = lookup.organisation(op.session, owner_code)
    source_text = None
    if source:
        head, _, rest = single_line(source, "--source", SOURCE_MAX).partition(" ")
        found = lookup.record(op.session, head)
        source_text = found.ref + (f" {rest.strip()}" if rest.strip() else "")
    if due <= op.now:
        raise BadInput(f"--due {shown(due, op.rules.zone)} is already past")
    due, closed = working_due(op.rules, due)  # never on a day the secretariat is closed, when the rules count working days
    action = Action(title=single_line(title, "--title", TITLE_MAX), owner_org_id=owner.id, due=due, source_ref=source_text,
                    created_at=op.now)
    action.owner = owner
    moved = {"due_given": given, "due_moved_because": closed} if closed is not None else {}
    engine.enter_initial(op, action, {"title": action.title, "owner": owner.code, "due": due, "source": source_text, **moved})
    if closed is not None:
        op.warnings.append(moved_due(op.rules, action.ref, given, due, closed))
    return action


def advance(op: Operation, ref: str, trigger: str, reason: str | None, votes: Votes | None, expect_version: int | None) -> engine.Outcome:
    _acting(op)
    reason = optional_text(reason, "--reason")
    record = lookup.workflow_record(op.session, ref)
    return engine.advance(op, record, trigger, reason, votes, expect_version)


def approve(op: Operation, ref: str, reason: str | None, expect_version: int | None = None) -> engine.Outcome:
    _acting(op)
    reason = optional_text(reason, "--reason")
    record = lookup.workflow_record(op.session, ref)
    outcome = engine.approve(op, record, reason, expect_version)
    if record.state != outcome.from_state:
        # What the new state's rows fire when due, and due already, fires with the approval (a designation confirmed
        # after its start has come takes effect with the confirmation).
        _fire_what_is_due(op, record)
        outcome = engine.Outcome(record.ref, record.state, engine.pending_view(record), outcome.from_state, outcome.trigger)
    return outcome


def reject(op: Operation, ref: str, reason: str, expect_version: int | None = None) -> engine.Outcome:
    _acting(op)
    record = lookup.workflow_record(op.session, ref)
    if not (reason and reason.strip()):
        raise BadInput("say why with --reason")
    return engine.reject(op, record, multi_line(reason, "--reason"), expect_version)


def parse_votes(text: str | None) -> Votes | None:
    if text is None:
        return None
    parts = text.replace(" ", "").split(",")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (2, 3) or any(n < 0 or n > 100_000 for n in numbers):
        raise BadInput(f"--votes must be FOR,AGAINST[,ABSTAINING] as whole numbers, not {text!r}")
    return Votes(*numbers)



def reschedule_meeting(op: Operation, ref: str, start: datetime | date, end: datetime | date, venue: str | None,
                       online: bool = False, link: str | None = None) -> Meeting:
    """Move a meeting: its deadlines follow, and if invitations went out an updated calendar entry follows them.

    `--venue` (a place) makes it a meeting in person; `--online` (with `--link`) makes it online.
    """
    meeting = lookup.record(op.session, ref, ("meeting",))
    _require(op, op.rules.secretariat, "reschedule meetings")
    if meeting.state not in op.instance.workflows[meeting.kind_name].flagged("movable"):
        raise NotAllowedNow(f"{meeting.ref} is {meeting.state.replace('_', ' ')}; only a planned or convened meeting can be moved")
    start, end = _span(op, start, end)
    provision = op.rules.provision(f"meetings.{meeting.kind}")
    if meeting.state in op.instance.workflows[meeting.kind_name].flagged("invited"):
        from governance.clock import add_days

        limit = add_days(start, -provision["notice_days"], op.rules.zone)
        if op.now > limit:
            raise NotAllowedNow(f"invitations to {meeting.ref} went out; moving it to {shown(start, op.rules.zone)} would leave less than "
                                f"{provision['notice_days']} days' notice", rule=provision.cite())
    where = _place(venue, online, link, meeting)
    before = {"start": meeting.start, "end": meeting.end, "venue": meeting.venue, "online": meeting.online}
    meeting.start, meeting.end = start, end
    meeting.venue, meeting.online = where
    meeting.sequence += 1
    engine.reenter(op, meeting, "reschedule", {"before": before, "start": start, "end": end, "venue": meeting.venue, "online": meeting.online})
    _send_update(op, meeting, before)
    op.warnings.extend(meeting_on_closed_days(op, meeting))
    return meeting


def _send_update(op: Operation, meeting: Meeting, before: dict[str, Any]) -> None:
    """Those invited to a convened meeting get the changed entry: the letter names what it was, the calendar entry
    (its SEQUENCE bumped by the caller) replaces the one they hold."""
    if meeting.state not in op.instance.workflows[meeting.kind_name].flagged("invited"):
        return
    from governance.service.invitations import calendar_for
    from governance.service import audiences, outbox
    from governance.service.effects import Step

    people = audiences.people(op, meeting, ["focal_points", "observers"])
    step = Step(op, meeting, meeting.state, meeting.state, None, {"previous": before})
    outbox.queue(op, people, "meeting_updated", step.context(), meeting.ref, calendar_for(op, meeting))


# -- corrections: one call each, secretariat only, audited with what was and what is --------------------------

def _correction(op: Operation, ref: str | None, what: str, before: dict[str, Any], after: dict[str, Any],
                state: str | None = None, names: dict[str, Any] | None = None) -> bool:
    """Audit a correction with the fields it changed, before and after; False (and nothing written) when none did.

    `names`: what the entry is about when it has no reference (a person's handle, an organisation's code).
    """
    changed = [k for k in after if before.get(k) != after[k]]
    if not changed:
        return False
    detail = dict(names or {}, before={k: before.get(k) for k in changed}, after={k: after[k] for k in changed})
    op.audit.append(audit.entry(op.now, op.actor.handle, ref, what, state, state, None, None, detail))
    return True


def _secretariat_count(op: Operation) -> int:
    return op.session.scalar(select(func.count()).select_from(PersonRole).join(Person, Person.id == PersonRole.person_id)
                             .where(PersonRole.role == op.rules.secretariat, Person.removed_at.is_(None))) or 0


def _keep_a_secretariat(op: Operation, person: Person, doing: str) -> None:
    """Someone must hold the secretariat: it alone sets people up, so losing the last one would lock everyone out."""
    if op.rules.secretariat not in person.role_names:
        return
    role = op.rules.secretariat
    _serialise(op, f"role:{role}")  # two secretariats removing each other at once would each see the other stay
    if _secretariat_count(op) <= 1:
        raise NotAllowedNow(f"{person.handle} is the last person with the {role} role and cannot {doing}; "
                            f"give someone else the role first (gov person edit HANDLE --add-role {role})")


def _present(op: Operation, handle: str) -> Person:
    person = lookup.person(op.session, handle)
    if person.removed_at is not None:
        raise NotAllowedNow(f"{person.handle} was removed on {shown(person.removed_at, op.rules.zone)}; a removed person's record "
                            f"is kept as history and no longer changes")
    return person


def _person_fields(person: Person) -> dict[str, Any]:
    fields = {"name": person.name, "email": person.email, "lang": person.lang, "roles": sorted(person.role_names)}
    return {**fields, "timezone": person.timezone} if person.timezone else fields


def edit_person(op: Operation, handle: str, name: str | None = None, email: str | None = None, lang: str | None = None,
                add_roles: list[str] | tuple[str, ...] = (), remove_roles: list[str] | tuple[str, ...] = (),
                timezone: str | None = None) -> tuple[Person, bool]:
    """Correct a person's name, address, language, time zone or roles; the engine's next letters go to the new address
    and language, with times also in the new zone.

    Returns the person and whether anything changed (an edit that changes nothing writes nothing).
    """
    _require(op, op.rules.secretariat, "edit people")
    person = _present(op, handle)
    if name is None and email is None and lang is None and timezone is None and not add_roles and not remove_roles:
        raise BadInput("say what to change: --name, --email, --lang, --timezone, --add-role or --remove-role")
    before = _person_fields(person)
    adding, removing = _roles(op, list(add_roles)), _roles(op, list(remove_roles))
    both = set(adding) & set(removing)
    if both:
        raise BadInput(f"--add-role and --remove-role both name {', '.join(sorted(both))}")
    missing = [r for r in removing if r not in person.role_names]
    if missing:
        raise BadInput(f"{person.handle} does not hold the role {', '.join(missing)} (roles: {', '.join(sorted(person.role_names)) or 'none'})")
    if op.rules.secretariat in removing:
        _keep_a_secretariat(op, person, f"lose the {op.rules.secretariat} role")
    if name is not None:
        person.name = single_line(name, "--name", NAME_MAX)
    if email is not None:
        person.email = _email(op, email, person)
    if lang is not None:
        person.lang = _languages(op, lang)
    if timezone is not None:
        person.timezone = timezone_option(timezone, op.rules) or None  # the body's own zone, or blank: the body's
    held = person.role_names
    person.roles = [r for r in person.roles if r.role not in removing] + [PersonRole(role=r) for r in adding if r not in held]
    return person, _correction(op, None, "person edit", before, _person_fields(person), names={"handle": person.handle})


def remove_person(op: Operation, handle: str) -> Person:
    """No more letters or rights for a person who left: their roles go, they are no one's audience and cannot act;
    their row stays, so every comment, attendance and audit entry that names them still does."""
    _require(op, op.rules.secretariat, "remove people")
    person = _present(op, handle)
    _keep_a_secretariat(op, person, "be removed")
    before = _person_fields(person)
    person.roles = []
    person.removed_at = op.now
    op.audit.append(audit.entry(op.now, op.actor.handle, None, "person remove", None, None, None, None,
                                {"handle": person.handle, "org": person.org.code, "before": before,
                                 "after": {"roles": [], "removed_at": op.now}}))
    return person


def edit_org(op: Operation, code: str, name: str | None = None, country: str | None = None, group: str | None = None,
             weekend: str | None = None, holidays: str | None = None) -> tuple[Organisation, bool]:
    """Correct an organisation's name, country, group or calendar (given blank, the country or group is cleared;
    --weekend none and --holidays none leave it no calendar of its own)."""
    _require(op, op.rules.secretariat, "edit organisations")
    org = lookup.organisation(op.session, code)
    if name is None and country is None and group is None and weekend is None and holidays is None:
        raise BadInput("say what to change: --name, --country, --group, --weekend or --holidays")
    before = {"name": org.name, "country": org.country, "group": org.group}
    if org.weekend or org.holidays or weekend is not None or holidays is not None:
        before.update(weekend=org.weekend, holidays=org.holidays)
        org.weekend, org.holidays = _own_calendar(org.weekend, org.holidays, weekend, holidays)
    if name is not None:
        org.name = single_line(name, "--name", NAME_MAX)
    if country is not None:
        blank = not country.strip() and line_problem(country) is None  # given blank, the country is cleared
        org.country = None if blank else _country(country)
    if group is not None:
        org.group = optional_line(group, "--group", GROUP_MAX)
    after = {"name": org.name, "country": org.country, "group": org.group}
    names: dict[str, Any] = {"code": org.code}
    if "weekend" in before:
        after.update(weekend=org.weekend, holidays=org.holidays)
        # Its people's reminders follow the new calendar, in this same transaction.
        if moved := calendar_changed(op, org, before["weekend"], before["holidays"]):
            names["reminders_recomputed"] = moved
    return org, _correction(op, None, "org edit", before, after, names=names)


def _not_final(op: Operation, record: WorkflowRecord, doing: str) -> None:
    if op.instance.workflows[record.kind_name].states[record.state].final:
        raise NotAllowedNow(f"{record.ref} is {record.state.replace('_', ' ')}; {doing} of a {record.kind_name} in a final state "
                            f"no longer change")


def edit_meeting(op: Operation, ref: str, title: str | None = None, venue: str | None = None, online: bool = False,
                 link: str | None = None) -> tuple[Meeting, bool]:
    """Correct a meeting's title, venue or link until it is closed or cancelled; once convened, those invited get the
    corrected calendar entry."""
    meeting = lookup.record(op.session, ref, ("meeting",))
    _require(op, op.rules.secretariat, "edit meetings")
    if title is None and venue is None and not online and link is None:
        raise BadInput("say what to change: --title, --venue, or --online (with --link URL)")
    _not_final(op, meeting, "the title and venue")
    before = {"title": meeting.title, "venue": meeting.venue, "online": meeting.online}
    if title is not None:
        meeting.title = single_line(title, "--title", TITLE_MAX)
    meeting.venue, meeting.online = _place(venue, online, link, meeting)
    after = {"title": meeting.title, "venue": meeting.venue, "online": meeting.online}
    if not _correction(op, meeting.ref, "edit", before, after, meeting.state):
        return meeting, False
    meeting.sequence += 1  # the calendar entry people hold changes with it
    _send_update(op, meeting, dict(before, start=meeting.start, end=meeting.end))
    return meeting, True


def edit_document(op: Operation, ref: str, title: str) -> tuple[Document, bool]:
    """Correct a document's title until it is published, rejected or withdrawn."""
    document = lookup.record(op.session, ref, ("document",))
    _require(op, op.rules.secretariat, "edit documents")
    _not_final(op, document, "the title")
    before = {"title": document.title}
    document.title = single_line(title, "--title", TITLE_MAX)
    return document, _correction(op, document.ref, "edit", before, {"title": document.title}, document.state)
