"""Render a letter (subject, text, HTML) from Jinja2 templates in the recipient's language."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
RTL = {"ar"}


@dataclass(frozen=True)
class Letter:
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
    def __init__(self, zone: ZoneInfo, short_name: str, working_language: str, languages: tuple[str, ...], override: Path | None = None) -> None:
        self.zone = zone
        self.short_name = short_name
        self.working_language = working_language
        self.languages = languages
        self.env = _environment(str(override) if override else "")

    def language_for(self, wanted: str | None, name: str) -> str:
        for lang in (wanted, self.working_language, "en"):
            if lang and lang in self.languages + ("en",) and self._exists(f"{lang}/{name}.txt"):
                return lang
        raise LookupError(f"no template {name!r} in any language")

    def _exists(self, path: str) -> bool:
        try:
            self.env.get_template(path)
        except Exception:  # noqa: BLE001 - jinja raises TemplateNotFound or a syntax error; both mean "not usable"
            return False
        return True

    def render(self, name: str, wanted_lang: str | None, context: dict[str, Any], ref: str | None) -> Letter:
        lang = self.language_for(wanted_lang, name)
        template = self.env.get_template(f"{lang}/{name}.txt")
        values = _localise(dict(context, lang=lang, zone=self.zone), lang)
        ctx = template.new_context(_with_filters(values, lang, self.zone))
        subject = " ".join("".join(template.blocks["subject"](ctx)).split())
        text = _tidy("".join(template.blocks["body"](ctx)))
        prefix = f"[{self.short_name}] {ref}: " if ref else f"[{self.short_name}] "
        subject = prefix + subject
        html = self.env.get_template("layout.html").render(
            subject=subject, paragraphs=_paragraphs(text), lang=lang, dir="rtl" if lang in RTL else "ltr"
        )
        return Letter(subject, text, html, lang)


@lru_cache(maxsize=8)
def _environment(override: str) -> Environment:
    loaders = [FileSystemLoader(override)] if override else []
    loaders.append(FileSystemLoader(str(PACKAGE_TEMPLATES)))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _with_filters(values: dict[str, Any], lang: str, zone: ZoneInfo) -> dict[str, Any]:
    from governance.mail import dates

    values["when"] = lambda dt: dates.moment(dt, lang, zone)
    values["day"] = lambda dt: dates.day(dt, lang, zone)
    values["hour"] = lambda dt: dates.hour(dt, lang, zone)
    values["days"] = lambda n: dates.days(n, lang)
    return values


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and out and not out[-1]:
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"


def _paragraphs(text: str) -> list[list[str]]:
    return [p.splitlines() for p in text.strip().split("\n\n") if p.strip()]


def _localise(values: Any, lang: str) -> Any:
    """Phrases given in several languages (a dict subclass marked `by_language`) become the letter's one."""
    if isinstance(values, dict):
        if getattr(values, "by_language", False):
            return values.get(lang) or values.get("en", "")
        return {k: _localise(v, lang) for k, v in values.items()}
    return values
