"""The web application's frame: one Flask app over one open instance, its session, CSRF, headers and error pages."""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Response, g, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from itsdangerous import BadSignature, URLSafeSerializer

from governance.errors import BadInput, GovError
from governance.service.context import Instance
from governance.web.i18n import LANGUAGE_NAMES, direction, phrase

# A signed-in session lasts this long on the instance's clock, then asks for a new sign-in link.
SESSION_HOURS = 12
# Sign-in requests: at most this many per address, and per client, in SIGN_IN_WINDOW.
PER_ADDRESS, PER_CLIENT = 3, 10
SIGN_IN_WINDOW = timedelta(minutes=15)

_STATUS = {"bad_input": 400, "not_permitted": 403, "not_allowed_now": 409, "conflict": 409}
# No script at all, styles from this server only, no framing, and no Referer: a token in a URL never leaves.
_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'")


class ClockSession(SecureCookieSessionInterface):
    """The cookie session, signed but not timed by the library: its age is judged on the instance's clock (SESSION_HOURS)."""

    salt = "governance-session"

    def get_signing_serializer(self, app: Flask) -> URLSafeSerializer | None:  # type: ignore[override]
        if not app.secret_key:
            return None
        return URLSafeSerializer(app.secret_key, salt=self.salt, serializer=self.serializer)

    def open_session(self, app: Flask, request: Any) -> Any:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            return self.session_class(serializer.loads(value))
        except BadSignature:
            return self.session_class()


class RateLimit:
    """Counts of recent events per key, on the instance's clock; kept in memory (one process serves the pages)."""

    def __init__(self, limit: int, window: timedelta) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: datetime) -> bool:
        with self._lock:
            times = self._seen.setdefault(key, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            if len(self._seen) > 100_000:  # a flood of distinct keys must not grow memory without end
                self._seen = {k: v for k, v in self._seen.items() if v and v[-1] > now - self.window}
            return True


def create_app(instance: Instance) -> Flask:
    """The application serving `instance`; BadInput when the instance has no signing key in its environment."""
    key = instance.settings.web.secret_key()
    if key is None:
        raise BadInput(f"the web application needs a signing key: set the environment variable {instance.settings.web.secret_key_env} "
                       "(a long random text; [web] secret_key_env in config.toml names the variable)")
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.secret_key = key
    app.session_interface = ClockSession()
    app.config.update(
        SESSION_COOKIE_NAME="gov_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=instance.settings.web.secure,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, whose age the instance's clock judges
        WTF_CSRF_SSL_STRICT=False,  # with Referrer-Policy no-referrer there is no Referer to compare
        MAX_CONTENT_LENGTH=instance.settings.max_file_bytes + 64 * 1024,  # a document's file, as `doc create` takes it
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.extensions["governance"] = instance
    app.extensions["governance.limits"] = {"address": RateLimit(PER_ADDRESS, SIGN_IN_WINDOW),
                                           "client": RateLimit(PER_CLIENT, SIGN_IN_WINDOW)}
    csrf = CSRFProtect(app)
    from governance.web import documents, views

    app.register_blueprint(views.bp)
    app.register_blueprint(documents.bp)
    for endpoint in views.STATELESS_FORMS:
        # These forms carry a token of their own, signed and bound to the link or the page (see views): they work
        # without a cookie, as a link opened from a letter must.
        csrf.exempt(getattr(views, endpoint))

    @app.before_request
    def _language() -> None:
        g.instance = instance
        g.lang = _choose_language(instance)

    @app.context_processor
    def _words() -> dict[str, Any]:
        lang = g.get("lang", instance.rules.working_language)
        return {"t": lambda key, **f: phrase(lang, key, **f), "lang": lang, "dir": direction(lang),
                "languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in _languages(instance)],
                "me": g.get("me"), "body_name": instance.rules.short_name}

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = _CSP
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        if response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(GovError)
    def _refused(exc: GovError) -> tuple[str, int]:
        status = getattr(exc, "status", None) or _STATUS.get(exc.code, 400)
        return render_template("message.html", heading=phrase(g.get("lang", "en"), "refused"), sentence=exc.sentence()), status

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> tuple[str, int]:
        return render_template("message.html", heading=phrase(g.get("lang", "en"), "refused"),
                               sentence=phrase(g.get("lang", "en"), "csrf")), 400

    @app.errorhandler(404)
    def _missing(exc: Any) -> tuple[str, int]:
        return render_template("message.html", heading="404", sentence=phrase(g.get("lang", "en"), "not_found")), 404

    @app.errorhandler(405)
    def _method(exc: Any) -> tuple[str, int]:
        return render_template("message.html", heading="405", sentence="This address does not take that kind of request."), 405

    @app.errorhandler(413)
    def _large(exc: Any) -> tuple[str, int]:
        return render_template("message.html", heading="413", sentence="What was sent is too large; nothing was done."), 413

    # An unexpected error is logged without the request's path or form: a path may hold a link's token.
    app.log_exception = lambda exc_info: app.logger.error("internal error on %s %s", request.method, request.endpoint,  # type: ignore[method-assign]
                                                          exc_info=exc_info)
    return app


def _languages(instance: Instance) -> list[str]:
    return [code for code in instance.rules.languages if code in LANGUAGE_NAMES] or ["en"]


def _choose_language(instance: Instance) -> str:
    """?lang= on the address, else the one chosen in this session, else the person's, else the body's working language."""
    languages = _languages(instance)
    asked = request.args.get("lang")
    if asked in languages:
        if session.get("lang") != asked and "person" in session:
            session["lang"] = asked
        return asked
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return instance.rules.working_language if instance.rules.working_language in languages else languages[0]
