"""Letters as a batch of due rows writes them: one rendering shared by the readers of a language, and the HTML part
joined from the layout's pieces, give each reader the very letter Jinja renders for them alone, byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from governance.mail import layout as layouts
from governance.mail.render import RTL, Letter, Renderer, html_paragraphs
from tests.test_letters import CASES, LANGS, ZONE, _digest_items, renderer

# Readers whose values a shared rendering could get wrong if it set them in carelessly: data against the letter's
# direction, brackets inside brackets, whitespace a subject or a text would tidy, markup, isolates of their own,
# a command, a web address, a line break, nothing at all; and readers in a zone of their own.
READERS = [
    {"name": "Omar Hassan", "org": "Ministry of Manpower, Arab Republic of Egypt", "handle": "omar"},
    {"name": "عمر حسن", "org": "وزارة القوى العاملة", "handle": "omar2"},
    {"name": "Awa Ndiaye (acting)", "org": "ANPEJ (Sénégal (Dakar))", "handle": "awa"},
    {"name": "  Leading  and trailing ", "org": "Tab\there", "handle": "ws"},
    {"name": "No\u00a0break", "org": "Org", "handle": "nbsp"},
    {"name": "gov show D-1", "org": "https://evil.example/x", "handle": "cmd"},
    {"name": "<b>Bold</b> & \"Co\"", "org": "O'Brien & Sons", "handle": "html"},
    {"name": "\u2068Ali\u2069", "org": "A\u2069B\u2068", "handle": "iso"},
    {"name": "Line\nBreak", "org": "Org", "handle": "nl"},
    {"name": "", "org": "", "handle": ""},
    {"name": "Hélène Dupont", "org": "Pôle emploi", "handle": "helene"},
    *({"name": f"Zone {i}", "org": "Kemnaker", "handle": f"z{i}", "timezone": "Asia/Jakarta"} for i in range(3)),
]


def _alone(render: Renderer, name: str, context: dict[str, Any], ref: str | None, lang: str, person: dict[str, Any]) -> Letter:
    return render.render(name, lang, dict(context, person=person, links=None), ref)


def _through_jinja(render: Renderer, letter: Letter) -> str:
    """The HTML part as the layout template renders it through Jinja, with nothing taken apart."""
    return render.env.get_template("layout.html").render(subject=letter.subject, paragraphs=html_paragraphs(letter.text),
                                                         lang=letter.lang, dir="rtl" if letter.lang in RTL else "ltr")


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_letter_shared_by_many_readers_is_each_readers_own_letter_byte_for_byte(case: str) -> None:
    ref, context = CASES[case]
    name = case.split(".")[0]
    render = renderer()

    def shared(lang: str) -> dict[str, Any]:
        return dict(context, items=_digest_items(lang)) if name == "digest" else context

    readers = [(lang, {"person": person, "links": None}) for lang in LANGS for person in READERS]
    together = render.letters(name, shared, ref).render_many(readers)
    for (lang, personal), letter in zip(readers, together):
        alone = _alone(render, name, shared(lang), ref, lang, personal["person"])
        assert letter == alone, (lang, personal["person"])
        assert letter.html == _through_jinja(render, letter), (lang, personal["person"])


def test_readers_with_links_of_their_own_get_letters_of_their_own() -> None:
    ref, context = CASES["written_vote"]
    render = renderer()
    expires = CASES["action_overdue"][1]["record"]["due"]
    links = [{"vote": f"https://gov.example/l/{i}", "expires": expires} for i in range(4)]
    readers = [("en", {"person": READERS[0], "links": offered}) for offered in links]
    together = render.letters("written_vote", context, ref).render_many(readers)
    for (lang, personal), letter in zip(readers, together):
        assert letter == render.render("written_vote", lang, dict(context, **personal), ref)
        assert personal["links"]["vote"] in letter.text


@pytest.mark.parametrize("layout", [
    "<html><title>{{ subject|upper }}</title>{% for p in paragraphs %}{% for l in p %}<i>{{ l.html }}</i>{% endfor %}{% endfor %}</html>",
    "<ol>{% for p in paragraphs %}{% for l in p %}<li value=\"{{ loop.index }}\">{{ l.html }}</li>{% endfor %}{% endfor %}</ol>",
    "<p>{{ subject }}</p>{% for p in paragraphs %}<div>{% for l in p %}{% if l.href %}<a href=\"{{ l.href }}\">{{ l.html }}</a>"
    "{% else %}{{ l.html }}<br>{% endif %}{% endfor %}</div>{% endfor %}",
], ids=["a-filter", "a-loop-counter", "plain"])
def test_an_instances_own_layout_gives_the_html_jinja_gives(tmp_path: Path, layout: str) -> None:
    """Pieces are taken only from a layout that prints its data as it is; any other is rendered through Jinja."""
    (tmp_path / "en").mkdir()
    (tmp_path / "layout.html").write_text(layout, encoding="utf-8")
    ref, context = CASES["action_overdue"]
    (tmp_path / "en" / "action_overdue.txt").write_text(
        "{% block subject %}Overdue: {{ record.title }}{% endblock %}\n{% block body %}\nDear {{ person.name }},\n\n"
        "See https://gov.example/x\n\ngov show {{ record.ref }}\n\nThe follow-up {{ record.title }} is overdue.\n{% endblock %}\n",
        encoding="utf-8")
    render = Renderer(ZONE, "OIC-PESNET", "en", LANGS, tmp_path)
    readers = [("en", {"person": person, "links": None}) for person in READERS]
    together = render.letters("action_overdue", context, ref).render_many(readers)
    for (lang, personal), letter in zip(readers, together):
        assert letter == _alone(render, "action_overdue", context, ref, lang, personal["person"])
        assert letter.html == _through_jinja(render, letter)
    taken = layouts.pieces(render.env, render.env.get_template("layout.html"), "en", "ltr")
    assert (taken is not None) == (layout.startswith("<p>"))
