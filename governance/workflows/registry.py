"""What workflow files may name: guards, effects, audiences and the engine's own letters.

Pure declarations (names and parameter signatures) so files are validated without a
database; the service registers one implementation for every name here, and a
test holds the two lists equal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    """A parameter of a guard or effect. `kind` decides how a value is checked and resolved."""

    kind: str  # calendar, days, days_list, fraction, choice_rule, states, field, anchor, audience, template, trigger, timer_kind, text, number
    required: bool = True
    doc: str = ""


@dataclass(frozen=True)
class Signature:
    name: str
    doc: str
    params: dict[str, Param]
    records: tuple[str, ...] = ()  # record kinds it applies to; empty: any


SYSTEM_ROLE = "system"  # the engine itself, when `tick` fires a deadline

TIMER_KINDS = ("deadline", "reminder", "escalation")
CALENDAR_ACTIONS = ("request", "cancel")

GUARDS: dict[str, Signature] = {s.name: s for s in (
    Signature("notice_period_met", "The meeting starts at least `days` days from now.", {
        "days": Param("days", doc="notice period in days")}, ("meeting",)),
    Signature("not_started", "The record's `field` time has not been reached.", {
        "field": Param("field")}),
    Signature("time_reached", "The record's `field` time has been reached (tick fires at that time).", {
        "field": Param("field")}),
    Signature("day_reached", "The calendar day of the record's `field` has come, in the body's zone.", {
        "field": Param("field")}),
    Signature("link_present", "An online meeting has its video-conference link (a web address, given with `--link`); "
              "a meeting in person passes.", {}, ("meeting",)),
    Signature("version_present", "The document has a text.", {}, ("document",)),
    Signature("revised_since_circulation", "A new version was added since the document was last circulated.", {}, ("document",)),
    Signature("has_meeting", "The document belongs to a meeting.", {}, ("document",)),
    Signature("meeting_state", "The document's meeting is in one of `states` (of the meeting workflow).", {
        "states": Param("meeting_states")}, ("document",)),
    Signature("quorum_met", "The share of member organisations present at the document's meeting is at least `fraction`.", {
        "fraction": Param("fraction")}, ("document",)),
    Signature("languages_in_step", "Every language of [documents] languages_required has a text of the document's current "
              "version (`gov doc translate`); none required, it passes.", {}, ("document",)),
    Signature("office_vacant", "No successor is designated or active for the term's office.", {}, ("term",)),
    Signature("decision_rule", "The decision meets `rule`: consensus (no objection) or majority (more for than against).", {
        "rule": Param("choice_rule")}, ("document",)),
    Signature("document_ready", "The procedure's document can go to writing: at the version put to the members, in a state "
              "its workflow's submit_in_writing leaves (or already in writing, for the vote that follows a broken silence).", {},
              ("written",)),
    Signature("deadline_ahead", "The procedure's deadline, when --until set it at the start, is still ahead.", {}, ("written",)),
    Signature("silence_mode", "The written procedure is a silence procedure.", {}, ("written",)),
    Signature("objected", "A member's objection is on record (`gov written object`): silence is broken by one, not by a "
              "trigger alone.", {}, ("written",)),
    Signature("vote_mode", "The written procedure is a vote.", {}, ("written",)),
    Signature("written_carried", "At the deadline: silence kept and every member's notice delivered (silence), or the vote "
              "carried by the majority and quorum the rules name ([decisions] majority and quorum_fraction, "
              "[decisions.written] majority_of).", {}, ("written",)),
    Signature("written_not_carried", "A vote that is not carried (majority or quorum missing).", {}, ("written",)),
    Signature("notice_missing", "A silence procedure with a member whose letters were none of them delivered.", {}, ("written",)),
)}

EFFECTS: dict[str, Signature] = {s.name: s for s in (
    Signature("notify", "Queue a letter from `template` to every person of `audience`, each in their language; "
              "`calendar` attaches the meeting's calendar entry (\"request\": an invitation, \"cancel\": its cancellation).", {
        "audience": Param("audience"), "template": Param("template"),
        "calendar": Param("calendar", required=False)}),
    Signature("schedule", "Write a deadline row, kept while the record stays in the state that wrote it.", {
        "name": Param("text", doc="the row's name, unique within the state"),
        "kind": Param("timer_kind"),
        "at": Param("anchor", doc="\"now\", a time field of the record, or the name of a row scheduled before in the same state"),
        "days_before": Param("days_list", required=False),
        "days_after": Param("days_list", required=False),
        "fire": Param("trigger", required=False, doc="the trigger tick fires when the row is due"),
        "audience": Param("audience", required=False, doc="who is written to when the row is due"),
        "template": Param("template", required=False),
        "repeat_days": Param("days", required=False, doc="after firing, the row comes back this many days later"),
        "while": Param("guard", required=False, doc="a guard that must still hold when the row fires; if not, the row is skipped and ends"),
    }),
    Signature("plan_cadence", "Closing a meeting: add the follow-up actions the rules require (the next meeting due every_months on, "
              "a between_general meeting halfway), owned by the secretariat.", {}, ("meeting",)),
    Signature("satisfy_cadence", "Convening a meeting completes the open follow-up actions that asked for a meeting of its kind.", {}, ("meeting",)),
    Signature("open_circulation", "Record that the current version goes out for comments (a new round of comments begins).", {}, ("document",)),
    Signature("written_open", "Open a written procedure: its deadline from [decisions.written] (silence_days or vote_days) "
              "unless --until set it, and its document put in writing (its text locked).", {}, ("written",)),
    Signature("written_notice", "Write to every member's focal point and alternates: the text, the mode, the deadline and a "
              "link to object (silence) or to vote.", {}, ("written",)),
    Signature("written_fallback", "Silence broken: the fallback of [decisions.written] follows: a written vote on the same text "
              "(a new procedure, linked, open at once), or the document handed back and put on the next meeting's agenda.", {},
              ("written",)),
    Signature("adopt_document", "The procedure's document is adopted through its workflow, citing [decisions.written].", {},
              ("written",)),
    Signature("return_document", "The procedure's document is handed back to the secretariat, out of writing.", {}, ("written",)),
)}

# Besides these, every office of the rules is an audience: the people who hold its powers now.
AUDIENCES: dict[str, str] = {
    "focal_points": "people with the focal-point role ([roles] focal_point of the rules) in member organisations",
    "commenters": "people holding a role of documents.commenters",
    "silent_commenters": "commenters whose organisation has not commented on the current circulation",
    "members": "every person of a member organisation",
    "observers": "people of observer organisations",
    "secretariat": "people with the secretariat role ([roles] secretariat of the rules)",
    "owner": "people of the organisation that owns the action",
    "holder": "people of the organisation that holds the term",
    "participants": "people of the organisations registered as present at the meeting",
    "member_voices": "the focal points and alternates of member organisations: those who speak for a member in writing",
    "unheard_members": "the focal points and alternates of the members that have taken no position yet in a written vote",
}

# Letters the engine sends by itself (not named in workflow files).
ENGINE_TEMPLATES = ("approval_requested", "approval_refused")
