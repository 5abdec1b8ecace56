"""The pages: each parses the request, calls the service function the CLI calls, and renders what it returns."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from governance.clock import ago
from governance.errors import BadInput, NotPermitted
from governance.service import links
from governance.service.context import Channel, Instance, Operation
from governance.web.i18n import (DEADLINES, DISPOSITIONS, DOCUMENT_TYPES, FIELDS, PHRASES, TRIGGERS, WRITTEN_MODES, arrow, named,
                                  phrase, state_name)

bp = Blueprint("views", __name__)
# Forms checked by a signed token of their own rather than the session's (see app.create_app).
STATELESS_FORMS = ("link_post", "sign_in_post", "sign_in_use")
_FORM_SALT = "governance-form"
SIGN_IN_FORM_HOURS = 24


def _instance() -> Instance:
    instance: Instance = current_app.extensions["governance"]
    return instance


def _now() -> datetime:
    return _instance().clock.now()


def _forms() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_FORM_SALT)


def _form_token(*scope: Any) -> str:
    return _forms().dumps(list(scope))


def _form_scope() -> list[Any]:
    """What the form's hidden token was made for; a form sent without it, or with a forged one, is refused (CSRF)."""
    try:
        value = _forms().loads(request.form.get("csrf_token", ""))
    except BadSignature:
        value = None
    if not isinstance(value, list):
        raise BadInput(phrase(g.lang, "csrf"))
    return value


def _when(value: Any) -> str:
    """A moment (or its ISO text) as the letters write it in the reader's language: in the body's time zone, then in
    the reader's own when it differs; with the Umm al-Qura date where the rules ask for it ([calendar] hijri)."""
    from governance.mail.dates import moment, reader_zone

    if not value:
        return ""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    rules = _instance().rules
    return moment(instant, g.lang, rules.zone, reader_zone(g.get("reader_timezone")), g.lang in rules.hijri_languages)


def _day(value: Any) -> str:
    """The day of a moment (a term's start, say), without the hour: terms run from the start of a day."""
    from governance.mail.dates import day

    if not value:
        return ""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    rules = _instance().rules
    return day(instant, g.lang, rules.zone, g.lang in rules.hijri_languages)


def _left(value: Any) -> str:
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    days = (instant - _now()).total_seconds() / 86400
    if days < 0:
        return phrase(g.lang, "closed")
    return phrase(g.lang, "days_left", n=int(days)) if days >= 1 else phrase(g.lang, "under_a_day")


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"when": _when, "day": _day, "left": _left, "lang_url": _lang_url, "state_label": _state_label,
            "kind_label": lambda kind: phrase(g.lang, f"kind_{kind}") if f"kind_{kind}" in PHRASES else kind,
            "field_label": lambda name: named(FIELDS, g.lang, name),
            "trigger_label": lambda name: named(TRIGGERS, g.lang, name.removeprefix("request:")),
            "deadline_label": lambda name: named(DEADLINES, g.lang, name),
            "disposition_label": lambda name: named(DISPOSITIONS, g.lang, name),
            "value_label": _value_label, "arrow": arrow(getattr(g, "lang", "en"))}


def _value_label(kind: str, name: str, value: Any) -> Any:
    """A field's value in the reader's words where it is a code: a document's type, a meeting's kind, yes or no."""
    if isinstance(value, bool):
        return phrase(g.lang, "yes" if value else "no")
    if name == "mode" and kind == "written" and isinstance(value, str):
        return named(WRITTEN_MODES, g.lang, value)
    if name == "type" and kind == "document" and isinstance(value, str):
        return named(DOCUMENT_TYPES, g.lang, value)
    if name == "kind" and kind == "meeting" and isinstance(value, str):
        from governance.service.describe import title_in_letters

        provision = _instance().rules.provisions.get(f"meetings.{value}")
        shipped = provision.values.get("title") if provision is not None else None
        title = title_in_letters(shipped) if shipped else value
        return title if isinstance(title, str) else title.get(g.lang) or title["en"]
    return value


def _state_label(kind: str | None, state: str) -> str:
    """A record's state in the reader's language (the workflow file's description when the pages know no name for it)."""
    spec = _instance().workflows.get(kind or "")
    described = spec.states.get(state) if spec is not None else None
    return state_name(g.lang, state, described.description if described is not None else "")


def _lang_url(code: str) -> str:
    args = dict(request.view_args or {})
    query = {k: v for k, v in request.args.items() if k != "lang"}
    return url_for(request.endpoint or "views.home", **args, **query, lang=code) if request.endpoint else f"?lang={code}"


# -- who is signed in ------------------------------------------------------------------------------------------------

def _me() -> dict[str, Any] | None:
    """The person signed in on this session (their handle, name, org, roles), or None; an old session ends here."""
    handle, since = session.get("person"), session.get("since")
    if not handle or not since:
        return None
    if _now() - datetime.fromisoformat(since) > timedelta(hours=12) or _now() < datetime.fromisoformat(since) - timedelta(days=1):
        session.clear()
        return None
    from governance.service.transaction import reading

    try:
        with reading(_instance(), handle) as op:
            person = op.actor.person
            me = {"handle": handle, "name": person.name, "org": person.org.code, "org_name": person.org.name,
                  "roles": sorted(op.actor.roles), "lang": person.lang}
    except (BadInput, NotPermitted):  # removed, or renamed away since signing in
        session.clear()
        return None
    g.me = me
    g.reader_timezone = person.timezone  # the pages give times in the reader's zone too
    if not request.args.get("lang") and not session.get("lang") and person.lang:
        g.lang = person.lang if person.lang in _instance().rules.languages else g.lang
    return me


def _require_me() -> dict[str, Any]:
    me = _me()
    if me is None:
        abort(redirect(url_for("views.sign_in_form", next=request.path)))
    return me


def _web_change(me: dict[str, Any], work: Callable[[Operation], Any]) -> tuple[Any, Operation]:
    """A change made by the signed-in person: the CLI's service path, channel "web", named by the session's sign-in link."""
    from governance.service.transaction import change

    return change(_instance(), me["handle"], work, channel=Channel("web", session.get("via")))


def _read(handle: str | None, work: Callable[[Operation], Any]) -> Any:
    from governance.service.transaction import reading

    with reading(_instance(), handle) as op:
        return work(op)


# -- acting from a letter's link -------------------------------------------------------------------------------------

@bp.get("/l/<token>/<action>")
def link_page(token: str, action: str) -> Any:
    """What the link will do, and one form to do it. Reading only: a mail scanner opening it changes nothing."""
    if action not in links.ACTIONS:
        abort(404)
    page = _read(None, lambda op: _link_view(op, token, action))
    return render_template("link.html", **page)


def _link_view(op: Operation, token: str, action: str) -> dict[str, Any]:
    from governance.service import queries
    from governance.service.describe import STEPS

    found = links.check(op, token, action)
    _not_someone_else(found.person.handle)
    if not request.args.get("lang") and found.person.lang in op.rules.languages:
        g.lang = found.person.lang
    g.reader_timezone = found.person.timezone
    record = found.record
    view: dict[str, Any] = {"action": action, "token": token, "person": found.person.name, "org": found.person.org.name,
                            "ref": record.ref, "title": getattr(record, "title", record.ref), "state": record.state,
                            "csrf": _form_token("link", found.link.id, action), "expires": found.link.expires_at}
    if action in ("approve", "reject"):
        spec = op.instance.workflows[record.kind_name]
        trigger = spec.triggers.get(record.pending_trigger or "")
        step = STEPS.get((record.kind_name, record.pending_trigger))
        view["step"] = (step.get(g.lang) or step.get("en")) if step else (trigger.description if trigger else record.pending_trigger)
        view["requested_by"] = record.pending_by
        view["request_reason"] = record.pending_reason
    elif action == "comment":
        document, version = queries.document_text(op, record.ref, record.circulated_version or record.current_version)
        from governance.documents import paragraphs

        view["paragraphs"] = list(enumerate(paragraphs(version.text, version.headings), start=1))  # as comments number them
        view["version"] = version.number
    elif action == "complete":
        view["due"] = record.due
    elif action in ("object", "vote"):  # a written procedure: the text put to the members, and its deadline
        from governance.documents import paragraphs
        from governance.service.written_count import POSITIONS

        _document, version = queries.document_text(op, record.document.ref, record.document_version)
        view.update(paragraphs=list(enumerate(paragraphs(version.text, version.headings), start=1)), version=version.number, until=record.until,
                    document=record.document.ref, positions=POSITIONS)
    return view


@bp.post("/l/<token>/<action>")
def link_post(token: str, action: str) -> Any:
    """Do what the link offers, once, as the letter's recipient, through the CLI's service functions."""
    from governance.service import changes

    if action not in links.ACTIONS:
        abort(404)
    found = links.peek(_instance(), token, action)
    if not request.args.get("lang") and found.person.lang in _instance().rules.languages:
        g.lang = found.person.lang
    if _form_scope() != ["link", found.link.id, action]:
        raise BadInput(phrase(g.lang, "csrf"))
    _not_someone_else(found.person.handle)
    reason = request.form.get("reason") or None
    if action == "reject" and not (reason and reason.strip()):
        raise BadInput("Say why you refuse, in the Reason box; nothing was done")
    text = request.form.get("text", "")
    para = _paragraph(request.form.get("para"))
    if action == "comment" and not text.strip():
        raise BadInput("Write your comment in the box; nothing was sent")
    say = _member_says(action) if action in ("object", "vote") else None

    def act(op: Operation, found: links.Found) -> Any:
        ref, version = found.link.ref, found.link.record_version
        if action == "approve":
            return changes.approve(op, ref, reason, version)
        if action == "reject":
            return changes.reject(op, ref, reason or "", version)
        if action == "comment":
            return changes.add_comment(op, ref, text, para)
        if say is not None:
            return say(op, ref)
        return changes.advance(op, ref, "complete", reason, None, version)

    result, _ = links.use(_instance(), token, action, act)
    if action == "comment":
        sentence = phrase(g.lang, "done_comment", ref=result.ref)
    elif action in ("object", "vote"):
        sentence = phrase(g.lang, f"done_{action}", ref=found.record.ref)
    else:
        kind = found.record.kind_name
        sentence = phrase(g.lang, f"done_{action}", ref=result.ref, state=_state_label(kind, result.state))
    return render_template("message.html", heading=phrase(g.lang, "done"), sentence=sentence,
                           more=action == "comment")


def _not_someone_else(handle: str) -> None:
    """A link acts for the person it was sent to; someone else signed in on this browser is not that person."""
    signed = session.get("person")
    if signed and signed != handle:
        raise NotPermitted("This link was sent to someone else; it cannot act for you (you are signed in as another person), and nothing was done")


def _paragraph(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise BadInput(f"the paragraph must be a number, not {value[:20]!r}") from None


# -- signing in by e-mail ----------------------------------------------------------------------------------------------

@bp.get("/sign-in")
def sign_in_form() -> Any:
    return render_template("sign_in.html", csrf=_form_token("sign-in", _now().isoformat()), next=_safe_next(request.args.get("next")))


@bp.post("/sign-in")
def sign_in_post() -> Any:
    """Mail a sign-in link; the same answer whether or not the address is known, and limited per address and per client."""
    scope = _form_scope()
    if len(scope) != 2 or scope[0] != "sign-in" or _now() - datetime.fromisoformat(scope[1]) > timedelta(hours=SIGN_IN_FORM_HOURS):
        raise BadInput(phrase(g.lang, "csrf"))
    email = (request.form.get("email") or "").strip()
    limits = current_app.extensions["governance.limits"]
    now = _now()
    # Both limits count every request, known address or not: how they answer tells nothing about an address.
    by_address = limits["address"].allow(email.lower(), now)
    by_client = limits["client"].allow(request.remote_addr or "?", now)
    if not (by_address and by_client):
        return render_template("message.html", heading=phrase(g.lang, "refused"), sentence=phrase(g.lang, "too_many")), 429
    links.request_sign_in(_instance(), email)
    return render_template("message.html", heading=phrase(g.lang, "sign_in"), sentence=phrase(g.lang, "sign_in_sent"))


@bp.get("/sign-in/<token>")
def sign_in_page(token: str) -> Any:
    """A button to sign in: the link itself changes nothing when a mail scanner opens it."""
    found = links.peek(_instance(), token, links.SIGN_IN)
    if not request.args.get("lang") and found.person.lang in _instance().rules.languages:
        g.lang = found.person.lang
    return render_template("sign_in_confirm.html", name=found.person.name, token=token,
                           csrf=_form_token("sign-in-link", found.link.id))


@bp.post("/sign-in/<token>")
def sign_in_use(token: str) -> Any:
    found = links.peek(_instance(), token, links.SIGN_IN)
    if _form_scope() != ["sign-in-link", found.link.id]:
        raise BadInput(phrase(g.lang, "csrf"))
    handle, link_id = links.sign_in(_instance(), token)
    session.clear()
    session.update(person=handle, since=_now().isoformat(), via=f"sign-in link {link_id}")
    return redirect(url_for("views.home"), 303)


@bp.post("/sign-out")
def sign_out() -> Any:
    session.clear()
    return render_template("message.html", heading=phrase(g.lang, "sign_out"), sentence=phrase(g.lang, "signed_out"), signed_out=True)


def _safe_next(value: str | None) -> str | None:
    """Only a path on this site: an address elsewhere would make the sign-in page a redirector."""
    return value if value and value.startswith("/") and not value.startswith("//") else None


# -- the person's page: chair and focal point ------------------------------------------------------------------------------

@bp.get("/")
def home() -> Any:
    me = _require_me()

    def view(op: Operation) -> dict[str, Any]:
        from governance.service import queries

        documents = op.rules.provision("documents")
        commenter = bool(op.actor.roles & set(documents["commenters"]))
        circulated = [r for r in queries.record_rows(op, "document") if r["state"] == "circulated"] if commenter else []
        actions = [r for r in queries.record_rows(op, "action") if r["who"] == me["org"] and r["state"] in ("open", "overdue")]
        terms = [t for t in queries.terms(op, None) if t["state"] == "active"]
        from governance.service import written

        return {"approvals": queries.approvals(op), "circulated": circulated, "actions": actions, "terms": terms,
                "chair": "chair" in op.actor.roles, "commenter": commenter, "secretariat": "secretariat" in op.actor.roles,
                "written": written.open_for(op)}

    return render_template("home.html", **_read(me["handle"], view))


@bp.get("/r/<ref>")
def record(ref: str) -> Any:
    me = _require_me()

    def view(op: Operation) -> dict[str, Any]:
        from governance.service import queries

        shown = queries.show(op, ref)
        page: dict[str, Any] = {"r": shown, "fields": shown.get("fields", {})}
        hints = {hint.action for hint in shown.get("hints", [])}  # what show tells the CLI's user they may do next
        page["can_approve"] = "approve" in hints
        page["can_comment"] = "comment" in hints
        if shown["kind"] == "document":
            from governance.documents import paragraphs

            _doc, version = queries.document_text(op, shown["ref"], None)
            page["paragraphs"] = list(enumerate(paragraphs(version.text, version.headings), start=1))
            page["version"] = version.number
            _doc, rows = queries.matrix(op, shown["ref"])
            secretariat = "secretariat" in op.actor.roles
            page["comments"] = rows if secretariat else [row for row in rows if row["org"] == me["org"]]
            page["secretariat"] = secretariat
            page["comment_deadline"] = next((d for d in shown["deadlines"] if d["name"] == "comment_deadline"), None)
        if shown["kind"] == "written":  # named by what it decides: its document's title
            from governance.service import lookup

            page["heading"] = lookup.record(op.session, shown["ref"], ("written",)).document.title
        page["written_action"] = next((a for a in ("object", "vote") if a in hints), None)
        page["can_reserve"] = "reserve" in hints
        if page["written_action"]:  # the member's say, as the letter's link would take it: the text put to them, the choices
            from governance.documents import paragraphs
            from governance.service import lookup
            from governance.service.written_count import POSITIONS

            procedure = lookup.record(op.session, shown["ref"], ("written",))
            _doc, version = queries.document_text(op, procedure.document.ref, procedure.document_version)
            page["written_form"] = {"action": page["written_action"], "positions": POSITIONS, "org": me["org_name"],
                                    "paragraphs": list(enumerate(paragraphs(version.text, version.headings), start=1))}
        return page

    return render_template("record.html", **_read(me["handle"], view))


@bp.get("/r/<ref>/do/<trigger>")
def preview(ref: str, trigger: str) -> Any:
    """What firing `trigger` would do, computed by the CLI's dry run (rolled back: nothing is written)."""
    from governance.service import changes
    from governance.service.transaction import change

    me = _require_me()
    outcome, op = change(_instance(), me["handle"], lambda op: changes.advance(op, ref, trigger, None, None, None), dry_run=True)
    zone = op.rules.zone
    from governance.service import queries

    with_version = _read(me["handle"], lambda o: queries.show(o, ref)["version"])
    return render_template("preview.html", ref=outcome.ref, trigger=trigger, outcome=outcome, letters=len(op.mail),
                           deadlines=[{"name": d["name"], "kind": d["kind"], "due": d["due"].astimezone(zone)} for d in op.deadlines],
                           version=with_version)


@bp.post("/r/<ref>/advance")
def advance(ref: str) -> Any:
    from governance.service import changes

    me = _require_me()
    trigger = request.form.get("trigger", "")
    reason = request.form.get("reason") or None
    version = _version(request.form.get("version"))
    _web_change(me, lambda op: changes.advance(op, ref, trigger, reason, None, version))
    return redirect(url_for("views.record", ref=ref), 303)


@bp.post("/r/<ref>/approve")
def approve(ref: str) -> Any:
    from governance.service import changes

    me = _require_me()
    reason = request.form.get("reason") or None
    version = _version(request.form.get("version"))
    _web_change(me, lambda op: changes.approve(op, ref, reason, version))
    return redirect(url_for("views.record", ref=ref), 303)


@bp.post("/r/<ref>/reject")
def reject(ref: str) -> Any:
    from governance.service import changes

    me = _require_me()
    reason = request.form.get("reason") or ""
    if not reason.strip():
        raise BadInput("Say why you refuse, in the Reason box; nothing was done")
    version = _version(request.form.get("version"))
    _web_change(me, lambda op: changes.reject(op, ref, reason, version))
    return redirect(url_for("views.record", ref=ref), 303)


@bp.post("/r/<ref>/comment")
def comment(ref: str) -> Any:
    from governance.service import changes

    me = _require_me()
    text = _required_text("Write your comment in the box; nothing was sent")
    para = _paragraph(request.form.get("para"))
    _web_change(me, lambda op: changes.add_comment(op, ref, text, para))
    return redirect(url_for("views.record", ref=ref) + (f"#p{para}" if para else ""), 303)


def _required_text(refusal: str) -> str:
    """The form's `text`, or the refusal when it is blank (nothing is written)."""
    text = request.form.get("text", "")
    if not text.strip():
        raise BadInput(refusal)
    return text


def _member_says(action: str) -> Callable[[Operation, str], Any]:
    """What a member's form asks in a written procedure (on a letter's link page or the procedure's own page): checked
    here, then the service call that says it for a reference."""
    from governance.service import written

    if action == "object":
        text = _required_text(phrase(g.lang, "objection_needed"))
        para, amendment = _paragraph(request.form.get("para")), request.form.get("amendment") == "on"
        return lambda op, ref: written.object_(op, ref, text, para, amendment)
    position = request.form.get("position", "")
    if not position:
        raise BadInput(phrase(g.lang, "position_needed"))
    statement = request.form.get("statement") or None
    return lambda op, ref: written.vote(op, ref, position, statement)


@bp.post("/r/<ref>/<any(object, vote):action>")
def member_says(ref: str, action: str) -> Any:
    """A member objects or votes from the procedure's page, signed in: what the letter's link does."""
    me = _require_me()
    say = _member_says(action)
    _web_change(me, lambda op: say(op, ref))
    flash(phrase(g.lang, f"done_{action}", ref=ref))
    return redirect(url_for("views.record", ref=ref), 303)


@bp.post("/r/<ref>/reserve")
def reserve(ref: str) -> Any:
    """A member annexes a reservation or interpretative statement to the decision (`gov written reserve`)."""
    from governance.service import written

    me = _require_me()
    text = _required_text(phrase(g.lang, "reservation_needed"))
    kind = request.form.get("kind") or written.ANNEXES[0]
    _web_change(me, lambda op: written.reserve(op, ref, text, kind))
    return redirect(url_for("views.record", ref=ref), 303)


@bp.post("/c/<ref>/dispose")
def dispose(ref: str) -> Any:
    from governance.service import changes

    me = _require_me()
    decision = request.form.get("decision", "")
    note = request.form.get("note") or None
    comment, _ = _web_change(me, lambda op: changes.dispose_comment(op, ref, decision, note))
    return redirect(url_for("views.record", ref=f"D-{comment.document_id}"), 303)


def _version(value: str | None) -> int | None:
    """The record's version the page showed: acting on what the person saw, not on what changed since (exit 5's rule)."""
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise BadInput("the form's version field is not a number; open the page again") from None


# -- the secretariat's desk ----------------------------------------------------------------------------------------------

def _require_secretariat() -> dict[str, Any]:
    me = _require_me()
    if "secretariat" not in me["roles"]:
        raise NotPermitted(phrase(g.lang, "secretariat_only"))
    return me


PER_STATE = 50  # records the desk lists in each state (the newest); the count says how many there are


@bp.get("/desk")
def desk() -> Any:
    me = _require_secretariat()

    def view(op: Operation) -> dict[str, Any]:
        from governance.service import queries

        # Bounded by PER_STATE however many records are stored: counts per state, the newest of each.
        groups: dict[str, dict[str, Any]] = {}
        for kind in op.instance.workflows:
            try:
                groups[kind] = queries.record_groups(op, kind, PER_STATE)
            except KeyError:  # a workflow whose records the desk cannot list yet
                continue
        pending = [row for group in groups.values() for row in group["pending"]]
        overdue = groups.get("action", {}).get("states", {}).get("overdue", {}).get("rows", [])
        by_state = {kind: group["states"] for kind, group in groups.items() if group["states"]}
        from governance.service.tick import health

        return {"pending": pending, "deadlines": queries.deadlines(op, False, 25), "overdue": overdue, "by_state": by_state,
                "failed": queries.outbox(op, "failed", 50), "health": _health(health(op))}

    return render_template("desk.html", **_read(me["handle"], view))


def _health(data: dict[str, Any]) -> dict[str, Any]:
    """`gov status`'s report in the reader's words: the scheduler's heartbeat, the last tick, rows waiting, the mail."""
    beat = data["scheduler"]
    since = beat.get("seconds_since")
    sentence = phrase(g.lang, f"hb_{beat['state']}", ago=ago(since, days="d") if since is not None else "")
    return {"state": beat["state"], "sentence": sentence, "last_tick": data["last_tick"], "due_unfired": data["due_unfired"],
            "stuck": phrase(g.lang, "stuck", when=_when(data["oldest_due"])) if data["scheduler_dead"] else None,
            "mail": phrase(g.lang, "mail_line", pending=data["mail_pending"], failed=data["mail_failed"], sent=data["mail_sent"])}


# -- the desk's forms: meetings, documents, people, through the CLI's create functions ---------------------------------



def _choices(op: Operation) -> dict[str, Any]:
    from sqlalchemy import select

    from governance.service import queries
    from governance.store.models import Organisation

    return {"meeting_kinds": op.rules.meeting_kinds(), "document_types": op.rules.document_types(),
            "roles": op.rules.standing_roles(), "languages": op.rules.languages,
            "orgs": [(o.code, o.name) for o in op.session.scalars(select(Organisation).order_by(Organisation.code))],
            "meetings": [r for r in queries.record_rows(op, "meeting")
                         if not op.instance.workflows["meeting"].states[r["state"]].final]}


@bp.get("/desk/new/<what>")
def new_form(what: str) -> Any:
    if what not in ("meeting", "document", "person"):
        abort(404)
    me = _require_secretariat()
    return render_template("new.html", what=what, **_read(me["handle"], _choices))


@bp.post("/desk/new/meeting")
def new_meeting() -> Any:
    from governance.clock import parse_when
    from governance.service import changes

    me = _require_secretariat()
    form = request.form
    online = form.get("online") == "on"

    def work(op: Operation) -> Any:
        zone = op.rules.zone
        return changes.create_meeting(op, form.get("kind", ""), form.get("title", ""), parse_when(form.get("start", ""), zone, "the start"),
                                      parse_when(form.get("end", ""), zone, "the end"), form.get("venue") or None, online, None,
                                      (form.get("link") or None) if online else None)

    meeting, _ = _web_change(me, work)
    return redirect(url_for("views.record", ref=meeting.ref), 303)


@bp.post("/desk/new/person")
def new_person() -> Any:
    from governance.service import changes

    me = _require_secretariat()
    form = request.form
    person, _ = _web_change(me, lambda op: changes.add_person(op, form.get("handle", "").strip(), form.get("name", ""),
                                                              form.get("email", "").strip(), form.get("org", ""),
                                                              form.get("lang") or None, form.getlist("role")))
    return render_template("message.html", heading=phrase(g.lang, "done"),
                           sentence=phrase(g.lang, "person_created", name=person.name, handle=person.handle, org=form.get("org", "")),
                           back=url_for("views.desk"))


@bp.post("/desk/outbox/retry")
def outbox_retry() -> Any:
    from governance.service import mailqueue

    me = _require_secretariat()
    requeued, _ = _web_change(me, lambda op: mailqueue.retry(op, [], True))
    return render_template("message.html", heading=phrase(g.lang, "outbox"), sentence=phrase(g.lang, "requeued", n=len(requeued)),
                           back=url_for("views.desk"))


@bp.get("/desk/audit")
def audit() -> Any:
    me = _require_secretariat()

    def view(op: Operation) -> dict[str, Any]:
        from governance.service import audit as trail
        from governance.service import queries

        verdict = trail.verify(op.session) if request.args.get("verify") else None
        return {"entries": list(reversed(queries.audit_entries(op, None, 100))), "verdict": verdict}

    return render_template("audit.html", **_read(me["handle"], view))


@bp.get("/healthz")
def health() -> Response:
    return Response("ok\n", mimetype="text/plain")
