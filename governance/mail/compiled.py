"""Where letter templates stay compiled between processes: each `gov` command is a new process, and compiling the
letters it writes (and reading their syntax for mail/stencil.py) cost it more than writing them."""

from __future__ import annotations

import hashlib
import os
import tempfile
from typing import Callable

from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import Bucket

# Bumped when what is kept changes meaning (the environment's options, stencil's reading of a template).
_KEPT = "1"


class CompiledLetters(FileSystemBytecodeCache):
    """Jinja's cache of compiled templates in a folder only this user may enter (Jinja checks it), keyed by the
    template's name and checked against its source, so an edited template compiles again. A folder that cannot be
    read or written costs a compilation, never a letter."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass

    def verdict(self, kind: str, source: str, decide: Callable[[], bool]) -> bool:
        """What `decide` says of a template whose source is `source`, kept under `kind`: a pure function of the
        source, worked out once for all processes."""
        digest = hashlib.sha1(f"{kind}\0{source}".encode("utf-8", "surrogatepass")).hexdigest()
        path = os.path.join(self.directory, self.pattern % f"{kind}_{digest}") + ".verdict"
        try:
            with open(path, encoding="ascii") as kept:
                said = kept.read()
            if said in ("0", "1"):
                return said == "1"
        except (OSError, UnicodeDecodeError):
            pass
        answer = decide()
        try:
            with tempfile.NamedTemporaryFile("w", dir=self.directory, suffix=".tmp", delete=False, encoding="ascii") as new:
                new.write("1" if answer else "0")
            os.replace(new.name, path)
        except OSError:
            pass
        return answer


def compiled_letters(settings: str) -> CompiledLetters | None:
    """The cache for an environment described by `settings` (its options, which the compiled code depends on and
    the key does not hold); None where the system gives no private folder for it."""
    try:
        cache = CompiledLetters(pattern=f"__gov_{hashlib.sha1((_KEPT + settings).encode()).hexdigest()[:12]}_%s.cache")
    except (OSError, RuntimeError):
        return None
    return cache
