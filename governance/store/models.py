"""The tables: organisations and people, the four workflow records, texts, comments, deadlines, outbox, audit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, false, text
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from governance.store.types import UTCDateTime
from governance.workflows import records


class Base(DeclarativeBase):
    pass


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))  # member | secretariat | observer
    country: Mapped[str | None] = mapped_column(String(3))
    group: Mapped[str | None] = mapped_column("group_name", String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Its own calendar, when it keeps one (reminders avoid its closed days): weekend days ("fri,sat") and the
    # countries whose public holidays close it ("BHR"). Neither set: it keeps the body's [calendar].
    weekend: Mapped[str | None] = mapped_column(String(40))
    holidays: Mapped[str | None] = mapped_column(String(100))


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(320))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    lang: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))  # an IANA zone; None: the body's
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set by `gov person remove`: no more letters or rights, while the row stays for the history that names them.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    org: Mapped[Organisation] = relationship(lazy="joined")
    roles: Mapped[list[PersonRole]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}


class PersonRole(Base):
    __tablename__ = "person_roles"
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class WorkflowRecord:
    """Columns every workflow record has: its state, a version for optimistic concurrency, a pending step.

    Its kind and reference prefix are declared once, in its RecordType (governance/workflows/records.py).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    pending_trigger: Mapped[str | None] = mapped_column(String(64))
    pending_by: Mapped[str | None] = mapped_column(String(64))
    pending_reason: Mapped[str | None] = mapped_column(Text)
    pending_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]

    @property
    def kind_name(self) -> str:
        return records.of_model(type(self)).kind

    @property
    def ref(self) -> str:
        return f"{records.of_model(type(self)).prefix}-{self.id}"


class Meeting(WorkflowRecord, Base):
    __tablename__ = "meetings"
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(500))
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    venue: Mapped[str | None] = mapped_column(String(500))
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE: bumped when rescheduled


class Attendance(Base):
    __tablename__ = "attendance"
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Document(WorkflowRecord, Base):
    __tablename__ = "documents"
    type: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(500))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    circulated_version: Mapped[int | None] = mapped_column(Integer)  # the version last sent for comments
    circulation: Mapped[int] = mapped_column(Integer, default=0)  # how many times it was circulated


class DocumentVersion(Base):
    __tablename__ = "document_versions"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Read from a Word file: its headings are "#" lines, and take no paragraph number (governance/documents.py).
    headings: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class DocumentTranslation(Base):
    """A language version of one version of a document: the same paragraphs in another of the body's languages."""

    __tablename__ = "document_translations"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)  # the version it renders
    text: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    headings: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DocumentFile(Base):
    """The file a version's text (lang None) or a language version's text was read from, kept as it came."""

    __tablename__ = "document_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    number: Mapped[int] = mapped_column(Integer)
    lang: Mapped[str | None] = mapped_column(String(8))
    filename: Mapped[str] = mapped_column(String(500))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_document_files_version", "document_id", "number"),)


class Comment(Base):
    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    document_version: Mapped[int] = mapped_column(Integer)
    circulation: Mapped[int] = mapped_column(Integer)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    para: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    proposal: Mapped[str | None] = mapped_column(Text)  # the wording proposed instead (a comment template's column)
    decision: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    disposed_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    org: Mapped[Organisation] = relationship(lazy="joined")
    __mapper_args__ = {"version_id_col": version}

    @property
    def ref(self) -> str:
        return f"{records.of_model(Comment).prefix}-{self.id}"


class Action(WorkflowRecord, Base):
    __tablename__ = "actions"
    title: Mapped[str] = mapped_column(String(500))
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    source_ref: Mapped[str | None] = mapped_column(String(1000), index=True)
    # A cadence follow-up is done by itself when a meeting of this kind is convened in time.
    satisfied_by: Mapped[str | None] = mapped_column(String(40), index=True)
    owner: Mapped[Organisation] = relationship(lazy="joined")


class Term(WorkflowRecord, Base):
    __tablename__ = "terms"
    office: Mapped[str] = mapped_column(String(64), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
    org: Mapped[Organisation] = relationship(lazy="joined")


class Deadline(Base):
    """A moment the engine must act at: fire a trigger (deadline) or write to people (reminder, escalation)."""

    __tablename__ = "deadlines"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # deadline | reminder | escalation
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | fired | skipped | failed | cancelled
    scope: Mapped[str] = mapped_column(String(40))  # the state that wrote it; leaving it cancels the row
    fire: Mapped[str | None] = mapped_column(String(64))
    audience: Mapped[str | None] = mapped_column(String(300))  # comma-separated audience names
    template: Mapped[str | None] = mapped_column(String(100))
    repeat_days: Mapped[int | None] = mapped_column(Integer)
    rule: Mapped[str | None] = mapped_column(Text)
    condition: Mapped[str | None] = mapped_column(String(64))  # a guard that must still hold when the row fires
    offset_days: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(Text)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (
        Index("ix_deadlines_ref_status_due", "ref", "status", "due"),
        Index("ix_deadlines_pending_due", "status", "due"),
    )


class OutboxMessage(Base):
    """A letter rendered inside the transaction that caused it, delivered later by `gov send`."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(40), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    recipient: Mapped[str] = mapped_column(String(320))
    recipient_name: Mapped[str] = mapped_column(String(300), default="")
    lang: Mapped[str] = mapped_column(String(8))
    template: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    ics: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    audit_head: Mapped[str | None] = mapped_column(String(100))  # "SEQ:HASH" of the chain when it was queued: a witness
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # retries go on for a while from here
    attachment_name: Mapped[str | None] = mapped_column(String(200))  # a text file sent with the letter (a draft too long to inline)
    attachment: Mapped[str | None] = mapped_column(Text)
    # Handed over in full (the server had all but the final dot) with no answer heard since: each is a copy that may
    # have arrived. Two, and the letter is not sent a third time (see service/sending.py).
    handovers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)


class _EntryContent:
    """What an audit entry says, chained or still queued for its seal."""

    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    rule: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)  # canonical JSON of what else changed
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the wall clock when written (`at` is procedural time)
    channel: Mapped[str | None] = mapped_column(String(20))  # cli | link | web | engine
    via: Mapped[str | None] = mapped_column(String(200))  # the operating-system user, the link's id, the web session


class AuditEntry(_EntryContent, Base):
    """One change, chained to the one before by a hash over both."""

    __tablename__ = "audit"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ref: Mapped[str | None] = mapped_column(String(40), index=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The last entry of the chain: one row, locked by each writer so entries never race."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), server_default=text("''"))


class AuditQueued(_EntryContent, Base):
    """An entry written while another writer held the chain's head: waiting, in the order written, to be sealed
    into the chain (given its seq and hash) by the next writer to hold the head. Concurrent writers on PostgreSQL
    append here instead of waiting for one another."""

    __tablename__ = "audit_queue"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ref: Mapped[str | None] = mapped_column(String(40))


class Counter(Base):
    """Named numbers the engine keeps (the last tick, ...)."""

    __tablename__ = "engine_state"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime | None] = mapped_column(UTCDateTime())


__all__ = [
    "Action",
    "Attendance",
    "AuditEntry",
    "AuditHead",
    "AuditQueued",
    "Base",
    "Comment",
    "Counter",
    "Deadline",
    "Document",
    "DocumentFile",
    "DocumentTranslation",
    "DocumentVersion",
    "Meeting",
    "Organisation",
    "OutboxMessage",
    "Person",
    "PersonRole",
    "Term",
]


class Link(Base):
    """A signed link in a letter (or a sign-in letter): what it lets its one recipient do, until when, and whether it was used.

    The letter carries the nonce signed with the instance's key; the row binds it to the person, the record, the
    action and the record's version when it was sent, and is marked used in the same transaction as the change it
    authorises, so it works once.
    """

    __tablename__ = "links"
    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    action: Mapped[str] = mapped_column(String(20))  # approve | reject | comment | complete | sign-in
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    ref: Mapped[str | None] = mapped_column(String(40), index=True)
    record_version: Mapped[int | None] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WrittenProcedure(WorkflowRecord, Base):
    """A decision taken between meetings, in writing: silence to a deadline, or a vote of the member organisations."""

    __tablename__ = "written_procedures"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    document_version: Mapped[int] = mapped_column(Integer)  # the text put to the members: a later revision is not this decision
    mode: Mapped[str] = mapped_column(String(10))  # silence | vote
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the deadline: set when it opens, unless given at the start
    reason: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("written_procedures.id"), index=True)  # the silence a vote follows
    # An inner join: a procedure always has its document, and PostgreSQL locks no row on the nullable side of an outer join.
    document: Mapped[Document] = relationship(lazy="joined", innerjoin=True)

    @property
    def title(self) -> str:
        return self.document.title


class WrittenPosition(Base):
    """What a member organisation said in a vote, through one of its voices; its latest before the deadline counts."""

    __tablename__ = "written_positions"
    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("written_procedures.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    position: Mapped[str] = mapped_column(String(10))  # for | against | abstain
    statement: Mapped[str | None] = mapped_column(Text)  # an explanation of the vote
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a later position of the same member replaced it
    org: Mapped[Organisation] = relationship(lazy="joined")
    person: Mapped[Person] = relationship(lazy="joined")
    # One position counts per member: two voices of one member speaking at once cannot both stand as the current one.
    # The schema holds that with a partial unique index (ux_written_positions_current, schema 0008). It is not
    # declared here: naming each store's WHERE would load both SQL dialects in every command, for an index only
    # the migration creates.


class WrittenObjection(Base):
    """An objection or a proposed amendment that broke silence: who, for which member, why, on which paragraph."""

    __tablename__ = "written_objections"
    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("written_procedures.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(20))  # objection | amendment
    text: Mapped[str] = mapped_column(Text)
    para: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    org: Mapped[Organisation] = relationship(lazy="joined")
    person: Mapped[Person] = relationship(lazy="joined")


class WrittenReservation(Base):
    """A reservation or interpretative statement a member annexes to the decision; printed with it."""

    __tablename__ = "written_reservations"
    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("written_procedures.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(20))  # reservation | statement
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    org: Mapped[Organisation] = relationship(lazy="joined")
    person: Mapped[Person] = relationship(lazy="joined")
