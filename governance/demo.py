"""The 3rd OIC-PESNET meeting and its aftermath, replayed through the service path with time moving on."""

from __future__ import annotations

import tempfile
from collections import Counter as Tally
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import func, select

from governance.clock import FixedClock, parse_moment, shown
from governance.config import config_path
from governance.service import changes, written
from governance.service.context import Instance, open_instance
from governance.service.setup import init_instance
from governance.service.tick import next_due, tick
from governance.service.transaction import change
from governance.store.models import OutboxMessage
from governance.workflows import records

MEMBERS = [
    ("ISKUR", "Turkish Employment Agency (İŞKUR)", "TUR", "mehmet", "Mehmet Yılmaz", "en"),
    ("BHR", "Civil Service Bureau, Kingdom of Bahrain", "BHR", "ahmed", "Ahmed Al-Khalifa", "ar"),
    ("MAR", "ANAPEC, Kingdom of Morocco", "MAR", "fatima", "Fatima Benali", "fr"),
    ("EGY", "Ministry of Manpower, Arab Republic of Egypt", "EGY", "omar", "Omar Hassan", "ar"),
    ("IDN", "Ministry of Manpower, Republic of Indonesia", "IDN", "siti", "Siti Rahma", "en"),
    ("SEN", "Agence nationale pour la promotion de l'emploi des jeunes, Senegal", "SEN", "awa", "Awa Diop", "fr"),
    ("MYS", "Social Security Organisation (SOCSO), Malaysia", "MYS", "aziz", "Aziz Rahman", "en"),
]
OBSERVERS = [("ILO", "International Labour Organization", "claire", "Claire Dupont", "fr"),
             ("ISDB", "Islamic Development Bank", "yusuf", "Yusuf Kaya", "en")]

ROP = """1. The OIC Public Employment Services Network (OIC-PESNET) is a forum of the public employment services of OIC member states.

2. SESRIC acts as the secretariat of the network.

3. Each member state notifies one national focal point to the secretariat.

4. The chair of the network is held by a member for two years.

5. The network meets every two years; a focal-point meeting is held in between.
"""
ROP_REVISED = ROP.replace("held by a member for two years.", "held by a member for two years, designated by the network meeting.") + \
    "\n6. Decisions are taken by consensus of the members present.\n"
ACTION_PLAN = """1. Exchange of experience on digital employment services.

2. Capacity building on labour market information systems.

3. A survey of the public employment services of member states.
"""
ACTION_PLAN_REVISED = ACTION_PLAN + """
4. A workshop on digital PES delivery, held online on 14-15 September 2022.

5. The survey of member states' employment services completed by June 2023, for the 4th meeting.
"""
WORKING_GROUP = """1. A working group on labour market information systems is set up, open to every member.

2. The working group reports to the secretariat twice a year.

3. Its first report is presented at the 4th meeting of the network.
"""


class Demo:
    def __init__(self, folder: Path, echo: Callable[[str], None]) -> None:
        self.folder = folder
        self.echo = echo
        init_instance(folder, rehearsal=True)
        self.instance: Instance = open_instance(config_path(str(folder / "config.toml")), "2021-03-01T09:00")
        self.zone = self.instance.rules.zone

    def at(self, moment: str | datetime) -> datetime:
        when = parse_moment(moment, self.zone) if isinstance(moment, str) else moment
        self.now = max(when, getattr(self, "now", when))
        self.instance.clock = FixedClock(self.now)
        return self.now

    def do(self, moment: str, actor: str | None, what: str, work: Callable[[Any], Any]) -> Any:
        self.run_until(moment)  # what fell due before this step fires first, as the scheduler would have done
        when = self.at(moment)
        result, op = change(self.instance, actor, work)
        letters = f"  [{len(op.mail)} letter(s)]" if op.mail else ""
        self.echo(f"{shown(when, self.zone)}  {what}{letters}")
        return result

    def run_until(self, moment: str) -> None:
        """Tick through every due moment up to `moment`, as the scheduler would have."""
        until = parse_moment(moment, self.zone)
        while True:
            due = next_due(self.instance)
            if due is None or due > until:
                break
            when = self.at(due)
            for fired in tick(self.instance, when).fired:
                letters = f"  [{fired.letters} letter(s)]" if fired.letters else ""
                self.echo(f"{shown(when, self.zone)}  tick: {fired.ref} {fired.kind} {fired.name}: {fired.outcome}{letters}")
        self.at(moment)

    def file(self, name: str, text: str) -> str:
        path = self.folder / "texts" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return text

    # -- the story --------------------------------------------------------------------------
    def setup(self) -> None:
        t = "2021-03-01T09:00"
        self.do(t, None, "SESRIC registered as the secretariat",
                lambda op: changes.add_org(op, "SESRIC", "Statistical, Economic and Social Research and Training Centre for Islamic Countries (SESRIC)", "secretariat", "TUR", None))
        self.do(t, None, "Ayşe Demir (SESRIC) given the secretariat role",
                lambda op: changes.add_person(op, "ayse", "Ayşe Demir", "ayse@sesric.example", "SESRIC", "en", ["secretariat"]))
        for code, name, country, handle, person, lang in MEMBERS:
            self.do(t, "ayse", f"member {code} with focal point {person} ({lang})", lambda op, c=code, n=name, k=country, h=handle, p=person, lg=lang: (
                changes.add_org(op, c, n, "member", k, None), changes.add_person(op, h, p, f"{h}@{c.lower()}.example", c, lg, ["focal_point"])))
        for code, name, handle, person, lang in OBSERVERS:
            self.do(t, "ayse", f"observer {code}", lambda op, c=code, n=name, h=handle, p=person, lg=lang: (
                changes.add_org(op, c, n, "observer", None, None), changes.add_person(op, h, p, f"{h}@{c.lower()}.example", c, lg, ["observer"])))
        start = parse_moment("2019-06-03T15:00", self.zone)
        self.do(t, "ayse", "İŞKUR's current term as chair recorded (T-1, illustrative: co-organiser since 2019)",
                lambda op: changes.designate_term(op, "chair", "ISKUR", start, 24, "co-organiser of the network meetings"))

    def third_meeting(self) -> None:
        self.do("2021-03-15T10:00", "ayse", "M-1 planned: 3rd Network Meeting, 2-3 June 2021, online", lambda op: changes.create_meeting(
            op, "general", "3rd Meeting of the OIC-PESNET", parse_moment("2021-06-02T12:00", self.zone),
            parse_moment("2021-06-03T15:00", self.zone), "Video-conference at https://meet.sesric.example/pesnet-3 (registration 11:30-12:00)", True))
        self.do("2021-03-15T10:30", "ayse", "D-1 concept note and D-2 draft programme", lambda op: (
            changes.create_document(op, "concept_note", "Concept note: 3rd Meeting", self.file("concept.txt", "Background and objectives of the 3rd meeting.\n"), "concept.txt", "M-1"),
            changes.create_document(op, "agenda", "Draft programme: 3rd Meeting", self.file("programme.txt", "Day 1: opening; sessions 1 and 2. Day 2: session 3; closing.\n"), "programme.txt", "M-1")))
        self.do("2021-03-16T10:00", "ayse", "convene M-1: asks the chair's approval", lambda op: changes.advance(op, "M-1", "convene", None, None, None))
        self.do("2021-03-17T09:00", "mehmet", "the chair (İŞKUR) approves: invitations with calendar entries go out",
                lambda op: changes.approve(op, "M-1", "dates agreed with SESRIC"))
        self.do("2021-03-18T10:00", "ayse", "D-3 draft Rules of Procedure and D-4 draft Action Plan 2021-2022", lambda op: (
            changes.create_document(op, "rop", "Draft Rules of Procedure of the OIC-PESNET", self.file("rop-v1.txt", ROP), "rop-v1.txt", "M-1"),
            changes.create_document(op, "action_plan", "Draft Action Plan 2021-2022", self.file("ap-v1.txt", ACTION_PLAN), "ap-v1.txt", "M-1")))
        for ref in ("D-3", "D-4"):
            self.do("2021-03-18T11:00", "ayse", f"{ref} circulated: comment period opens",
                    lambda op, r=ref: changes.advance(op, r, "circulate", None, None, None))
        self.do("2021-03-24T14:00", "ahmed", "Bahrain comments on D-3 §4 (in Arabic)",
                lambda op: changes.add_comment(op, "D-3", "نقترح أن يُعيَّن الرئيس من قبل اجتماع الشبكة لمدة سنتين.", 4))
        self.do("2021-03-26T11:00", "fatima", "Morocco comments on D-3 §5 (in French)",
                lambda op: changes.add_comment(op, "D-3", "Préciser que la réunion des points focaux peut se tenir en ligne.", 5))
        self.do("2021-03-30T09:00", "siti", "Indonesia comments on D-4 §1",
                lambda op: changes.add_comment(op, "D-4", "Include a workshop on digital PES delivery in 2022.", 1))
        self.run_until("2021-04-18T12:00")

    def revision_and_meeting(self) -> None:
        self.do("2021-04-19T10:00", "ayse", "comments weighed: C-1 accepted, C-2 partly, C-3 accepted", lambda op: (
            changes.dispose_comment(op, "C-1", "accepted", "Art. 4 now says the network meeting designates the chair."),
            changes.dispose_comment(op, "C-2", "partly", "Noted for the practice; the text keeps the general wording."),
            changes.dispose_comment(op, "C-3", "accepted", "Workshop added for 2022.")))
        self.do("2021-04-20T10:00", "ayse", "D-3 and D-4 revised (version 2)", lambda op: (
            changes.revise_document(op, "D-3", self.file("rop-v2.txt", ROP_REVISED), "rop-v2.txt"),
            changes.revise_document(op, "D-4", self.file("ap-v2.txt", ACTION_PLAN + "\n4. A workshop on digital PES delivery in 2022.\n"), "ap-v2.txt")))
        for ref in ("D-3", "D-4"):
            self.do("2021-05-10T10:00", "ayse", f"{ref} tabled for the meeting", lambda op, r=ref: changes.advance(op, r, "table", None, None, None))
        self.run_until("2021-06-02T11:30")
        present = {"ayse": "SESRIC", "mehmet": "ISKUR", "ahmed": "BHR", "fatima": "MAR", "omar": "EGY", "siti": "IDN", "claire": "ILO"}
        for handle, org in present.items():
            self.do("2021-06-02T11:40", handle, f"online registration: {org} present ({handle})", lambda op: changes.attend(op, "M-1"))
        self.do("2021-06-02T12:00", "mehmet", "the chair opens the 3rd meeting (quorum: 5 of 7 members)",
                lambda op: changes.advance(op, "M-1", "open", None, None, None))
        self.do("2021-06-03T13:00", "mehmet", "D-3 Rules of Procedure adopted by consensus (communiqué §8)",
                lambda op: changes.advance(op, "D-3", "adopt", "communiqué §8", None, None))
        self.do("2021-06-03T13:30", "mehmet", "D-4 Action Plan 2021-2022 endorsed (communiqué §9)",
                lambda op: changes.advance(op, "D-4", "endorse", "communiqué §9", None, None))
        self.do("2021-06-03T14:00", "ayse", "D-5 final communiqué recorded", lambda op: changes.create_document(
            op, "communique", "Final Communiqué of the 3rd Meeting", self.file("communique.txt", "§5 ... §8 adopts the RoP; §9 endorses the Action Plan; §11 İŞKUR chairs for two years; §12 focal-point meeting in 2022, 4th meeting in 2023.\n"), "communique.txt", "M-1"))
        self.do("2021-06-03T14:05", "ayse", "T-2: İŞKUR designated chair for the next two years (§11)", lambda op: changes.designate_term(
            op, "chair", "ISKUR", parse_moment("2021-06-03T15:00", self.zone), None, "communiqué §11"))
        self.do("2021-06-03T14:10", "ayse", "A-1: members to notify their focal points (communiqué §5)", lambda op: changes.add_action(
            op, "Notify the national focal point to the secretariat", "SEN", parse_moment("2021-09-30", self.zone), "D-5 §5"))
        self.do("2021-06-03T15:00", "mehmet", "the chair closes the 3rd meeting: the rules' cadence adds A-2 (focal-point meeting, due June 2022) "
                "and A-3 (4th meeting, due June 2023), as communiqué §12 asks", lambda op: changes.advance(op, "M-1", "close", None, None, None))
        for ref in ("D-3", "D-4"):
            self.do("2021-06-10T10:00", "ayse", f"publish {ref}: asks the chair's approval", lambda op, r=ref: changes.advance(op, r, "publish", None, None, None))
            self.do("2021-06-11T09:00", "mehmet", f"the chair approves: the final {ref} goes to every member", lambda op, r=ref: changes.approve(op, r, None))

    def aftermath(self) -> None:
        self.do("2022-01-10T10:00", "awa", "Senegal notifies its focal point: A-1 done, the escalations stop",
                lambda op: changes.advance(op, "A-1", "complete", "focal point notified", None, None))
        self.do("2022-09-01T10:00", "ayse", "M-2 planned: online focal-point meeting, 20 October 2022", lambda op: changes.create_meeting(
            op, "focal_point", "Online Focal-Point Meeting", parse_moment("2022-10-20T11:00", self.zone), parse_moment("2022-10-20T14:00", self.zone),
            "Video-conference at https://meet.sesric.example/pesnet-fp-2022", True))
        self.do("2022-09-01T10:05", "ayse", "convene M-2: asks the chair's approval", lambda op: changes.advance(op, "M-2", "convene", None, None, None))
        self.do("2022-09-02T09:00", "mehmet", "the chair approves M-2: invitations go out, and A-2 is satisfied (late: it was due in June)",
                lambda op: changes.approve(op, "M-2", None))
        self.run_until("2022-10-20T11:00")
        self.do("2022-10-20T11:00", "mehmet", "the chair opens the online focal-point meeting",
                lambda op: changes.advance(op, "M-2", "open", None, None, None))
        self.do("2022-10-20T13:55", "mehmet", "the chair closes it (a focal-point meeting sets no follow-ups of its own)",
                lambda op: changes.advance(op, "M-2", "close", None, None, None))
        self.echo("— Decisions between meetings, in writing: a silence procedure kept, another broken and put to a vote —")
        self.decisions_in_writing()
        self.run_until("2023-03-01T10:00")
        with self.instance.db.read() as session:
            from governance.service.succession import candidates

            nxt = candidates(session, self.instance.rules, "chair")
        self.echo(f"{shown(self.at('2023-03-01T10:00'), self.zone)}  gov term next chair: {', '.join(nxt['next']) or 'no one by rotation'}: {nxt['reason']}")
        self.run_until("2023-08-01T00:00")

    def decisions_in_writing(self) -> None:
        """Between the 3rd and 4th meetings: the revised Action Plan adopted by silence; a second text breaks silence
        and goes to a written vote, Egypt speaking through its alternate as well as its focal point."""
        self.do("2022-11-01T10:00", "ayse", "D-6 Action Plan 2021-2022, revised after the focal-point meeting", lambda op: changes.create_document(
            op, "action_plan", "Action Plan 2021-2022 (revised)", self.file("ap-v3.txt", ACTION_PLAN_REVISED), "ap-v3.txt", None))
        self.do("2022-11-02T10:00", "ayse", "W-1: D-6 to the members by silence procedure: adopted in 14 days unless a member objects",
                lambda op: written.start(op, "D-6", "silence", None, "The focal-point meeting of October 2022 asked for these additions."))
        self.deliver()  # the scheduler sends them at once: the proof of notice each member must have
        self.do("2022-11-03T10:00", "ayse", "Egypt notifies an alternate: Nadia Farouk speaks for Egypt too",
                lambda op: changes.add_person(op, "nadia", "Nadia Farouk", "nadia@egy.example", "EGY", "ar", ["alternate"]))
        self.do("2022-11-03T11:00", "ayse", "D-7 terms of reference of a working group on labour market information systems",
                lambda op: changes.create_document(op, "report", "Terms of reference: working group on labour market information systems",
                                                   self.file("wg-lmis.txt", WORKING_GROUP), "wg-lmis.txt", None))
        self.do("2022-11-03T11:30", "ayse", "W-2: D-7 to the members by silence procedure",
                lambda op: written.start(op, "D-7", "silence", None, None))
        self.deliver()
        self.do("2022-11-08T09:30", "nadia", "Egypt's alternate objects to D-7 §2: silence on W-2 is broken, and the rules' fallback "
                "opens W-3, a written vote on the same text", lambda op: written.object_(
                    op, "W-2", "The working group should report to the network meeting, not to the secretariat alone.", 2))
        self.deliver()
        votes = [("2022-11-09T10:00", "mehmet", "for", None), ("2022-11-09T11:00", "ahmed", "for", None),
                 ("2022-11-10T09:00", "omar", "against", "Paragraph 2 is unchanged."),
                 ("2022-11-14T10:00", "nadia", "abstain", "Egypt will not stand in the way; its objection is on record."),
                 ("2022-11-15T09:00", "fatima", "for", None), ("2022-11-16T10:00", "siti", "for", None)]
        for moment, handle, position, statement in votes:
            self.do(moment, handle, f"{handle} votes {position} on W-3" + (" (Egypt's latest position replaces its earlier one)"
                                                                            if handle == "nadia" else ""),
                    lambda op, h=handle, p=position, s=statement: written.vote(op, "W-3", p, s))
        self.run_until("2022-11-23T12:00")
        self.do("2022-11-23T12:00", "fatima", "Morocco annexes an interpretative statement to the decision on D-7",
                lambda op: written.reserve(op, "W-3", "Le Maroc participera au groupe de travail dans la limite de ses ressources.",
                                           "statement"))

    def deliver(self) -> int:
        """What the scheduler would have sent all along: every letter, as an .eml file in the instance's Maildir mail/."""
        from governance.service.sending import send_pending

        self.at(self.now + timedelta(minutes=1))
        sent = send_pending(self.instance).sent
        self.echo(f"{shown(self.now, self.zone)}  gov send: {sent} letter(s) delivered to {self.folder / 'mail'}")
        return sent

    def summary(self) -> dict[str, Any]:
        with self.instance.db.read() as session:
            states: dict[str, dict[str, int]] = {}
            for kind in records.workflow_kinds():
                states[kind] = dict(Tally(session.scalars(select(records.record_type(kind).model_class().state))))
            # Reminders merged into a day's digest are not letters of their own.
            letters = dict(session.execute(select(OutboxMessage.lang, func.count()).where(OutboxMessage.status != "merged")
                                           .group_by(OutboxMessage.lang)).all())
        return {"records": states, "letters_by_language": letters, "instance": str(self.folder),
                "mail": str(self.folder / "mail"), "letters_delivered": len(list((self.folder / "mail" / "new").glob("*.eml"))),
                "database": self.instance.db.safe_url(), "config": str(self.folder / "config.toml"),
                "base_url": self.instance.settings.web.base_url, "secretariat_email": "ayse@sesric.example",
                "written": self.procedures()}

    def procedures(self) -> list[dict[str, Any]]:
        """Each written procedure: its document, mode and outcome, and the letters it produced, by letter."""
        from governance.store.models import WrittenProcedure

        with self.instance.db.read() as session:
            letters: dict[str, dict[str, int]] = {}
            for ref, template, count in session.execute(
                    select(OutboxMessage.ref, OutboxMessage.template, func.count()).where(OutboxMessage.ref.like("W-%"))
                    .group_by(OutboxMessage.ref, OutboxMessage.template)):
                letters.setdefault(ref, {})[template] = count
            return [{"ref": w.ref, "document": w.document.ref, "mode": w.mode, "state": w.state, "letters": letters.get(w.ref, {})}
                    for w in session.scalars(select(WrittenProcedure).order_by(WrittenProcedure.id))]


def run_demo(folder: Path | None, echo: Callable[[str], None]) -> dict[str, Any]:
    target = folder or Path(tempfile.mkdtemp(prefix="gov-demo-")) / "oic-pesnet"
    if target.exists() and any(target.iterdir()):
        from governance.errors import BadInput

        raise BadInput(f"{target} is not empty; the demo builds a fresh instance (give --dir a new folder)")
    demo = Demo(target, echo)
    echo("— Setting up the network (March 2021) —")
    demo.setup()
    echo("— The 3rd Network Meeting: convening, drafts circulated, comments —")
    demo.third_meeting()
    echo("— Revision, the meeting, decisions, follow-ups —")
    demo.revision_and_meeting()
    echo("— The aftermath: reminders, an overdue follow-up, the focal-point meeting, the chair's term runs out —")
    demo.aftermath()
    demo.deliver()
    summary = demo.summary()
    echo("— Decisions between meetings: the letters each written procedure produced —")
    for item in summary["written"]:
        echo(f"  {item['ref']} ({item['mode']} on {item['document']}): {item['state'].replace('_', ' ')}; "
             + ", ".join(f"{n} {template}" for template, n in sorted(item["letters"].items())))
    return summary
