"""Hints as commands: the one place that knows how each thing a person may do is typed at the `gov` prompt."""

from __future__ import annotations

from governance.hints import Hint

COMMANDS = {
    "advance": "gov advance {ref} {trigger}",
    "approve": "gov approve {ref}",
    "reject": "gov reject {ref} --reason TEXT",
    "comment": "gov comment add {ref} --text TEXT --para N",
    "matrix": "gov doc matrix {ref}",
    "dispose": "gov comment dispose {ref} --decision accepted|partly|rejected|noted --note TEXT",
    "revise": "gov doc revise {ref} --file PATH",
    "show": "gov show {ref}",
    "approvals": "gov approvals",
    "list": "gov {group} list",
    "object": "gov written object {ref} --text TEXT --para N",
    "vote": "gov written vote {ref} --position for|against|abstain",
    "reserve": "gov written reserve {ref} --text TEXT",
}
GROUPS = {"document": "doc"}  # a kind whose command group has a shorter name


def command(hint: Hint | str) -> str:
    """The command line for a hint (a hint that is already text, from an older caller, is printed as it is)."""
    if isinstance(hint, str):
        return hint
    group = GROUPS.get(hint.kind or "", hint.kind or "")
    text = COMMANDS[hint.action].format(ref=hint.ref or "", trigger=hint.trigger or "", group=group)
    return f"{text} ({hint.why})" if hint.why else text
