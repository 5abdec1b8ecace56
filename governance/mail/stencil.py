"""One letter to several readers of one language: rendered once with stand-ins for the reader, each reader set in.

A letter names its reader (`{{ person.name }}`, `{{ person.org }}`) and otherwise says the same to everyone it goes
to in one language. Rendering it once with a stand-in for each of the reader's values, then putting each reader's
own value where its stand-in stands, gives what rendering it for that reader gives, byte for byte, when:

- the template uses the reader's values only as printed values (`{{ person.name }}`), never in a test, a filter,
  a loop or a call (read from the template's syntax tree, once per template);
- the readers share everything else the letter reads: their language, their time zone, and having no links;
- each value prints as itself, without whitespace that the subject's or the text's tidying would move, and with
  at most one pair of directional isolates around it (see `Stencil.fill`); a line holding a stand-in is no
  command and no web address, and does not turn into one with the value in it.

The HTML part is made from each reader's own subject and text, as for any letter.

Whatever does not meet these is rendered for its reader alone (Letters.render_many), as before.
"""

from __future__ import annotations

import random
import re
import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from jinja2 import Environment, nodes

# Stand-ins are made of control characters with no direction of their own (Unicode class BN), which no tidying
# counts as whitespace or as a line break and HTML escaping leaves alone; a random run of them per process, so no
# text a letter carries holds one by chance.
_STAND_IN_CHARS = "".join(chr(c) for c in (*range(0x01, 0x09), *range(0x0E, 0x1C)))
_STAND_IN = re.compile(f"[{re.escape(_STAND_IN_CHARS)}]")
_NONCE = "".join(random.SystemRandom().choice(_STAND_IN_CHARS) for _ in range(10))
_READER_ZONE = "timezone"  # read by the date functions: readers of one stencil share it, so it is never stood in for


@lru_cache(maxsize=64)
def stand_in(key: str) -> str:
    """The stand-in for the reader's `key`."""
    return f"{_NONCE}{_code(key)}{_NONCE}"


def _code(word: str) -> str:
    return "".join(_STAND_IN_CHARS[b % len(_STAND_IN_CHARS)] for b in word.encode("utf-8"))


def stood_in(person: dict[str, Any]) -> tuple[str, ...]:
    """The keys of the reader's view a stand-in takes the place of."""
    return tuple(key for key in person if key != _READER_ZONE)


def stand_ins(person: dict[str, Any]) -> dict[str, Any]:
    """The reader's view with each value a letter may print replaced by its stand-in (their zone is kept)."""
    return {key: value if key == _READER_ZONE else stand_in(key) for key, value in person.items()}


# -- what a template does with the reader, read from its syntax tree ---------------------------------------------

_PLAIN: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()
# Nodes that bring in text from elsewhere, or name the reader where the tree does not show it: not read through.
_OPAQUE = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport, nodes.Macro, nodes.CallBlock, nodes.FilterBlock)


def prints_reader_plainly(env: Environment, template: Any) -> bool:
    """Whether `template` uses `person` only as `{{ person.KEY }}` (or `{{ person["KEY"] }}`): printed, nothing else."""
    if template not in _PLAIN:
        _PLAIN[template] = _kept(env, template, "reader", _reader_printed_only)
    return _PLAIN[template]


def sets_lines_plainly(env: Environment, layout: Any) -> bool:
    """Whether the HTML layout prints `subject` and each line's `html` only as values, reads `paragraphs` and their
    lines only to loop over them, and a line otherwise only for its `href` and `command` (the same for a line with
    a stand-in as with the reader's value: Stencil.fill checks that); and names no `loop` variable, whose values
    would differ from line to line (mail/layout.py)."""
    if layout not in _PLAIN:
        _PLAIN[layout] = _kept(env, layout, "layout", _layout_plain)
    return _PLAIN[layout]


def _kept(env: Environment, template: Any, kind: str, read: Callable[[nodes.Template | None], bool]) -> bool:
    """What `read` says of `template`'s syntax tree: a pure function of its source, so kept with the compiled
    templates (mail/compiled.py) for the next process, where there are any."""
    from governance.mail.compiled import CompiledLetters

    cache = env.bytecode_cache
    source = _source(env, template)
    if source is None or not isinstance(cache, CompiledLetters):
        return read(_parse(env, source))
    return cache.verdict(kind, source, lambda: read(_parse(env, source)))


def _source(env: Environment, template: Any) -> str | None:
    try:
        return env.loader.get_source(env, template.name)[0] if env.loader and template.name else None
    except Exception:  # noqa: BLE001 - a template that cannot be read again is simply rendered per reader
        return None


def _parse(env: Environment, source: str | None) -> nodes.Template | None:
    try:
        return env.parse(source) if source is not None else None
    except Exception:  # noqa: BLE001 - as above
        return None


def _walk(node: nodes.Node, parent: nodes.Node | None = None) -> Any:
    yield node, parent
    for child in node.iter_child_nodes():
        yield from _walk(child, node)


def _parents(tree: nodes.Template) -> dict[int, nodes.Node | None]:
    return {id(node): parent for node, parent in _walk(tree)}


def _reader_printed_only(tree: nodes.Template | None) -> bool:
    if tree is None or any(isinstance(node, _OPAQUE) for node, _ in _walk(tree)):
        return False
    parents = _parents(tree)
    for node, parent in _walk(tree):
        if isinstance(node, nodes.Name) and node.name == "person":
            key = _key_of(parent, node)
            if key is None or not isinstance(parents.get(id(parent)), nodes.Output):
                return False
    return True


def _key_of(access: nodes.Node | None, of: nodes.Node) -> str | None:
    """`of.KEY` or `of["KEY"]`: KEY; anything else: None."""
    if isinstance(access, nodes.Getattr) and access.node is of:
        return access.attr
    if isinstance(access, nodes.Getitem) and access.node is of and isinstance(access.arg, nodes.Const) and isinstance(access.arg.value, str):
        return access.arg.value
    return None


def _layout_plain(tree: nodes.Template | None) -> bool:
    if tree is None or any(isinstance(node, _OPAQUE) or (isinstance(node, nodes.Name) and node.name == "loop") for node, _ in _walk(tree)):
        return False
    loops = [node for node, _ in _walk(tree) if isinstance(node, nodes.For)]
    paragraph = {loop.target.name for loop in loops if _names(loop.iter, "paragraphs") and isinstance(loop.target, nodes.Name)}
    line = {loop.target.name for loop in loops if isinstance(loop.iter, nodes.Name) and loop.iter.name in paragraph
            and isinstance(loop.target, nodes.Name)}
    if not paragraph or not line or paragraph & line or {"subject", "paragraphs"} & (paragraph | line):
        return False
    parents = _parents(tree)
    for node, parent in _walk(tree):
        if not isinstance(node, nodes.Name):
            continue
        if node.name == "subject" and not isinstance(parent, nodes.Output):
            return False
        if node.name in ("paragraphs", *paragraph):
            if not (isinstance(parent, nodes.For) and parent.iter is node) and not (isinstance(parent, nodes.For) and parent.target is node):
                return False
        if node.name in line:
            if isinstance(parent, nodes.For) and parent.target is node:
                continue
            key = _key_of(parent, node)
            if key == "html":
                if not isinstance(parents.get(id(parent)), nodes.Output):
                    return False
            elif key not in ("href", "command"):
                return False
    return True


def _names(node: nodes.Node, name: str) -> bool:
    return isinstance(node, nodes.Name) and node.name == name


# -- setting a reader in ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stencil:
    """A letter's subject and text rendered with stand-ins for the reader."""

    subject: str
    text: str
    keys: tuple[str, ...]  # the reader's values stood in for
    lines: tuple[str, ...]  # the text's lines that hold a stand-in

    def fill(self, person: dict[str, Any], direction: str) -> tuple[str, str] | None:
        """The subject and text with `person` set in; None when one of their values could come out otherwise than a
        letter rendered for them alone says it (it is rendered so, then)."""
        from governance.mail.render import _as_data

        printed: dict[str, str] = {}
        for key in self.keys:
            value = person.get(key)
            if value.__class__ is not str or "\n" in value:
                return None
            shown = _as_data(value, direction)
            if not _settles(shown):
                return None
            printed[key] = shown
        subject, text, lines = self.subject, self.text, list(self.lines)
        for key, shown in printed.items():
            mark = stand_in(key)
            subject, text = subject.replace(mark, shown), text.replace(mark, shown)
            lines = [line.replace(mark, shown) for line in lines]
        if any(_kind(line) != (False, None) for line in lines):
            return None
        return subject, text


def _settles(shown: str) -> bool:
    """A printed value that the tidying of a subject and a text leaves as it is (no whitespace at its ends, no run of
    it, no line break, not empty), with no stand-in character, and whose isolates are none or one pair around it."""
    from governance.mail.render import FSI, PDI, _ISOLATES

    if not shown or " ".join(shown.split()) != shown or _STAND_IN.search(shown):
        return False
    bare = shown.translate(_ISOLATES)
    return bare == shown or (shown[0] == FSI and shown[-1] == PDI and bare == shown[1:-1])


def _kind(line: str) -> tuple[bool, str | None]:
    """How the HTML sets a line: as a command, as a link (its address)."""
    from governance.mail.render import COMMAND_PREFIX, _href

    return line.lstrip().startswith(COMMAND_PREFIX), _href(line)


def stencil(subject: str, text: str, keys: tuple[str, ...]) -> Stencil | None:
    """The stencil of a letter rendered with stand-ins, or None when a line holding one is a command or a web address."""
    marks = [stand_in(key) for key in keys]
    lines = tuple(line for line in text.splitlines() if any(mark in line for mark in marks))
    if any(_kind(line) != (False, None) for line in lines):
        return None
    return Stencil(subject, text, keys, lines)
