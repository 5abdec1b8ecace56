"""The `gov` executable's first step: `gov --help` answers from its stored text; a warm process runs the rest where
there is one (cli/warm.py); anything else loads the full CLI."""

import gc
import sys
from os import path

HELP_FILE = path.join(path.dirname(__file__), "help.txt")
HELP_ARGS = ([], ["--help"], ["-h"])
YOUNG = 20_000  # allocations between collections of the youngest generation (Python's default: 700)


def main() -> None:
    # A command's start-up is mostly imports, which make long-lived objects by the hundred thousand: collecting the
    # young ones every 700 allocations traverses them again and again for nothing (about a tenth of `gov advance`).
    gc.set_threshold(YOUNG, *gc.get_threshold()[1:])
    try:
        argv = sys.argv[1:]
        if argv not in HELP_ARGS:
            # A warm process holding the engine imported runs the command, where there is one (cli/warm.py).
            from governance.cli import warm

            if warm.enabled(argv):
                code = warm.run(argv)
                if code is not None:
                    sys.exit(code)
        run_cold()
    finally:
        # At exit the interpreter would look once more for cycles through everything the command loaded, which
        # costs a fifth of a short command and frees nothing the end of the process does not.
        gc.freeze()


def run_cold() -> None:
    """The command in this process: the stored help, a read from plain rows, or the CLI."""
    # Importing click alone costs several times the interpreter's own start-up; the help a newcomer asks
    # for first should not wait for it. tests/test_cli.py keeps the stored text equal to click's rendering.
    if sys.argv[1:] in HELP_ARGS:
        try:
            with open(HELP_FILE, encoding="utf-8") as stored:
                sys.stdout.write(stored.read())
            sys.stdout.flush()
            sys.exit(0)
        except OSError:
            pass
    # `gov show REF` and `gov deadlines` read from plain rows answer before click is imported (cli/quick.py); anything
    # else, the CLI.
    if "show" in sys.argv[1:] or "deadlines" in sys.argv[1:]:
        from governance.cli.quick import answer

        try:
            if answer(sys.argv[1:]):
                sys.exit(0)
        except BrokenPipeError:  # the reader went away, as the CLI says it
            sys.exit(1)
    from governance.cli.main import main as full

    full()


def render_help() -> str:
    """What click prints for `gov --help` on an 80-column terminal."""
    import click

    from governance.cli.main import cli

    settings = dict(cli.context_settings, terminal_width=78)  # what click gives an 80-column terminal
    with click.Context(cli, info_name="gov", **settings) as ctx:
        return cli.get_help(ctx) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-help"]:
        with open(HELP_FILE, "w", encoding="utf-8") as target:
            target.write(render_help())
    else:
        main()
