"""`gov show` and `gov deadlines` answered before click is loaded print what the CLI prints, byte for byte, and hand it
everything else."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SEC = "sec"
NOW = "2021-03-12T10:00"
# The executable's own way in (cli/entry.py: the stored help, the quick path, then the CLI), and the CLI's alone.
PROBE = ("import sys\nfrom governance.cli.{module} import main\n"
         "try:\n    main()\nexcept SystemExit as done:\n    code = done.code\nelse:\n    code = 0\n"
         "sys.stdout.flush()\nprint('\\n@@', code, 'click' in sys.modules, any(m.startswith('sqlalchemy') for m in sys.modules), file=sys.stderr)\n")


@pytest.fixture
def instance(network, tmp_path):
    text = tmp_path / "d.txt"
    text.write_text("1. Purpose.\n\n2. The chair serves two years.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "Rules", "--file", str(text), actor=SEC, now="2021-03-10T10:00")
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-03-10T10:00")
    network.ok("comment", "add", "D-1", "--para", "2", "--text", "Two years.", actor="bhr", now="2021-03-11T10:00")
    network.ok("action", "add", "--title", "Send the report", "--owner", "BHR", "--due", "2021-04-01", actor=SEC, now=NOW)
    return network


def _run(module: str, argv: list[str], env: dict[str, str], cwd) -> tuple[int, str, str, bool, bool]:
    """(exit code, stdout, stderr, click imported, SQLAlchemy imported) of `gov ARGV` through `module`'s main."""
    done = subprocess.run([sys.executable, "-c", PROBE.format(module=module), *argv], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)
    err, _, tail = done.stderr.rpartition("\n@@ ")
    code, clicked, sqlalchemy = tail.split()
    return int(code), done.stdout, err, clicked == "True", sqlalchemy == "True"


def _environment(**variables: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GOV_")}
    environment.update(variables)
    # What is imported is looked at in the process that runs the command: a cold one (a warm one's child has it all).
    environment["GOV_WARM"] = "0"
    return environment


def _shapes(config: str) -> list[tuple[list[str], dict[str, str], bool]]:
    """(argv, variables, answered before click on SQLite)."""
    c = ["--config", config]
    return [
        ([*c, "--as", SEC, "--now", NOW, "show", "D-1"], {}, True),
        ([*c, "--as", SEC, "--now", NOW, "--json", "show", "D-1"], {}, True),
        (["--json", f"--config={config}", f"--as={SEC}", f"--now={NOW}", "show", "A-1"], {}, True),
        ([*c, "show", "T-1"], {"GOV_ACTOR": "iskur", "GOV_NOW": NOW}, True),
        (["show", "D-1"], {"GOV_CONFIG": config, "GOV_NOW": NOW}, True),  # no one acting
        ([*c, "--as", "bhr", "--now", "2021-04-08T09:00", "show", "D-1"], {}, False),  # rows wait: the CLI warns
        ([*c, "--as", SEC, "--now", NOW, "show", "C-1"], {}, False),  # a comment: the full path
        ([*c, "--as", SEC, "--now", NOW, "show", "D-99"], {}, False),  # no such record: exit 2
        ([*c, "--as", SEC, "--now", NOW, "--json", "show", "X-1"], {}, False),  # not a reference: exit 2, JSON error
        ([*c, "--as", "nobody", "--now", NOW, "show", "D-1"], {}, False),
        ([*c, "--as", SEC, "--now", "soon", "show", "D-1"], {}, False),
        ([*c, "--as", SEC, "--now", "", "show", "D-1"], {}, False),
        ([*c, "--as", SEC, "show", "D-1"], {"GOV_NOW": " "}, False),
        ([*c, "--as", SEC, "--now", NOW, "show"], {}, False),
        ([*c, "--as", SEC, "--now", NOW, "show", "D-1", "D-2"], {}, False),
        ([*c, "--as", SEC, "--now", NOW, "show", "--help"], {}, False),
        ([*c, "--as", SEC, "--now", NOW, "--verbose", "show", "D-1"], {}, False),
        (["--config", config + ".missing", "--as", SEC, "show", "D-1"], {}, False),
        ([*c, "--as", SEC, "--now", NOW, "show", "D-1\x1b[2J"], {}, False),
        ([*c, "--now", NOW, "deadlines"], {}, True),
        ([*c, "--now", NOW, "--json", "deadlines", "--all", "--limit", "2"], {}, True),
        (["--json", "deadlines", "--limit=1"], {"GOV_CONFIG": config, "GOV_NOW": NOW}, True),
        ([*c, "--now", NOW, "deadlines", "--all", "--all"], {}, True),
        ([*c, "--now", "2021-04-08T09:00", "deadlines"], {}, False),  # rows wait: the CLI warns
        ([*c, "--now", NOW, "deadlines", "--limit", "0"], {}, False),
        ([*c, "--now", NOW, "deadlines", "--limit", "1000000001"], {}, False),
        ([*c, "--now", NOW, "deadlines", "--limit"], {}, False),
        ([*c, "--now", NOW, "deadlines", "D-1"], {}, False),
        ([*c, "--now", NOW, "deadlines", "--help"], {}, False),
    ]


def test_the_quick_path_prints_what_the_cli_prints_and_answers_the_common_shapes_without_click(instance):
    config = str(instance.config)
    for argv, variables, quick in _shapes(config):
        environment = _environment(**variables)
        entry = _run("entry", argv, environment, instance.folder)
        full = _run("main", argv, environment, instance.folder)
        assert entry[:3] == full[:3], argv
        assert full[3], argv  # the CLI's own way always loads click
        if quick:
            assert not entry[3] and not entry[4], argv  # answered before click, and from plain rows
            assert entry[0] == 0
        elif not quick:
            assert entry[3], argv  # handed to the CLI


def test_an_output_that_cannot_take_the_text_gets_what_the_cli_gives_it(instance, tmp_path):
    arabic = tmp_path / "ar.txt"
    arabic.write_text("1. الغرض.\n", encoding="utf-8")
    instance.ok("doc", "create", "--type", "report", "--title", "تقرير", "--file", str(arabic), actor=SEC, now=NOW)
    argv = ["--config", str(instance.config), "--as", SEC, "--now", NOW, "show", "D-2"]
    environment = _environment(PYTHONIOENCODING="ascii")
    entry = _run("entry", argv, environment, instance.folder)
    assert entry[:3] == _run("main", argv, environment, instance.folder)[:3]


def test_the_quick_path_declines_what_it_cannot_read_as_the_cli_would():
    from governance.cli.quick import parse

    assert parse(["--config", "c.toml", "--as", "sec", "show", "D-1"])[2:] == ("show", {"ref": "D-1"})
    assert parse(["deadlines", "--limit=7", "--all"])[2:] == ("deadlines", {"all": True, "limit": 7})
    for argv in (["show"], ["show", "-h"], ["--as", "sec", "tick"], ["--config"], ["--as", "sec", "--", "show", "D-1"],
                 ["deadlines", "--limit", "x"], ["deadlines", "--limit", "-3"], ["deadlines", "--all=yes"],
                 ["--as", "--json", "show", "D-1"], ["--as", "s\udcffc", "show", "D-1"], ["--as", "se\x00c", "show", "D-1"],
                 ["--now", " ", "show", "D-1"], ["show", "D-1", "--json"], ["--version", "show", "D-1"]):
        assert parse(argv) is None, argv


def test_the_quick_path_lists_as_many_deadlines_as_the_cli_by_default():
    from governance.cli.main import deadlines
    from governance.cli.reads import DEADLINES_PAGE

    assert next(p for p in deadlines.params if p.name == "limit").default == DEADLINES_PAGE
