"""One truth: the role x trigger matrix is the same through the CLI and the web.

For every record of a prepared instance (each kind, in states where several people may act) and every role a person
holds, the triggers `gov show --json` lists as allowed are exactly the buttons the record's page offers; every trigger
of the record's workflow (and one it does not have) is refused alike by `gov advance --dry-run` and by the page's
preview, with the matching refusal (exit 2/3/4 and HTTP 400/403/409); a refused trigger POSTed to the page writes
nothing. The chair's approve/reject forms and the comment boxes follow the CLI's `commands` the same way.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.conftest import Gov
from tests.test_web import _HIDDEN, ENV, SEC, Web, _audit_count, _sign_in, web  # noqa: F401  (web: the fixture)

NOW = "2021-04-02T10:00"
# Each role of the network: secretariat, the chair (İŞKUR's focal point), an action's owner (Egypt's focal point),
# another focal point (Bahrain), an observer (ILO).
PEOPLE = {"sec": "sec@sesric.example", "iskur": "iskur@iskur.example", "egy": "egy@egy.example", "bhr": "bhr@bhr.example",
          "ilo": "jean@ilo.example"}
# What the CLI's exit codes are on the web.
STATUS = {0: 200, 2: 400, 3: 403, 4: 409}


def _prepare(gov: Gov, folder: Path) -> list[str]:
    """Records of every kind, in states where the roles differ: the references to look at."""
    draft = folder / "draft.txt"
    draft.write_text("1. One.\n\n2. Two.\n", encoding="utf-8")

    def sec(*args: str, now: str = "2021-03-10T10:00") -> None:
        gov.ok(*args, actor=SEC, now=now, env=ENV)

    sec("meeting", "create", "--kind", "general", "--title", "3rd Network Meeting", "--start", "2021-06-02T12:00",
        "--end", "2021-06-03T15:00", "--venue", "Ankara")                                   # M-1 planned
    sec("meeting", "create", "--kind", "general", "--title", "4th Network Meeting", "--start", "2021-07-05T12:00",
        "--end", "2021-07-06T15:00", "--venue", "Rabat")                                    # M-2 waiting for the chair
    sec("advance", "M-2", "convene")
    sec("doc", "create", "--type", "rop", "--title", "Draft Rules", "--file", str(draft), "--meeting", "M-1")     # D-1 draft
    sec("doc", "create", "--type", "action_plan", "--title", "Draft Plan", "--file", str(draft), "--meeting", "M-1")  # D-2
    sec("advance", "D-2", "circulate", now="2021-04-01T10:00")                              # D-2 circulated
    gov.ok("comment", "add", "D-2", "--para", "1", "--text", "From Bahrain", actor="bhr", now="2021-04-01T11:00", env=ENV)  # C-1
    sec("action", "add", "--title", "Notify the focal point", "--owner", "EGY", "--due", "2021-05-20")  # A-1 open
    sec("term", "designate", "chair", "--org", "MAR", "--start", "2023-03-01")             # T-2 designated; T-1 active
    return ["M-1", "M-2", "D-1", "D-2", "C-1", "A-1", "T-1", "T-2"]


def _buttons(html: str, ref: str) -> list[str]:
    return re.findall(rf'href="/r/{re.escape(ref)}/do/([^"?/]+)"', html)


def test_the_role_by_trigger_matrix_is_the_same_through_the_cli_and_the_web(network: Gov, web: Any, tmp_path: Path) -> None:
    refs = _prepare(network, tmp_path)
    app: Web = web(NOW)
    browsers = {}
    for handle, address in PEOPLE.items():
        browsers[handle] = app.client()
        _sign_in(app, browsers[handle], address)
    workflows = app.instance.workflows
    seen_allowed: set[tuple[str, str, str]] = set()
    codes: set[int] = set()
    for ref in refs:
        for handle, browser in browsers.items():
            shown = network.j("show", ref, actor=handle, now=NOW, env=ENV)
            page = browser.get(f"/r/{ref}")
            assert page.status_code == 200, (ref, handle, page.text)
            where = f"{ref} as {handle}"
            assert _buttons(page.text, ref) == shown["allowed"], where
            commands = shown.get("commands", [])
            assert (f'action="/r/{ref}/approve"' in page.text) == (f"gov approve {ref}" in commands), where
            assert (f'action="/r/{ref}/reject"' in page.text) == any(c.startswith(f"gov reject {ref}") for c in commands), where
            assert (f'action="/r/{ref}/comment"' in page.text) == any(c.startswith(f"gov comment add {ref}") for c in commands), where
            seen_allowed.update((shown["kind"], handle, t) for t in shown["allowed"])
            seen_allowed.update((shown["kind"], handle, c.split()[1]) for c in commands if c.startswith(("gov approve", "gov comment")))
            kind = shown["kind"]
            triggers = sorted(workflows[kind].triggers) if kind in workflows else ["close"]
            here = {t.name for t in workflows[kind].triggers_from(shown["state"])} if kind in workflows else set()
            token = dict(_HIDDEN.findall(page.text))["csrf_token"]
            for trigger in [*triggers, "no_such_step"]:
                cli = network("advance", ref, trigger, "--dry-run", actor=handle, now=NOW, env=ENV, json_out=True)
                assert cli.code in STATUS, repr(cli)
                codes.add(cli.code)
                preview = browser.get(f"/r/{ref}/do/{trigger}")
                assert preview.status_code == STATUS[cli.code], (where, trigger, repr(cli), preview.text[-500:])
                if cli.code == 0 or (trigger not in here and trigger != "no_such_step"):
                    continue
                # Refused alike when submitted, not only when previewed (the triggers of the present state, refused by
                # role or rule, and one the workflow does not have); and nothing is written.
                before = _audit_count(network)
                posted = browser.post(f"/r/{ref}/advance", data={"csrf_token": token, "trigger": trigger})
                assert posted.status_code == STATUS[cli.code], (where, trigger, posted.text[-500:])
                assert _audit_count(network) == before, (where, trigger)
    assert codes == {0, 2, 3, 4}  # allowed, unknown, not the actor's role, not from this state or against a rule
    # The matrix is not empty on either side: each role could do something somewhere, and the kinds all took part.
    assert {handle for _, handle, _ in seen_allowed} >= {"sec", "iskur", "egy", "bhr"}
    assert {kind for kind, _, _ in seen_allowed} >= {"meeting", "document", "action"}
