"""Letter templates kept compiled between processes (mail/compiled.py): an edited template is compiled again, and a
cache that is broken or cannot be written costs a compilation, never a letter."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from jinja2 import DictLoader, Environment, FileSystemLoader

from governance.mail.compiled import CompiledLetters, compiled_letters
from governance.mail.stencil import prints_reader_plainly


def _env(folder: Path, cache: CompiledLetters | None) -> Environment:
    return Environment(loader=FileSystemLoader(str(folder)), bytecode_cache=cache)


def test_an_edited_template_is_compiled_again_not_taken_from_the_cache(tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir()
    cache = CompiledLetters(str(tmp_path / "cache"), "__t_%s.cache")
    (tmp_path / "letter.txt").write_text("Dear {{ person.name }},", encoding="utf-8")
    assert _env(tmp_path, cache).get_template("letter.txt").render(person={"name": "Ayşe"}) == "Dear Ayşe,"
    assert list((tmp_path / "cache").glob("__t_*.cache")), "the compiled template was kept"
    (tmp_path / "letter.txt").write_text("Hello {{ person.name }}!", encoding="utf-8")
    assert _env(tmp_path, cache).get_template("letter.txt").render(person={"name": "Ayşe"}) == "Hello Ayşe!"


def test_a_corrupt_compiled_template_is_compiled_again(tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir()
    cache = CompiledLetters(str(tmp_path / "cache"), "__t_%s.cache")
    (tmp_path / "letter.txt").write_text("Dear {{ name }},", encoding="utf-8")
    _env(tmp_path, cache).get_template("letter.txt")
    for kept in (tmp_path / "cache").glob("__t_*.cache"):
        kept.write_bytes(b"not a compiled template at all")
    assert _env(tmp_path, cache).get_template("letter.txt").render(name="Omar") == "Dear Omar,"


def test_a_cache_folder_that_cannot_be_used_costs_a_compilation_not_a_letter(tmp_path: Path) -> None:
    # A file where the folder should be: every read and write of the cache fails (as root, a folder's mode would not).
    (tmp_path / "cache").write_text("not a folder", encoding="utf-8")
    cache = CompiledLetters(str(tmp_path / "cache"), "__t_%s.cache")
    (tmp_path / "letter.txt").write_text("Dear {{ name }},", encoding="utf-8")
    for _ in range(2):
        assert _env(tmp_path, cache).get_template("letter.txt").render(name="Léa") == "Dear Léa,"
        assert cache.verdict("reader", "{{ x }}", lambda: True) is True


def test_a_verdict_is_kept_by_source_and_a_garbled_one_is_decided_again(tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir()
    cache = CompiledLetters(str(tmp_path / "cache"), "__t_%s.cache")
    asked: list[str] = []

    def decide(answer: bool) -> bool:
        asked.append("asked")
        return answer

    assert cache.verdict("reader", "source one", lambda: decide(True)) is True
    assert cache.verdict("reader", "source one", lambda: decide(False)) is True  # kept: not asked again
    assert cache.verdict("reader", "source two", lambda: decide(False)) is False  # another source: asked
    assert len(asked) == 2
    for kept in (tmp_path / "cache").glob("*.verdict"):
        kept.write_text("?", encoding="ascii")
    assert cache.verdict("reader", "source one", lambda: decide(False)) is False
    assert len(asked) == 3


def test_the_stencil_reading_of_a_template_is_the_same_with_the_cache_as_without(tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir()
    templates = {"plain.txt": "Dear {{ person.name }},", "loops.txt": "{% for k in person %}{{ k }}{% endfor %}"}
    for cache in (None, CompiledLetters(str(tmp_path / "cache"), "__t_%s.cache")):
        for _ in range(2):  # the second time from what the first kept
            env = Environment(loader=DictLoader(templates), bytecode_cache=cache)
            assert prints_reader_plainly(env, env.get_template("plain.txt")) is True
            assert prints_reader_plainly(env, env.get_template("loops.txt")) is False


def test_the_shipped_cache_lives_in_a_folder_only_its_user_may_enter() -> None:
    cache = compiled_letters("test settings")
    assert cache is not None
    mode = os.stat(cache.directory).st_mode
    assert stat.S_IMODE(mode) == stat.S_IRWXU and os.stat(cache.directory).st_uid == os.getuid()
