"""Render a letter (subject, text, HTML) from Jinja2 templates in the recipient's language."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from babel import Locale
import jinja2
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
RTL = {"ar"}

# Unicode directional isolates: data set off from the sentence around it keeps its own direction (UAX #9, X5a-X6a).
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
_OPENERS = {LRI: '<bdi dir="ltr">', RLI: '<bdi dir="rtl">', FSI: "<bdi>"}
_ISOLATES = str.maketrans("", "", LRI + RLI + FSI + PDI)
_ISOLATE_CHAR = re.compile(f"[{LRI}{RLI}{FSI}{PDI}]")
# The characters that give a run its direction: in a right-to-left letter, data holding left-to-right letters or
# digits (a title, a name, M-3, 12:00) is isolated; in a left-to-right one, data holding Arabic or Hebrew letters.
_AGAINST = {"rtl": frozenset({"L", "EN", "AN"}), "ltr": frozenset({"R", "AL"})}
_ASCII_STRONG = re.compile("[A-Za-z0-9]")  # the ASCII characters of those classes (L and EN): none is R, AL or AN
# A command is copied from the letter into a shell as it stands: it carries no invisible character.
COMMAND_PREFIX = "gov "
# Readers of one language (and zone) from whom on a letter is rendered once and each set in (mail/stencil.py): for
# two, setting them in costs about what rendering the second one does.
_STENCIL_READERS = 3


class Laid(str):
    """Text already laid out for the letter, printed as it stands: a phrase of the template's own (a plural form,
    a list), a document's text set as a block, a letter a digest merges. Data is isolated; this is not."""


@dataclass(frozen=True)
class Letter:
    """One letter as rendered: its subject (with the body's prefix), the text part and its HTML alternative."""

    subject: str
    text: str
    html: str
    lang: str


def template_names(override: Path | None = None) -> set[str]:
    """Every letter a workflow may name: those in the shipped English set and any override."""
    names = {p.stem for p in (PACKAGE_TEMPLATES / "en").glob("*.txt")}
    if override and (override / "en").is_dir():
        names |= {p.stem for p in (override / "en").glob("*.txt")}
    return names


class Renderer:
    def __init__(self, zone: ZoneInfo, short_name: str, working_language: str, languages: tuple[str, ...], override: Path | None = None,
                 hijri: tuple[str, ...] = ("ar",)) -> None:
        self.zone = zone
        self.hijri = hijri  # languages whose dates carry the Umm al-Qura date beside them
        self.short_name = short_name
        self.working_language = working_language
        self.languages = languages
        # An instance without letters of its own shares the shipped templates' environment with every other such
        # instance in the process: each template is compiled once, not once per opening.
        self.env = _environment(str(override) if override and _holds_templates(override) else "")

    def language_for(self, wanted: str | None, name: str) -> str:
        for lang in (wanted, self.working_language, "en"):
            if lang and lang in self.languages + ("en",) and self._exists(f"{lang}/{name}.txt"):
                return lang
        raise LookupError(f"no template {name!r} in any language")

    def prepare(self, names: set[str]) -> None:
        """Compile letters `names` in every language, take the layout's pieces and read each language's date formats:
        what the first letters of a fresh process would otherwise do inside the transaction that writes them (a batch
        of due rows holds the writer's lock meanwhile)."""
        from datetime import timezone

        from governance.mail import dates, layout

        sample = datetime(2000, 1, 3, 9, tzinfo=timezone.utc)
        for lang in dict.fromkeys((*self.languages, self.working_language, "en")):
            for name in sorted(names):
                self._exists(f"{lang}/{name}.txt")
            layout.pieces(self.env, self.env.get_template("layout.html"), lang, "rtl" if lang in RTL else "ltr")
            dates.moment(sample, lang, self.zone, None, lang in self.hijri)

    def _exists(self, path: str) -> bool:
        try:
            self.env.get_template(path)
        except Exception:  # noqa: BLE001 - jinja raises TemplateNotFound or a syntax error; both mean "not usable"
            return False
        return True

    def _context(self, name: str, lang: str, context: dict[str, Any]) -> tuple[Any, Context]:
        template = self.env.get_template(f"{lang}/{name}.txt")
        return template, template.new_context(_with_filters(_shared(context, lang, self.zone), lang, self.zone, lang in self.hijri))

    def render(self, name: str, wanted_lang: str | None, context: dict[str, Any], ref: str | None) -> Letter:
        return self.letters(name, context, ref).render(wanted_lang, {})

    def letters(self, name: str, context: dict[str, Any] | Callable[[str], dict[str, Any]], ref: str | None,
                known: dict[Any, Any] | None = None) -> Letters:
        """Letter `name` about one thing to several readers: `context` is what they share (or, called with a language,
        what the readers of that language share); `Letters.render` adds what is each reader's own.

        `known`: where the letters of one operation keep the languages and templates they found, so that a batch
        looks each up once (a template edited meanwhile is read by the next operation).
        """
        return Letters(self, name, context, ref, known)

    def frame(self, name: str, lang: str, context: dict[str, Any]) -> tuple[str, str]:
        """The greeting and the sign-off of letter `name` in `lang`, as `render` writes them ("" where it has none).

        A digest lists the letters it merges without these, so that its own appear once.
        """
        if not self._exists(f"{lang}/{name}.txt"):
            return "", ""
        template, ctx = self._context(name, lang, context)
        parts = []
        for block in ("greeting", "closing"):
            render = template.blocks.get(block)
            parts.append(_tidy("".join(render(ctx))).strip() if render else "")
        return parts[0], parts[1]


class Letters:
    """One letter to several readers, as Renderer.render writes each of them, with what they share worked out once:
    the language each reader's letter is in, the templates (found and checked once, not once per reader), and the
    shared context made the language's own. What differs per reader (who they are, their links) is added for each."""

    def __init__(self, renderer: Renderer, name: str, context: dict[str, Any] | Callable[[str], dict[str, Any]],
                 ref: str | None, known: dict[Any, Any] | None = None) -> None:
        self.renderer, self.name, self.ref = renderer, name, ref
        self._context = context
        self._known: dict[Any, Any] = {} if known is None else known
        self._shared: dict[str, dict[str, Any]] = {}

    def language_for(self, wanted: str | None) -> str:
        key = ("language", self.name, wanted)
        if key not in self._known:
            self._known[key] = self.renderer.language_for(wanted, self.name)
        return self._known[key]

    def _template(self, path: str) -> Any:
        key = ("template", path)
        if key not in self._known:
            self._known[key] = self.renderer.env.get_template(path)
        return self._known[key]

    def _values(self, lang: str, personal: dict[str, Any]) -> dict[str, Any]:
        if lang not in self._shared:
            context = self._context(lang) if callable(self._context) else self._context
            self._shared[lang] = _shared(context, lang, self.renderer.zone)
        values = dict(self._shared[lang])
        for key, value in personal.items():
            values[key] = _localise(value, lang)
        renderer = self.renderer
        return _with_filters(values, lang, renderer.zone, lang in renderer.hijri)

    def render(self, wanted_lang: str | None, personal: dict[str, Any]) -> Letter:
        """The letter for one reader who wants `wanted_lang`; `personal` is theirs alone (person, links)."""
        lang = self.language_for(wanted_lang)
        template = self._template(f"{lang}/{self.name}.txt")
        ctx = template.new_context(self._values(lang, personal))
        subject = self._subject("".join(template.blocks["subject"](ctx)))
        text = _commands_bare(_tidy("".join(template.blocks["body"](ctx))))
        return Letter(subject, text, self._html(lang, subject, text), lang)

    def render_many(self, readers: list[tuple[str | None, dict[str, Any]]]) -> list[Letter]:
        """The letter for each reader (the language they want, what is theirs alone), as `render` writes it.

        Readers who share a language and a time zone and get no links (three or more of them) share one rendering,
        each of them set into it (mail/stencil.py says when that gives the very letter `render` would); the others
        get their own.
        """
        from governance.mail.stencil import prints_reader_plainly

        letters: list[Letter | None] = [None] * len(readers)
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i, (wanted, personal) in enumerate(readers):
            lang = self.language_for(wanted)
            person = personal.get("person")
            if set(personal) <= {"person", "links"} and not personal.get("links") and isinstance(person, dict):
                key = (lang, tuple(sorted(person)), person.get("timezone"), repr(personal.get("links")))
                groups.setdefault(key, []).append(i)
        for (lang, *_), members in groups.items():
            if len(members) < _STENCIL_READERS or not prints_reader_plainly(self.renderer.env, self._template(f"{lang}/{self.name}.txt")):
                continue
            stencil = self._stencil(lang, readers[members[0]][1])
            if stencil is None:
                continue
            direction = "rtl" if lang in RTL else "ltr"
            for i in members:
                filled = stencil.fill(readers[i][1]["person"], direction)
                if filled is not None:
                    subject, text = filled
                    letters[i] = Letter(subject, text, self._html(lang, subject, text), lang)
        return [letter or self.render(wanted, personal) for letter, (wanted, personal) in zip(letters, readers)]

    def _stencil(self, lang: str, personal: dict[str, Any]) -> Any:
        """The letter in `lang` rendered with stand-ins for the reader (mail/stencil.py), or None."""
        from governance.mail.stencil import stand_ins, stencil, stood_in

        template = self._template(f"{lang}/{self.name}.txt")
        ctx = template.new_context(self._values(lang, dict(personal, person=stand_ins(personal["person"]))))
        subject = self._subject("".join(template.blocks["subject"](ctx)))
        text = _commands_bare(_tidy("".join(template.blocks["body"](ctx))))
        return stencil(subject, text, stood_in(personal["person"]))

    def _subject(self, rendered: str) -> str:
        prefix = f"[{self.renderer.short_name}] {self.ref}: " if self.ref else f"[{self.renderer.short_name}] "
        return prefix + " ".join(rendered.split())

    def _html(self, lang: str, subject: str, text: str) -> str:
        from governance.mail import layout

        return layout.html(self.renderer.env, self._template("layout.html"), lang, "rtl" if lang in RTL else "ltr", subject,
                           html_paragraphs(text))


def _shared(context: dict[str, Any], lang: str, zone: ZoneInfo) -> dict[str, Any]:
    """A letter's context in `lang`: its phrases in that language, and the language, zone and direction templates read."""
    values = _localise(dict(context, lang=lang, zone=zone), lang)
    values["_direction"] = "rtl" if lang in RTL else "ltr"
    return values


def _holds_templates(folder: Path) -> bool:
    return folder.is_dir() and any(folder.rglob("*.txt"))


@lru_cache(maxsize=8)
def _environment(override: str) -> Environment:
    loaders = [FileSystemLoader(override)] if override else []
    loaders.append(FileSystemLoader(str(PACKAGE_TEMPLATES)))
    options: dict[str, Any] = dict(autoescape=select_autoescape(["html"]), undefined=StrictUndefined, keep_trailing_newline=False,
                                   trim_blocks=True, lstrip_blocks=True, finalize=_finalize)
    from governance.mail.compiled import compiled_letters

    # The compiled code depends on these options, which Jinja's key for a template does not hold.
    settings = repr(sorted((k, v) for k, v in options.items() if isinstance(v, bool))) + "html finalize strict " + jinja2.__version__
    env = Environment(loader=ChoiceLoader(loaders), bytecode_cache=compiled_letters(settings), **options)
    env.filters.update({word: french(word) for word in _FRENCH}, article=article)
    return env


@pass_context
def _finalize(ctx: Context, value: Any) -> Any:
    """Every `{{ value }}` a letter prints passes here: the one place data is made safe to set in a sentence.

    A moment is never printed raw (an ISO timestamp is not a date a reader can use); brackets inside brackets are
    flattened; a one-line value whose script runs against the letter's direction is isolated, so that brackets,
    times and references keep their order.
    What is already laid out (Laid, or Markup) passes as it stands.
    """
    direction = ctx.get("_direction")
    if direction is None:  # the HTML layout, not a letter
        return value
    if value.__class__ is str:  # most values: plain text (not Laid, not Markup)
        return value if "\n" in value else _as_data(value, direction)
    if isinstance(value, datetime):
        value = ctx["when"](value)
    elif isinstance(value, date):
        value = ctx["day"](datetime(value.year, value.month, value.day, 12, tzinfo=ctx["zone"]))
    if isinstance(value, (Laid, Markup)) or not isinstance(value, str) or "\n" in value:
        return value
    return _as_data(value, direction)


@lru_cache(maxsize=8192)  # the same names, titles and references come back in letter after letter
def _as_data(value: str, direction: str) -> str:
    return isolate(unnest(value), direction)


def unnest(value: str) -> str:
    """Brackets inside brackets read as a comma: "M-1 (RoP Art. 4 (communiqué §12))" becomes "M-1 (RoP Art. 4, communiqué §12)"."""
    if "(" not in value:
        return value
    out: list[str] = []
    depth = 0
    for ch in value:
        if ch == "(":
            depth += 1
            if depth > 1:
                while out and out[-1] == " ":
                    out.pop()
                if out and out[-1] not in "(, ":
                    out.append(", ")
                continue
        elif ch == ")" and depth:
            depth -= 1
            if depth:
                continue
        out.append(ch)
    return "".join(out)


def isolate(value: str, direction: str) -> str:
    """`value` between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE when its script runs against `direction`."""
    if value.isascii():  # most data: no right-to-left letter, and the left-to-right ones are its letters and digits
        if direction == "ltr" or not _ASCII_STRONG.search(value):
            return value
        return FSI + value + PDI
    against = _AGAINST[direction]
    if not any(unicodedata.bidirectional(ch) in against for ch in value):
        return value
    # Isolates inside the value would close ours early or leave one open: the value gets exactly one pair.
    return FSI + value.translate(_ISOLATES) + PDI


def _with_filters(values: dict[str, Any], lang: str, zone: ZoneInfo, hijri: bool = False) -> dict[str, Any]:
    values.update(_filters(lang, zone, _reader_zone(values.get("person")), hijri))
    return values


@lru_cache(maxsize=256)
def _filters(lang: str, zone: ZoneInfo, reader: ZoneInfo | None, hijri: bool) -> dict[str, Callable[..., Any]]:
    """The functions templates call, for a letter in `lang` to a reader in `reader`'s zone (None: the body's)."""
    from governance.mail import dates

    return {
        "when": lambda dt: dates.moment(dt, lang, zone, reader, hijri),
        "day": lambda dt: dates.day(dt, lang, zone, hijri),
        "hour": lambda dt: dates.hour(dt, lang, zone) + dates.yours(dt, lang, zone, reader),
        "days": lambda n: dates.days(n, lang),
        "closed_days": lambda spans: listing(lang, dates.closed_days(spans, lang)),
        "span": lambda start, end: dates.span(start, end, lang, zone, reader, hijri),
        "ngettext": lambda n, singular, plural, **forms: ngettext(lang, n, singular, plural, **forms),
        "listing": lambda items: listing(lang, [str(item) for item in items]),
    }


def _reader_zone(person: Any) -> ZoneInfo | None:
    """The zone the letter's reader keeps, when they keep one of their own (a person's view carries its name)."""
    name = person.get("timezone") if isinstance(person, dict) else None
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):  # checked when set; a zone a later tzdata dropped is read in the body's alone
        return None


def listing(lang: str, items: list[str]) -> Laid:
    """'A, B and C' in the letter's language (Babel's list patterns), each item isolated on its own as data is."""
    from babel.lists import format_list

    from governance.mail.dates import babel_locale

    direction = "rtl" if lang in RTL else "ltr"
    return Laid(format_list([isolate(unnest(item), direction) for item in items], locale=babel_locale(lang)) if items else "")


def ngettext(lang: str, n: int, singular: str, plural: str, **forms: str) -> Laid:
    """The phrase for `n` in `lang`, chosen by the language's CLDR plural rule (Babel); `%(num)d` stands for n.

    English and French need the two forms; a language with more names the others by category, as Arabic does:
    `ngettext(n, "رسالة واحدة", "%(num)d رسالة", zero=..., two="رسالتان", few="%(num)d رسائل", many="%(num)d رسالة")`.
    A `zero` phrase, when given, is the one for 0 in every language ("No comment arrived"), whatever category the
    language files 0 under (French counts it as "one"). The phrase is the template's own wording, not data.
    """
    category = "zero" if int(n) == 0 and "zero" in forms else _plural_category(lang, int(n))
    phrase = forms.get(category) or (singular if category == "one" else plural)
    return Laid(phrase % {"num": int(n)} if "%(" in phrase else phrase)


@lru_cache(maxsize=1024)
def _plural_category(lang: str, n: int) -> str:
    return str(Locale.parse(lang).plural_form(n))


# -- French: elision and contraction from the first letter of the data --------------------------------------------

def _elides(value: str) -> bool:
    """Whether French elides before `value`: it opens with a vowel or with an h that is not an acronym's."""
    word = value.lstrip(" \"'«“‘(" + FSI + PDI)
    if not word:
        return False
    first = unicodedata.normalize("NFD", word[0])[0].lower()
    if first in "aeiouœæ":
        return True
    # A mute h elides (l'hôpital); an acronym is read letter by letter ("du HCR").
    head = word.split()[0]
    return first == "h" and not head.isupper()


# French articles and prepositions before a name: the elided form before a vowel or a mute h ("de l'OIC-PESNET",
# "d'İŞKUR"), the full one otherwise ("du SESRIC").
_FRENCH = {"de": ("d'", "de "), "du": ("de l'", "du "), "le": ("l'", "le "), "au": ("à l'", "au ")}


def french(word: str) -> Callable[[Any], str]:
    """The filter putting `word` (de, du, le, au) before a name, elided where French elides."""
    elided, full = _FRENCH[word]

    def before(value: Any) -> str:
        text = str(value)
        return (elided if _elides(text) else full) + text

    return before


french_de = french("de")


def article(value: Any) -> str:
    """A provision's citation as a letter gives it, in brackets of its own: the article, without the gloss the rules
    file adds after it ("RoP Art. 4 (communiqué §12: ...)" is cited "RoP Art. 4"), so that brackets never nest."""
    text = str(value).strip()
    if text.endswith(")") and " (" in text:
        head = text[: text.index(" (")].strip()
        if head:
            return head
    return text


# -- text and HTML ---------------------------------------------------------------------------------------------------

def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and out and not out[-1]:
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"


def _commands_bare(text: str) -> str:
    """Lines that are commands lose the isolates their data was given: pasted into a shell, they must run as shown."""
    return "\n".join(line.translate(_ISOLATES) if line.lstrip().startswith(COMMAND_PREFIX) else line
                     for line in text.split("\n"))


@dataclass(frozen=True)
class HtmlLine:
    html: Markup
    command: bool
    href: str | None = None  # a line that is one web address (a signed link in a letter) is set as a link to it


_URL_LINE = re.compile(r"\s*(https?://[^\s<>\"']+)\s*")


def html_paragraphs(text: str) -> list[list[HtmlLine]]:
    """The text's paragraphs, each line escaped, its isolates become <bdi> elements, commands marked as such.

    Each line is set in its own direction, as a plain-text reader sets it (a line break ends a bidi paragraph):
    the layout gives every line dir="auto", which looks past isolated data to the line's own first letter.
    """
    return [[_html_line(line) for line in p.splitlines()] for p in text.strip().split("\n\n") if p.strip()]


@lru_cache(maxsize=8192)  # most lines come back in letter after letter: the template's own, and those of one record
def _html_line(line: str) -> HtmlLine:
    return HtmlLine(_bdi(line), line.lstrip().startswith(COMMAND_PREFIX), _href(line))


def _href(line: str) -> str | None:
    match = _URL_LINE.fullmatch(line)
    return match.group(1) if match else None


def _bdi(line: str) -> Markup:
    """One line, escaped, with each isolate pair as <bdi>; an unmatched isolate is dropped, an unclosed one closed."""
    text = str(escape(line))
    if not _ISOLATE_CHAR.search(text):  # most lines hold no data to isolate: nothing to walk through
        return Markup(text)
    out: list[str] = []
    depth = last = 0
    for found in _ISOLATE_CHAR.finditer(text):  # the text between isolates is kept as it is
        out.append(text[last:found.start()])
        last = found.end()
        ch = found.group()
        if ch in _OPENERS:
            out.append(_OPENERS[ch])
            depth += 1
        elif depth:  # a PDI closing one
            out.append("</bdi>")
            depth -= 1
    out.append(text[last:])
    out.extend("</bdi>" for _ in range(depth))
    return Markup("".join(out))


def _localise(values: Any, lang: str) -> Any:
    """Phrases given in several languages (a dict subclass marked `by_language`) become the letter's one."""
    if isinstance(values, dict):
        if getattr(values, "by_language", False):
            return values.get(lang) or values.get("en", "")
        return {k: _localise(v, lang) if isinstance(v, dict) else v for k, v in values.items()}
    return values
