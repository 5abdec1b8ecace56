"""Letters that ask their recipient to act, as they read with signed links (the instance has a key), held against snapshots.

Beside tests/test_letters.py's snapshots (the same letters without a key carry commands): `CASE.links.txt`, written only
with GOV_UPDATE_SNAPSHOTS=1. Each link stands alone on its line, bare (no isolate would survive a click), and is a link
in the HTML part.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from governance.mail.render import FSI, PDI, Laid
from tests.test_letters import CASES, LANGS, PERSON, SNAPSHOTS, at, renderer, snapshot

BASE = "https://gov.example.org"
LINKED = {
    "approval_requested": ("approve", "reject"),
    "document_circulated": ("comment",),
    "comment_reminder": ("comment",),
    "action_reminder": ("complete",),
    "written_silence": ("object",),
    "written_vote": ("vote",),
    "written_reminder": ("vote",),
}


def _links(case: str) -> dict[str, Any]:
    actions = LINKED[case.split(".")[0]]
    links: dict[str, Any] = {"expires": at("2021-04-17T17:00")}
    for action in actions:
        links[action] = Laid(f"{BASE}/l/InNhbXBsZS10b2tlbi1mb3ItdGhlLXRlc3Qi.c2lnbmF0dXJl/{action}")
    return links


def render(case: str, lang: str) -> Any:
    ref, context = CASES[case]
    return renderer().render(case.split(".")[0], lang, dict(context, links=_links(case)), ref)


CASES_WITH_LINKS = sorted(c for c in CASES if c.split(".")[0] in LINKED)


def _check_snapshot(name: str, lang: str, got: str) -> None:
    path = SNAPSHOTS / lang / f"{name}.txt"
    if os.environ.get("GOV_UPDATE_SNAPSHOTS") == "1":
        path.write_text(got, encoding="utf-8")
    assert path.is_file(), f"no snapshot {path}: render it with GOV_UPDATE_SNAPSHOTS=1 and read it"
    assert got == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("case", CASES_WITH_LINKS)
def test_a_letter_with_links_matches_its_snapshot(case: str, lang: str) -> None:
    letter = render(case, lang)
    _check_snapshot(f"{case}.links", lang, snapshot(letter))
    urls = re.findall(r"^(https://\S+)$", letter.text, re.MULTILINE)
    assert [u.rsplit("/", 1)[1] for u in urls] == list(LINKED[case.split(".")[0]])
    for url in urls:
        assert FSI not in url and PDI not in url and f'href="{url}"' in letter.html
    assert "gov approve" not in letter.text and "gov comment add" not in letter.text and "gov advance" not in letter.text


@pytest.mark.parametrize("lang", LANGS)
def test_the_sign_in_letter_matches_its_snapshot(lang: str) -> None:
    body = {"name": "OIC Public Employment Services Network", "short_name": "OIC-PESNET"}
    context = {"body": body, "person": PERSON, "link": Laid(f"{BASE}/sign-in/InNhbXBsZSJ9.c2ln"), "minutes": 15}
    letter = renderer().render("account/sign_in", lang, context, None)
    assert letter.lang == lang and f"{BASE}/sign-in/InNhbXBsZSJ9.c2ln" in letter.text
    _check_snapshot("sign_in", lang, snapshot(letter))
